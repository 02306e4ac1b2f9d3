"""Language-model ids and kinds that block settings name at import time, without loading the model registry."""

from enum import StrEnum

BUILTIN_ID = "glove-6b-50d"
TRAINED_IDS = ("trained-word2vec", "trained-fasttext")
LSA_ID = "tfidf-lsa"
# Models fitted on a workflow's own texts: Text Embedding's `fit` input chooses which texts.
CORPUS_FITTED_IDS = (*TRAINED_IDS, LSA_ID)


class ModelKind(StrEnum):
    """What a language model is: static word vectors, a transformer run here, or a remote server."""

    WORD_VECTORS = "word-vectors"
    TRANSFORMER = "transformer"
    REMOTE = "remote"
    FITTED = "fitted"  # TF-IDF + LSA: vectors fitted on the texts by Text Embedding, over word tokens
