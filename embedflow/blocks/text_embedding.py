"""Text Embedding block: one vector per row from the encoded tokens' word vectors, pooled.

With the transformer the vectors are contextual: its token states pooled over the attention mask
(length-sorted batches, dynamic padding); with a remote model the server embeds the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.projection import row_list
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error, warning
from ..core.errors import Cancelled, EmbedflowError, NodeError
from ..core.ports import EMBEDDINGS, ENCODED_TEXT, accepts
from ..core.specs import EmbeddingKind, Execution, NodeSpec, OutputDescription, Port, RowWise, Setting
from ..core.table import EncodedText, Table
from ..core.workflow import Node
from ..text.arithmetic import arithmetic_pool, signed_tokens
from ..text.embedding_cache import CachedVectors, embed_cached, open_text_cache, text_digests, token_digests
from ..text.encoding import text_values
from ..text.model_checks import language_model_diagnostics, model_fingerprint
from ..text.model_ids import BUILTIN_ID, CORPUS_FITTED_IDS, LSA_ID, ModelKind
from ..text.pooling import BLOCK_POOLINGS, pool, remove_first_component, sif_weights, wordfreq_probabilities
from ..text.transformer import POOLINGS as TRANSFORMER_POOLINGS
from ..text.transformer import process_model

if TYPE_CHECKING:  # the model registry loads when the block runs, not with the block list
    from ..io.embedding_store import EmbeddingCache
    from ..text.models import LanguageModel, LanguageModelInfo

TYPE = "text_embedding"
EMPTY_ROWS = ("drop", "zeros")
FREQUENCIES = ("wordfreq", "corpus")
POOLING_CHOICES = (*BLOCK_POOLINGS, "cls")
# Rows per onnxruntime call (measured in benchmarks/bench_sentences.py).
TRANSFORMER_BATCH = 32
# The poolings each kind of model can do: word vectors have no [CLS]; a transformer's token states
# are not word vectors to sum, weight by frequency or add up as arithmetic; a server pools itself.
POOLINGS_FOR = {ModelKind.WORD_VECTORS: BLOCK_POOLINGS, ModelKind.TRANSFORMER: TRANSFORMER_POOLINGS,
                ModelKind.REMOTE: ("mean",), ModelKind.FITTED: ("mean",)}
LSA_DIMENSIONS = 100


def encoded_input_diagnostics(context: ValidationContext, node: Node, port: str = "encoded") -> Iterable[Diagnostic]:
    """Text Embedding must be fed encoded text (on `encoded`, and on `fit`), encoded with its own language model."""
    link = context.link_into(node, port)
    if link is None or link.source not in context.workflow.nodes:
        return
    upstream = context.workflow.nodes[link.source]
    upstream_spec = context.spec(upstream)
    out_port = upstream_spec.output(link.source_port) if upstream_spec else None
    if out_port is None:
        return
    if not accepts(ENCODED_TEXT, out_port.type):
        yield error("text-embedding-needs-encoded-input",
                    f"“{node.title}” needs text encoded by a Text Encoding block, but it is fed by "
                    f"“{upstream.title}”.",
                    f"Insert a Text Encoding block between “{upstream.title}” and “{node.title}”.",
                    node_id=node.id, link_id=link.id)
        return
    ours = context.settings(node).get("language_model")
    description = context.describe(upstream, link.source_port)
    theirs = description.model if description is not None else None
    if theirs and ours != theirs:
        yield error("language-model-mismatch",
                    f"“{node.title}” uses the language model {ours}, but its input was encoded by "
                    f"“{upstream.title}” with {theirs}: the token ids of one model mean nothing to another.",
                    f"Set the language model of “{node.title}” to {theirs}, or set the language model of "
                    f"“{upstream.title}” to {ours}.", node_id=node.id, link_id=link.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription:
    """The vectors live in the space of the chosen language model; a corpus-fitted one says which texts fitted it."""
    model = settings.get("language_model")
    fitted_on = None
    if model in CORPUS_FITTED_IDS:
        texts = upstream("fit") or upstream("encoded")
        fitted_on = texts.origin if texts is not None else None
    return OutputDescription(model=model, kind=EmbeddingKind.TEXT, fitted_on=fitted_on)


def pooling_problem(info: LanguageModelInfo, pooling: str) -> tuple[str, str] | None:
    """(message, hint) when the pooling does not fit the kind of model, else None."""
    allowed = info.poolings or POOLINGS_FOR[info.kind]
    if pooling in allowed or pooling not in POOLING_CHOICES:
        return None
    if info.kind == ModelKind.REMOTE:
        return (f"the pooling '{pooling}' does not apply to the remote model {info.id}: its server pools the "
                "vectors itself", "Set the pooling to mean.")
    if info.kind == ModelKind.FITTED:
        return (f"the pooling '{pooling}' does not apply to {info.id}: it weighs each row's words by TF-IDF "
                "itself", "Set the pooling to mean.")
    if len(allowed) == 1:
        return (f"the pooling '{pooling}' does not fit {info.id}, which pools its pieces itself",
                f"Set the pooling to {allowed[0]}.")
    kind = "a transformer" if info.kind == ModelKind.TRANSFORMER else "a word-vector model"
    return (f"the pooling '{pooling}' does not fit {info.id}, {kind}",
            f"Choose one of: {', '.join(allowed)}"
            + (" (mean is the model's own)." if info.kind == ModelKind.TRANSFORMER else "."))


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """The language model must be one embedflow knows, match the encoding's and fit the pooling."""
    from ..text import models

    yield from language_model_diagnostics(context, node)
    yield from encoded_input_diagnostics(context, node)
    yield from encoded_input_diagnostics(context, node, "fit")
    settings = context.settings(node)
    model_id, pooling = settings.get("language_model"), settings.get("pooling")
    if context.link_into(node, "fit") is not None and model_id not in CORPUS_FITTED_IDS:
        yield warning("fit-not-used", f"“{node.title}”: {model_id} is not fitted on a corpus, so its 'fit' input "
                                      "changes nothing.",
                      f"Unlink 'fit', or use a corpus-fitted model ({', '.join(CORPUS_FITTED_IDS)}).", node_id=node.id)
    info = models.get_info(model_id) if isinstance(model_id, str) else None
    problem = pooling_problem(info, pooling) if info is not None and isinstance(pooling, str) else None
    if problem:
        yield error("pooling-not-for-model", f"“{node.title}”: {problem[0]}.", problem[1], node_id=node.id)


