"""Run an ONNX image model with onnxruntime: one session per model file, batches in, vectors out."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..core.errors import EmbedflowError
from ..io.regular_files import path_problem

# Protobuf, and so onnxruntime, cannot load a single ONNX file above 2 GB.
MAX_MODEL_BYTES = 2 * 2**30


def default_threads() -> int:
    """Threads for the net: every core (decoding shares them, but mostly waits on the net)."""
    return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=4)
def _session(path: str, mtime_ns: int, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Spinning threads would burn the cores the decoders and the GUI need between batches.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types for bad files
        raise EmbedflowError(f"Cannot load the ONNX model {path}: {exc}") from None


class OnnxEmbedder:
    """A loaded image model: `run(batch)` maps preprocessed images to float32 vectors."""

    def __init__(self, path: Path, output: str | None = None, threads: int | None = None) -> None:
        path = Path(path)
        problem = path_problem(path)
        if problem is not None and problem.kind == "missing":
            raise EmbedflowError(f"The ONNX model file {path} does not exist")
        if problem is not None:
            raise EmbedflowError(f"The ONNX model file {path} cannot be read: {problem.reason}")
        if path.stat().st_size > MAX_MODEL_BYTES:
            raise EmbedflowError(f"The ONNX model file {path} is {path.stat().st_size / 2**30:.1f} GB, more than "
                                 f"the {MAX_MODEL_BYTES // 2**30} GB an ONNX file can hold")
        self.path = path
        self.session = _session(str(path), path.stat().st_mtime_ns, threads or default_threads())
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise EmbedflowError(
                f"{path.name} takes {len(inputs)} inputs; an image model must take exactly one")
        self.input_name = inputs[0].name
        self.input_shape = list(inputs[0].shape)
        names = [o.name for o in self.session.get_outputs()]
        if output and output not in names:
            raise EmbedflowError(
                f"{path.name} has no output called '{output}'; its outputs are: {', '.join(names)}")
        self.output = output or names[0]
        # Models exported with a fixed batch of 1 must be fed one image at a time.
        self.max_batch = self.input_shape[0] if isinstance(self.input_shape[0], int) else None

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Vectors (n, dims) for a batch of preprocessed images (n, …); extra axes are flattened."""
        if len(batch) == 0:
            return np.zeros((0, 0), np.float32)
        step = self.max_batch or len(batch)
        parts = []
        for start in range(0, len(batch), step):
            chunk = np.ascontiguousarray(batch[start:start + step], dtype=np.float32)
            try:
                (out,) = self.session.run([self.output], {self.input_name: chunk})
            except Exception as exc:  # noqa: BLE001 - shape or type mismatch between preprocessing and model
                raise EmbedflowError(
                    f"{self.path.name} could not run on input of shape {chunk.shape}: {exc}") from None
            parts.append(np.asarray(out, np.float32).reshape(len(chunk), -1))
        return np.concatenate(parts)
