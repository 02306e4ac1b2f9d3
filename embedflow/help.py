"""Help pages: where each block's page lives in resources/help/ and the list of concept pages."""

from __future__ import annotations

from pathlib import Path

from .core.specs import SpecSource
from .io.resources import resource

# Concept pages a student may want next to the block pages, in reading order.
CONCEPTS = (
    ("embeddings", "What is an embedding?"),
    ("tokenization", "Tokens and vocabularies"),
    ("language-models", "Language models: Word2Vec, GloVe, fastText"),
    ("pooling", "Pooling: from word vectors to one vector"),
    ("contextual-vectors", "Contextual and static vectors"),
    ("word-pieces", "Word pieces and the attention mask"),
    ("matching-tokenizer", "Why the tokenizer must match the model"),
    ("image-descriptors", "SqueezeNet and image descriptors"),
    ("distances", "Cosine or euclidean distance?"),
    ("projections", "Maps: PCA, t-SNE and UMAP"),
    ("silhouette", "Silhouette: how well apart are the clusters?"),
    ("cross-validation", "Cross-validation: testing on rows the model never saw"),
    ("overfitting", "Overfitting"),
    ("linear-models-on-embeddings", "Why a linear model on embeddings works"),
    ("collaborative-filtering", "Collaborative filtering: vectors from who used what"),
    ("one-hot-or-embedding", "One-hot columns or an embedding?"),
)


def page_name(type_name: str, specs: SpecSource) -> str:
    """The help page name of a block type (looked up in `specs`): its NodeSpec.help_page, else the type itself."""
    spec = specs.get(type_name)
    return (spec.help_page if spec is not None and spec.help_page else type_name)


def page_path(name: str) -> Path:
    """resources/help/<name>.md (whether or not it exists)."""
    return resource("help", f"{name}.md")


def block_page(type_name: str, specs: SpecSource) -> Path | None:
    """The help page of a block type (looked up in `specs`), or None when it has none."""
    path = page_path(page_name(type_name, specs))
    return path if path.is_file() else None