def _in_model(encoded: EncodedText, model: LanguageModel) -> EncodedText:
    """The encoded rows with their words looked up in another model (one trained on the `fit` texts)."""
    import pyarrow as pa

    from ..text.encoding import token_ids_of

    extra = list(encoded.provenance.get("extra_words", []))
    words = pa.concat_arrays([pa.array(encoded.vocabulary, pa.large_string()), pa.array(extra, pa.large_string())])
    mapping, extra_words = token_ids_of(words, model)
    ids = np.where(encoded.ids >= 0, mapping[np.maximum(encoded.ids, 0)], encoded.ids).astype(np.int32)
    return replace(encoded, ids=ids, vocabulary=model.words,
                   provenance={**encoded.provenance, "extra_words": extra_words})


def _embed_lsa(ctx: NodeContext, encoded: EncodedText, fit: EncodedText) -> tuple[np.ndarray, np.ndarray]:
    """TF-IDF + LSA fitted on the `fit` rows, applied to the encoded rows: the rows with words, their vectors."""
    from ..text import lsa

    ctx.progress(0.05, f"Fitting TF-IDF + LSA on {len(fit):,} rows")
    try:
        model = lsa.fit(fit.ids, int(ctx.settings["dimensions"]))
    except ValueError:
        raise NodeError(f"“{ctx.title}”: the rows to fit on have fewer than two different words, so there is "
                        "nothing to fit TF-IDF + LSA on.", "no-known-words", "Check the text column.") from None
    ctx.progress(0.6, f"Applying it to {len(encoded):,} rows")
    vectors = model.transform(encoded.ids)
    rows = np.flatnonzero(vectors.any(axis=1))
    return rows, vectors[rows]


