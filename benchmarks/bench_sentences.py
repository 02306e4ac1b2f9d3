"""Sentence-model throughput: embedflow's tokenize + embed vs plain onnxruntime baselines, and the levers.

Run: python benchmarks/bench_sentences.py [--quick] [--sentences 10000] [--words 20] [--batch 32] [--rounds 1]
All in one process, on the int8 all-MiniLM-L6-v2 graph and tokenizer.json:
  engine        Input (a CSV file) → Text Encoding → Text Embedding run by the engine, end to end
                (an empty text embedding cache: a first run)
  embedflow     SentenceModel.tokenize + embed (the fused graph, batches sorted by length, dynamic padding)
  shipped graph the same code on the graph as shipped (the fusion lever off)
  1 thread      embedflow with one intra-op thread (the threads lever)
  token budget  embedflow's sorted batches cut by a token budget (batch × mean pieces) instead of a row count
  tok. thread   tokenizing the next 1,000 sentences in a thread while the model embeds these (the overlap lever)
  dynamic int8  the shipped graph folded to float32, then onnxruntime's quantize_dynamic (per-channel int8
                weights, activations quantized per batch: MatMulInteger, VNNI on CPUs that have it)
  plain sorted  tokenizers + onnxruntime on the shipped graph, sorted by length, batches of 32, dynamic padding
  plain loop    tokenizers + onnxruntime, one sentence per session.run
  fixed pad     every sentence padded to the sequence length, batches in input order
Each round runs every leg once (interleaved); prints sentences/s, the ratios to the plain sorted loop,
the largest difference between the vectors, and the physical limit: the model's FLOPs per word piece
times the pieces, over the float32 GEMM rate of numpy's BLAS on these cores measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
from tokenizers import Tokenizer

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from embedflow.text.sentence_files import minilm_files
from embedflow.text.transformer import MINILM, MINILM_ID, SentenceModel, default_threads, pool, sentence_model

SEQUENCE_LENGTH = 64  # the Text Encoding default
BATCH = 32
# Multiply-adds per word piece in MiniLM-L6's matrix products: per layer Q, K, V and the output
# (4 × 384²) and the feed-forward pair (2 × 384 × 1536), six layers; attention scores add 2 × L × 384.
MACS_PER_PIECE = 6 * (4 * 384 * 384 + 2 * 384 * 1536)


def corpus(sentences: int, words: int, seed: int = 0) -> list[str]:
    """Deterministic sentences of whole-word vocabulary entries, `words` // 2 to 3 * `words` // 2 long."""
    tokenizer = Tokenizer.from_file(str(minilm_files().tokenizer))
    vocab = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and w.isascii() and len(w) > 2)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(words // 2, words * 3 // 2 + 1, size=sentences)
    picks = rng.integers(0, len(vocab), size=(sentences, int(lengths.max())))
    return [" ".join(vocab[i] for i in row[:n]).capitalize() + "." for row, n in zip(picks, lengths)]


def baseline_session(threads: int) -> tuple[Tokenizer, ort.InferenceSession]:
    """A tokenizer and a session set up as a user would, with the same thread count."""
    files = minilm_files()
    tokenizer = Tokenizer.from_file(str(files.tokenizer))
    tokenizer.no_padding()
    tokenizer.enable_truncation(SEQUENCE_LENGTH)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return tokenizer, ort.InferenceSession(str(files.onnx), options, providers=["CPUExecutionProvider"])


def run(session: ort.InferenceSession, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, normalised vectors of one padded batch."""
    ids, mask = ids.astype(np.int64), mask.astype(np.int64)
    hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    return pool(hidden, mask, "mean")


def plain_loop(texts: list[str], tokenizer: Tokenizer, session: ort.InferenceSession) -> np.ndarray:
    """One sentence at a time."""
    rows = []
    for text in texts:
        ids = np.array([tokenizer.encode(text).ids])
        rows.append(run(session, ids, np.ones_like(ids))[0])
    return np.array(rows)


def fixed_padding(texts: list[str], tokenizer: Tokenizer, session: ort.InferenceSession) -> np.ndarray:
    """Batches in input order, every row padded to SEQUENCE_LENGTH."""
    tokenizer.enable_padding(length=SEQUENCE_LENGTH)
    try:
        encodings = tokenizer.encode_batch(texts)
    finally:
        tokenizer.no_padding()
    ids = np.array([e.ids for e in encodings])
    mask = np.array([e.attention_mask for e in encodings])
    return np.vstack([run(session, ids[s:s + BATCH], mask[s:s + BATCH]) for s in range(0, len(texts), BATCH)])


def plain_sorted(texts: list[str], tokenizer: Tokenizer, session: ort.InferenceSession) -> np.ndarray:
    """What a careful user writes: sorted by length, batches of BATCH, each padded to its longest row."""
    encodings = tokenizer.encode_batch(texts)
    order = np.argsort([len(e.ids) for e in encodings], kind="stable")
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        rows = order[start:start + BATCH]
        width = max(len(encodings[r].ids) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, :len(encodings[r].ids)] = encodings[r].ids
            mask[i, :len(encodings[r].ids)] = 1
        out[rows] = run(session, ids, mask)
    return out


def token_budget(model: SentenceModel, texts: list[str], budget: int) -> np.ndarray:
    """Length-sorted batches holding about `budget` word pieces each (padding counted), not a fixed row count."""
    tokens = model.tokenize(texts, SEQUENCE_LENGTH)
    lengths = tokens.attention_mask.sum(axis=1)
    order = np.argsort(lengths, kind="stable")
    out = np.zeros((len(texts), model.info.dims), dtype=np.float32)
    start = 0
    while start < len(texts):
        end = start + 1
        while end < len(texts) and (end - start + 1) * int(lengths[order[end]]) <= budget:
            end += 1
        rows = order[start:end]
        width = max(int(lengths[rows].max()), 1)
        out[rows] = model.embed(tokens.ids[rows, :width], tokens.attention_mask[rows, :width], batch_size=len(rows))
        start = end
    return out


def tokenize_in_thread(model: SentenceModel, texts: list[str], chunk: int = 1_000) -> np.ndarray:
    """The next chunk is tokenized in a thread while the model embeds this one (each chunk length-sorted)."""
    from concurrent.futures import ThreadPoolExecutor

    parts = []
    with ThreadPoolExecutor(1) as tokenizing:
        pending = tokenizing.submit(model.tokenize, texts[:chunk], SEQUENCE_LENGTH)
        for start in range(0, len(texts), chunk):
            tokens = pending.result()
            if start + chunk < len(texts):
                pending = tokenizing.submit(model.tokenize, texts[start + chunk:start + 2 * chunk], SEQUENCE_LENGTH)
            parts.append(model.embed(tokens.ids, tokens.attention_mask, batch_size=BATCH))
    return np.vstack(parts)


def dynamic_int8_graph(folder: Path) -> Path:
    """The shipped graph with its weights folded to float32, then dynamically quantized (the int8-arithmetic lever)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded, quantized = folder / "folded.onnx", folder / "dynamic-int8.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(minilm_files().onnx), options, providers=["CPUExecutionProvider"])
    quantize_dynamic(str(folded), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"MatMulConstBOnly": True})
    return quantized


def gemm_rate(threads: int) -> float:
    """float32 FLOP/s of numpy's BLAS on a product the size of one batch's feed-forward layer."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((BATCH * 24, 384), dtype=np.float32)
    b = rng.standard_normal((384, 1536), dtype=np.float32)
    with threadpool_limits(threads, "blas"):
        a @ b
        start = time.perf_counter()
        for _ in range(50):
            a @ b
        seconds = time.perf_counter() - start
    return 50 * 2 * a.shape[0] * a.shape[1] * b.shape[1] / seconds


def engine_pipeline(texts: list[str], folder: Path) -> np.ndarray:
    """Input → Text Encoding → Text Embedding on all-minilm-l6-v2, read from a CSV, run by the engine."""
    path = folder / "sentences.csv"
    pd.DataFrame({"text": texts}).to_csv(path, index=False)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path), "feature": "text"})
    encoder = workflow.add_node("text_encoding", settings={"language_model": MINILM_ID,
                                                          "sequence_length": SEQUENCE_LENGTH})
    embedder = workflow.add_node("text_embedding", settings={"language_model": MINILM_ID})
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    result = Engine(workflow).run()[embedder.id]
    if result.state != "done":
        raise SystemExit(f"the engine run failed: {result.error}")
    return result.outputs["embeddings"].vectors


def timed(label: str, work: Callable[[], np.ndarray], count: int) -> tuple[float, np.ndarray]:
    """Sentences/s of one run of work, printed."""
    start = time.perf_counter()
    vectors = work()
    rate = count / (time.perf_counter() - start)
    print(f"{label:<12} {rate:9.1f} sentences/s")
    return rate, vectors


def main() -> None:
    """Parse arguments, run every leg in interleaved rounds, print rates, ratios and the physical limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=20)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--batch", type=int, default=BATCH, help="rows per onnxruntime call (in-process leg)")
    parser.add_argument("--rounds", type=int, default=1, help="every leg once per round, interleaved")
    parser.add_argument("--quick", action="store_true", help="1,000 sentences")
    args = parser.parse_args()
    count = 1_000 if args.quick else args.sentences
    texts = corpus(count, args.words)
    model = sentence_model(threads=args.threads)
    single = sentence_model(threads=1)
    files = minilm_files()
    shipped = SentenceModel(MINILM, files.onnx, files.tokenizer, args.threads, True)
    graphs = tempfile.TemporaryDirectory()
    dynamic = SentenceModel(MINILM, dynamic_int8_graph(Path(graphs.name)), files.tokenizer, args.threads, True)
    tokenizer, session = baseline_session(args.threads)
    for warm in (model, single, shipped, dynamic):
        warm.encode(texts[:BATCH], SEQUENCE_LENGTH)  # warm every session up before timing
    plain_loop(texts[:BATCH], tokenizer, session)
    pieces = model.tokenize(texts, SEQUENCE_LENGTH).lengths
    print(f"{count} sentences, {args.words} words on average ({pieces.mean():.1f} word pieces, "
          f"max {pieces.max()}), sequence length {SEQUENCE_LENGTH}, batch {args.batch}, {args.threads} threads, "
          f"graph {model.weights_path.name}")

    def ours(which: SentenceModel) -> Callable[[], np.ndarray]:
        def work() -> np.ndarray:
            tokens = which.tokenize(texts, SEQUENCE_LENGTH)
            return which.embed(tokens.ids, tokens.attention_mask, batch_size=args.batch)
        return work

    legs: dict[str, Callable[[], np.ndarray]] = {
        "embedflow": ours(model), "shipped graph": ours(shipped), "1 thread": ours(single),
        "token budget": lambda: token_budget(model, texts, int(args.batch * pieces.mean())),
        "tok. thread": lambda: tokenize_in_thread(model, texts),
        "dynamic int8": ours(dynamic),
        "plain sorted": lambda: plain_sorted(texts, tokenizer, session),
        "plain loop": lambda: plain_loop(texts, tokenizer, session),
        "fixed pad": lambda: fixed_padding(texts, tokenizer, session)}
    rates: dict[str, list[float]] = {name: [] for name in ["engine", *legs]}
    vectors: dict[str, np.ndarray] = {}
    gemm = []
    for round_ in range(1, args.rounds + 1):
        print(f"round {round_}")
        with tempfile.TemporaryDirectory() as folder:
            # An empty text embedding cache: the engine leg embeds every sentence, as a first run does.
            os.environ["EMBEDFLOW_CACHE_DIR"] = str(Path(folder) / "cache")
            rate, vectors["engine"] = timed("engine", lambda: engine_pipeline(texts, Path(folder)), count)
            rates["engine"].append(rate)
        for name, work in legs.items():
            rate, vectors[name] = timed(name, work, count)
            rates[name].append(rate)
        gemm.append(gemm_rate(args.threads))
    best = {name: max(found) for name, found in rates.items()}
    print("ratios of the best rates to the plain sorted loop: " + "   ".join(
        f"{name} {best[name] / best['plain sorted']:.2f}x" for name in best if name != "plain sorted"))
    reference = vectors["plain sorted"]
    print("largest difference from the plain sorted loop's vectors: " + ", ".join(
        f"{name} {np.abs(found - reference).max():.1e}" for name, found in vectors.items() if name != "plain sorted"))
    print("lowest cosine to it: " + ", ".join(
        f"{name} {float(np.min(np.sum(found * reference, axis=1))):.5f}" for name, found in vectors.items()
        if name != "plain sorted"))
    flops = 2 * MACS_PER_PIECE * float(pieces.sum()) / count  # per sentence, padding not counted
    limit = max(gemm) / flops
    print(f"physical limit: {flops / 1e6:.1f} MFLOP per sentence, GEMM {max(gemm) / 1e9:.1f} GFLOP/s with "
          f"{args.threads} threads -> {limit:.0f} sentences/s; embedflow reaches {best['embedflow'] / limit:.0%}, "
          f"the engine {best['engine'] / limit:.0%}")


if __name__ == "__main__":
    main()
