"""Language-model ids that block settings name at import time, without loading the model registry."""

BUILTIN_ID = "glove-6b-50d"
TRAINED_IDS = ("trained-word2vec", "trained-fasttext")