def _fit_input(ctx: NodeContext, model_id: str) -> EncodedText | None:
    """The `fit` encoding when linked (it must use the same language model)."""
    fit = ctx.inputs.get("fit")
    if fit is None:
        return None
    if not isinstance(fit, EncodedText):
        raise NodeError(f"“{ctx.title}”: its fit input needs text encoded by a Text Encoding block.",
                        "text-embedding-needs-encoded-input", "Link a Text Encoding's output to 'fit'.")
    if fit.language_model != model_id:
        raise NodeError(f"“{ctx.title}” uses {model_id}, but its fit input was encoded with {fit.language_model}.",
                        "language-model-mismatch", f"Encode the fit texts with {model_id} too.")
    if model_id not in CORPUS_FITTED_IDS:
        ctx.report(Severity.INFO, "fit-not-used", f"{model_id} is not fitted on a corpus, so the fit input changes "
                                                  "nothing.")
        return None
    return fit


def _model(encoded: EncodedText) -> LanguageModel:
    from ..text import models
    from ..text.models import LanguageModelError

    key = encoded.provenance.get("model_key", encoded.language_model)
    model = models.loaded(key)
    if model is not None:
        return model
    if encoded.language_model in models.TRAINED_IDS:
        raise NodeError("The trained language model of this encoding is gone; run the Text Encoding again.",
                        "language-model-unavailable")
    try:
        return models.load(encoded.language_model)
    except LanguageModelError as exc:
        raise NodeError(str(exc), "language-model-unavailable") from None


def _sif_weights(ctx: NodeContext, encoded: EncodedText, model: LanguageModel, extra_words: list[str]) -> np.ndarray:
    """A weight per id in use (others stay 1): a / (a + p(word))."""
    ids = encoded.ids[encoded.ids >= 0]
    used = np.unique(ids)
    vocab = len(model.words)
    weights = np.ones(vocab + len(extra_words), dtype=np.float32)
    if ctx.settings["sif_frequencies"] == "corpus":
        counts = np.bincount(ids, minlength=len(weights)).astype(np.float64)
        probabilities = counts[used] / max(1.0, counts.sum())
    else:
        words = model.words.take(used[used < vocab]).to_pylist() + [extra_words[int(i) - vocab]
                                                                    for i in used[used >= vocab]]
        probabilities = wordfreq_probabilities(words)
    weights[used] = sif_weights(probabilities)
    return weights


def _arithmetic(ctx: NodeContext, encoded: EncodedText, model: LanguageModel) -> tuple[np.ndarray, np.ndarray]:
    """Signed sums of unit word vectors ("king - man + woman"), read from the encoded rows' text.

    The text is tokenized again, with the encoding's tokenizer and lower-casing, because the
    operators are punctuation that the encoding dropped (see embedflow/text/arithmetic.py).
    """
    column = encoded.provenance.get("column") or encoded.table.feature
    if column not in encoded.table.meta.columns:
        raise NodeError(f"“{ctx.title}”: arithmetic pooling reads the encoded text, but the column "
                        f"'{column}' is not in the Text Encoding's rows.", "feature-not-text",
                        "Run the Text Encoding again, or choose another pooling.")
    texts, _ = text_values(encoded.table.meta[column])
    signed = signed_tokens(texts, model, encoded.sequence_length, encoded.provenance.get("lowercase"))
    return arithmetic_pool(signed.ids, signed.signs, model.vectors, _extra_vectors(model, signed.extra_words),
                           progress=lambda f: ctx.progress(0.05 + 0.9 * f))


