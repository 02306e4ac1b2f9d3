"""embedflow: a visual-programming engine for embeddings (headless; imports no Qt)."""

__version__ = "0.1.0"
