"""Sentence-model throughput: embedflow's tokenize + embed vs two plain onnxruntime baselines.

Run: python benchmarks/bench_sentences.py [--quick] [--sentences 10000] [--words 20] [--batch 32]
All in one process, on the same int8 all-MiniLM-L6-v2 graph and tokenizer.json:
  engine      Input (a CSV file) → Text Encoding → Text Embedding run by the engine, end to end
  embedflow   SentenceModel.tokenize + embed (batches sorted by length, dynamic padding), in-process
  plain loop  tokenizers + onnxruntime, one sentence per session.run
  fixed pad   every sentence padded to the sequence length, batches in input order
Prints sentences/s of each and the ratios, and checks that they give the same vectors.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import onnxruntime as ort
import pandas as pd
from tokenizers import Tokenizer

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from embedflow.text.sentence_files import minilm_files
from embedflow.text.transformer import MINILM_ID, default_threads, pool, sentence_model

SEQUENCE_LENGTH = 64  # the Text Encoding default
BATCH = 32


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
    """Parse arguments, run the three ways, print rates and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=20)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--batch", type=int, default=BATCH, help="rows per onnxruntime call (in-process leg)")
    parser.add_argument("--quick", action="store_true", help="1,000 sentences")
    args = parser.parse_args()
    count = 1_000 if args.quick else args.sentences
    texts = corpus(count, args.words)
    model = sentence_model(threads=args.threads)
    tokenizer, session = baseline_session(args.threads)
    model.encode(texts[:BATCH], SEQUENCE_LENGTH)  # warm both sessions up before timing
    plain_loop(texts[:BATCH], tokenizer, session)
    pieces = model.tokenize(texts, SEQUENCE_LENGTH).lengths
    print(f"{count} sentences, {args.words} words on average ({pieces.mean():.1f} word pieces, "
          f"max {pieces.max()}), sequence length {SEQUENCE_LENGTH}, batch {args.batch}, {args.threads} threads")

    def ours() -> np.ndarray:
        tokens = model.tokenize(texts, SEQUENCE_LENGTH)
        return model.embed(tokens.ids, tokens.attention_mask, batch_size=args.batch)

    with tempfile.TemporaryDirectory() as folder:
        engine_rate, engine_vectors = timed("engine", lambda: engine_pipeline(texts, Path(folder)), count)
    rate, vectors = timed("embedflow", ours, count)
    loop_rate, loop_vectors = timed("plain loop", lambda: plain_loop(texts, tokenizer, session), count)
    fixed_rate, fixed_vectors = timed("fixed pad", lambda: fixed_padding(texts, tokenizer, session), count)
    print(f"embedflow / plain loop: {rate / loop_rate:.2f}x   embedflow / fixed pad: {rate / fixed_rate:.2f}x   "
          f"engine / plain loop: {engine_rate / loop_rate:.2f}x   engine / in-process: {engine_rate / rate:.2f}x")
    largest = max(np.abs(vectors - other).max() for other in (loop_vectors, fixed_vectors, engine_vectors))
    print(f"largest difference from the baselines' vectors: {largest:.1e}")


if __name__ == "__main__":
    main()