def _extra_vectors(model: LanguageModel, words: list[str]) -> np.ndarray | None:
    """Vectors built from sub-words for the words past the vocabulary (fastText), or None."""
    if not words or model.oov_vector is None:
        return None
    return np.array([model.oov_vector(w) for w in words], dtype=np.float32).reshape(-1, model.vectors.shape[1])


def run(ctx: NodeContext) -> dict[str, Any]:
    """Pool each row's token vectors into one vector."""
    from ..text import models

    encoded = ctx.inputs["encoded"]
    if not isinstance(encoded, EncodedText):
        raise NodeError(f"“{ctx.title}” needs text encoded by a Text Encoding block.",
                        "text-embedding-needs-encoded-input", "Insert a Text Encoding block before it.")
    model_id, method = ctx.settings["language_model"], ctx.settings["pooling"]
    if encoded.language_model != model_id:
        raise NodeError(f"“{ctx.title}” uses {model_id}, but its input was encoded with {encoded.language_model}.",
                        "language-model-mismatch",
                        f"Set its language model to {encoded.language_model}, or re-encode with {model_id}.")
    info = models.get_info(model_id)
    problem = pooling_problem(info, method) if info is not None else None
    if problem:
        raise NodeError(f"“{ctx.title}”: {problem[0]}.", "pooling-not-for-model", problem[1])
    fit = _fit_input(ctx, model_id)
    if info is not None and info.kind != ModelKind.WORD_VECTORS:
        return {"embeddings": _embed_contextual(ctx, encoded, info, method, fit)}
    return {"embeddings": _embed_pooled(ctx, encoded, model_id, method, fit)}


def _embed_contextual(ctx: NodeContext, encoded: EncodedText, info: LanguageModelInfo, method: str,
                      fit: EncodedText | None) -> Table:
    """One vector per row from a model that reads whole texts: fitted on a corpus, a transformer or a remote."""
    if info.kind == ModelKind.FITTED:
        rows, vectors = _embed_lsa(ctx, encoded, fit if fit is not None else encoded)
        return _contextual_output(ctx, encoded, rows, vectors, info.kind)
    cache = _open_cache(ctx)
    try:
        rows, cached = (_embed_transformer(ctx, encoded, method, cache) if info.kind == ModelKind.TRANSFORMER
                        else _embed_remote(ctx, encoded, info, cache))
    finally:
        if cache is not None:
            _report_cache(ctx, cache)
            cache.close()
    output = _contextual_output(ctx, encoded, rows, cached.vectors, info.kind)
    if cached.from_cache:
        ctx.summary += f"; {cached.from_cache:,} of {len(rows):,} from the cache"
    return output


