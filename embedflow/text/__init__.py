"""Text: tokenizers, the language-model registry and loaders, encoding, pooling, evaluation."""