def _embed_pooled(ctx: NodeContext, encoded: EncodedText, model_id: str, method: str,
                  fit: EncodedText | None) -> Table:
    """Word vectors pooled per row; rows without a known word are zeroed or left out, as the settings say."""
    if fit is not None:  # a model trained on the fit texts, applied to these rows
        model = _model(fit)
        encoded = _in_model(encoded, model)
    else:
        model = _model(encoded)
    extra_words = list(encoded.provenance.get("extra_words", []))
    ctx.progress(0.05, f"Pooling ({method}) {len(encoded):,} rows")
    if method == "arithmetic":
        vectors, counts = _arithmetic(ctx, encoded, model)
    else:
        weights = _sif_weights(ctx, encoded, model, extra_words) if method == "sif" else None
        vectors, counts = pool(encoded.ids, model.vectors, method, weights, _extra_vectors(model, extra_words),
                               progress=lambda f: ctx.progress(0.05 + 0.9 * f))
    without = np.flatnonzero(counts == 0)
    with_words = np.flatnonzero(counts > 0)
    if method == "sif":
        vectors = remove_first_component(vectors, with_words)
        vectors[without] = 0.0
    if len(with_words) == 0 and ctx.whole:  # one partition without known words is no failure of the whole
        raise NodeError(f"“{ctx.title}”: none of the {len(encoded):,} rows has a word that {model_id} knows, "
                        "so there is nothing to embed.", "no-known-words",
                        "Check the text column and its language, or choose another language model.")
    keep_zeros = ctx.settings["empty_rows"] == "zeros"
    if len(without):
        fate = "kept as zero vectors" if keep_zeros else "left out of the output"
        ctx.report(Severity.WARNING, "rows-without-known-words",
                   f"{len(without):,} row(s) have no word that {model_id} knows and were {fate}: "
                   f"rows {row_list(without + ctx.first_row)}.",
                   "Set 'Rows without known words' to keep them as zero vectors, or check their text."
                   if not keep_zeros else "Zero vectors have no direction: cosine neighbours ignore them.")
    table: Table = encoded.table
    if not keep_zeros and len(without):
        table, vectors = table.take(with_words), vectors[with_words]
    output = Table(table.meta, vectors, feature=table.feature, base_dir=table.base_dir,
                   provenance={**table.provenance, "model": model_id, "kind": "text", "pooling": method,
                               "dims": int(vectors.shape[1])})
    ctx.summary = f"{len(output):,} rows × {output.dims} dims ({method} of {model_id} vectors)"
    if len(without):
        ctx.summary += f"; {len(without):,} rows without known words {'zeroed' if keep_zeros else 'dropped'}"
    return output


def _open_cache(ctx: NodeContext) -> EmbeddingCache | None:
    """The text embedding cache, or None with a warning when it cannot be opened (the run goes on)."""
    cache, problem = open_text_cache()
    if cache is None:
        ctx.report(Severity.WARNING, "text-cache-unavailable",
                   f"The text embedding cache cannot be used ({problem}); every text is embedded afresh.",
                   "Check that the cache folder (EMBEDFLOW_CACHE_DIR) is writable, or clear it with "
                   "`embedflow models --clear-cache`.")
    return cache


def _report_cache(ctx: NodeContext, cache: EmbeddingCache) -> None:
    """Warn once when the store was found damaged (and started afresh) or could not keep the new vectors."""
    if cache.rebuilt:
        ctx.report(Severity.WARNING, "text-cache-rebuilt",
                   f"The text embedding cache ({cache.path}) was damaged; it was emptied and started afresh.")
    if cache.write_error:
        ctx.report(Severity.WARNING, "text-cache-not-written",
                   f"The new vectors could not be kept in the text embedding cache ({cache.write_error}); "
                   "the next run embeds these texts again.",
                   "Free disk space or make the cache folder (EMBEDFLOW_CACHE_DIR) writable.")


def _embed_transformer(ctx: NodeContext, encoded: EncodedText, pooling: str,
                       cache: EmbeddingCache | None) -> tuple[np.ndarray, CachedVectors]:
    """The rows with word pieces and their vectors (from the cache, or length-sorted batches pooled over the mask)."""
    if encoded.attention_mask is None:
        raise NodeError(f"“{ctx.title}”: this encoding carries no attention mask, so it was not made by the "
                        f"transformer's tokenizer.", "text-embedding-needs-encoded-input",
                        "Run the Text Encoding again with the same language model.")
    try:
        model = process_model(encoded.language_model)
    except EmbedflowError as exc:
        raise NodeError(str(exc), "language-model-unavailable") from None
    rows = np.flatnonzero(encoded.lengths > 2)
    ids, mask = encoded.ids[rows], encoded.attention_mask[rows]
    key = f"{model.info.id}|{model.weights_digest}|{pooling}|{encoded.sequence_length}"

    def embed(missing: np.ndarray) -> np.ndarray:
        batches = -(-len(missing) // TRANSFORMER_BATCH)
        ctx.progress(0.02, f"Embedding {len(missing):,} rows in {batches:,} batches")

        def progress(fraction: float) -> None:
            done = -(-round(fraction * len(missing)) // TRANSFORMER_BATCH)
            ctx.progress(0.02 + 0.96 * fraction, f"Embedded batch {done:,} of {batches:,}")

        return model.embed(ids[missing], mask[missing], pooling,  # type: ignore[arg-type]
                           batch_size=TRANSFORMER_BATCH, progress=progress, cancelled=lambda: ctx.cancelled)

    return rows, embed_cached(cache, key, token_digests(ids, encoded.lengths[rows]), embed)


def _embed_remote(ctx: NodeContext, encoded: EncodedText, info: LanguageModelInfo,
                  cache: EmbeddingCache | None) -> tuple[np.ndarray, CachedVectors]:
    """The rows with text and their vectors: from the cache, or sent by the server."""
    from ..text.remote import RemoteEmbedder, RemoteModel
    assert info.remote is not None
    column = encoded.provenance.get("column") or encoded.table.feature
    if column not in encoded.table.meta.columns:
        raise NodeError(f"“{ctx.title}”: the remote model reads the encoded text, but the column '{column}' is not "
                        "in the Text Encoding's rows.", "feature-not-text", "Run the Text Encoding again.")
    values = [text or "" for text in text_values(encoded.table.meta[column])[0].to_pylist()]
    rows = np.array([i for i, text in enumerate(values) if text.strip()], dtype=np.int64)
    entry = info.remote
    embedder = RemoteEmbedder(RemoteModel(base_url=entry.url, model=entry.model, api_key_env=entry.key_env,
                                          batch_deadline=entry.batch_deadline or RemoteModel.batch_deadline,
                                          run_deadline=entry.run_deadline or RemoteModel.run_deadline))
    texts = [values[i] for i in rows]

    def embed(missing: np.ndarray) -> np.ndarray:
        ctx.progress(0.02, f"Sending {len(missing):,} texts to {entry.url}")
        def progress(fraction: float) -> None:
            ctx.progress(0.02 + 0.96 * fraction, f"Embedded {round(fraction * len(missing)):,} of {len(missing):,}")

        return embedder.embed([texts[i] for i in missing], cancelled=lambda: ctx.cancelled, progress=progress)

    try:
        cached = embed_cached(cache, f"remote|{entry.url}|{entry.model}", text_digests(texts), embed)
    except Cancelled:
        raise
    except EmbedflowError as exc:
        raise NodeError(f"“{ctx.title}”: {exc}", "remote-model-failed",
                        f"Check the entry with `embedflow models` "
                        f"(it was added with --add-remote {info.id}).") from None
    dims = cached.vectors.shape[1]
    if info.dims and len(rows) and dims != info.dims:
        raise NodeError(f"“{ctx.title}”: the server at {entry.url} sent {dims}-dimensional vectors for "
                        f"'{entry.model}', but the entry {info.id} says {info.dims}: the server's model has changed.",
                        "remote-dimensions-changed",
                        f"Add the entry again with --dims {dims} if the new model is what you want.")
    return rows, cached


def _contextual_output(ctx: NodeContext, encoded: EncodedText, rows: np.ndarray, vectors: np.ndarray,
                       kind: ModelKind) -> Table:
    """The embedded rows (rows without text dropped or zeroed as the setting says), reported."""
    model_id, method = ctx.settings["language_model"], ctx.settings["pooling"]
    n = len(encoded)
    if len(rows) == 0:
        raise NodeError(f"“{ctx.title}”: none of the {n:,} rows has any text, so there is nothing to embed.",
                        "no-known-words", "Check the Input's text column.")
    dims = int(vectors.shape[1])
    keep_zeros = ctx.settings["empty_rows"] == "zeros"
    without = np.setdiff1d(np.arange(n), rows)
    table: Table = encoded.table
    if keep_zeros:
        full = np.zeros((n, dims), dtype=np.float32)
        full[rows] = vectors
        vectors = full
    elif len(without):
        table = table.take(rows)
    if len(without):
        fate = "kept as zero vectors" if keep_zeros else "left out of the output"
        ctx.report(Severity.WARNING, "rows-without-known-words",
                   f"{len(without):,} row(s) have no text to embed and were {fate}: rows {row_list(without)}.",
                   "Set 'Rows without known words' to keep them as zero vectors, or check their text."
                   if not keep_zeros else "Zero vectors have no direction: cosine neighbours ignore them.")
    output = Table(table.meta, vectors, feature=table.feature, base_dir=table.base_dir,
                   provenance={**table.provenance, "model": model_id, "kind": "text", "pooling": method,
                               "dims": dims, "model_kind": str(kind)})
    how = {ModelKind.TRANSFORMER: f"{method} pooling of {model_id}",
           ModelKind.FITTED: f"{model_id} fitted on {'the fit input' if ctx.inputs.get('fit') else 'these rows'}"
           }.get(kind, f"remote model {model_id}")
    ctx.summary = f"{len(output):,} rows × {dims} dims ({how})"
    if len(without):
        ctx.summary += f"; {len(without):,} rows without text {'zeroed' if keep_zeros else 'dropped'}"
    return output


SPEC = NodeSpec(
    type=TYPE,
    title="Text Embedding",
    category="Text",
    description="One vector per row: the word vectors of its encoded tokens, pooled (mean, max, sum, SIF "
                "or arithmetic such as king - man + woman).",
    icon="text_embedding",
    inputs=(Port("encoded", ENCODED_TEXT, description="Tokens from a Text Encoding block."),
            Port("fit", ENCODED_TEXT, required=False,
                 description="For a corpus-fitted model (tfidf-lsa, trained-word2vec, trained-fasttext): the "
                             "texts to fit it on, encoded with the same model; it is then applied to encoded.")),
    outputs=(Port("embeddings", EMBEDDINGS, description="The input rows with their vectors (dim_0 …)."),),
    settings=(
        Setting("language_model", "str", BUILTIN_ID, label="Language model",
                help="Must be the language model the Text Encoding used."),
        Setting("pooling", "choice", "mean", label="Pooling", choices=POOLING_CHOICES,
                help="mean: average of the word vectors (for a transformer: of its token states over the "
                     "attention mask, the model's own); max: largest value per dimension; sum; "
                     "sif: frequency-weighted average with the common direction removed (Arora et al. 2017); "
                     "arithmetic: reads a row such as “king - man + woman” as a sum of unit word vectors, "
                     "a word after “-” subtracted (for analogies); cls: a transformer's [CLS] token state. "
                     "Word vectors take mean, max, sum, sif, arithmetic; a transformer mean, cls, max."),
        Setting("empty_rows", "choice", "drop", label="Rows without known words", choices=EMPTY_ROWS,
                help="drop: leave them out of the output; zeros: keep them with all-zero vectors."),
        Setting("sif_frequencies", "choice", "wordfreq", label="SIF word frequencies", choices=FREQUENCIES,
                help="For SIF pooling: English word frequencies from the wordfreq package, or counts in this corpus."),
        Setting("dimensions", "int", LSA_DIMENSIONS, label="Dimensions (tfidf-lsa)", minimum=2, maximum=2000,
                help="For tfidf-lsa: the width of the truncated SVD."),
    ),
    run=run,
    check=check,
    fingerprint=model_fingerprint,
    describes_output=describe,
    # SIF removes the direction common to all rows, and TF-IDF + LSA is fitted on every row (unless fit is
    # linked, which the settings cannot tell), so they need them all; the other poolings read one row each.
    execution=Execution(row_wise=RowWise(port="encoded", when=lambda settings: settings.get("pooling") != "sif"
                                         and settings.get("language_model") != LSA_ID),
                        preload=("embedflow.text.models", "embedflow.text.transformer")),
    help_page=TYPE,
)
