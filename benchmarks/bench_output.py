"""Writing a block's output: today's CSV writer, embedflow's CSV and Parquet, pandas.to_parquet, np.save.

On one Table of N × D float32 vectors plus a text column (default 100,000 × 1,000, seeded) measures,
in the same run and in-process:
  1. today's writer: atomic.write_frame_csv(table.to_frame()) (pandas' to_csv), as `embedflow run` did;
  2. embedflow CSV: io.outputs.write_output(table, "csv");
  3. embedflow Parquet: io.outputs.write_output(table, "parquet");
  4. pandas: DataFrame.to_parquet on the frame built beforehand (what a script holding a frame does);
  5. numpy: np.save of the vectors alone (the floor: raw bytes, no text, no format);
  6. the Parquet layout not chosen: the vectors as one fixed-size list column (pyarrow directly),
     and pandas.read_parquet of both layouts.
Every leg ends with the file fsynced (ours fsync before the rename; the baselines get one after), so
none is timed against the page cache alone. Checks that both of our files read back float32-exact.
Run: python benchmarks/bench_output.py [--rows 100000] [--dims 1000] [--quick] [--skip-today] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.core.sizes import format_size
from embedflow.core.table import Table
from embedflow.io.atomic import write_frame_csv
from embedflow.io.outputs import write_output


def make_table(rows: int, dims: int) -> Table:
    """Seeded float32 vectors and a text column with commas and quotes."""
    rng = np.random.default_rng(0)
    words = np.array('the cat sat on a mat, "purring" when happy at night'.split())
    texts = [" ".join(words[rng.integers(0, len(words), 8)]) for _ in range(rows)]
    vectors = rng.standard_normal((rows, dims), dtype=np.float32)
    return Table(pd.DataFrame({"text": texts}), vectors, feature="text")


def fsynced(path: Path) -> None:
    """Flush a file a baseline wrote to the disk, as our atomic writes do."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def timed(label: str, write: Callable[[], Path], repeats: int) -> tuple[float, Path]:
    """Best of `repeats` runs of `write` (seconds), printed with the file's size."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        path = write()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:44s} {best:8.2f} s   {format_size(path.stat().st_size):>9s}", flush=True)
    return best, path


def check_exact(table: Table, csv_path: Path, parquet_path: Path) -> None:
    """Both files give back the same float32 bits (CSV: its first 2,000 rows)."""
    names = [f"dim_{i}" for i in range(table.dims)]
    head = min(2000, len(table))
    csv_back = pd.read_csv(csv_path, nrows=head)[names].to_numpy(np.float32)
    parquet_back = pd.read_parquet(parquet_path)[names].to_numpy()
    assert np.array_equal(csv_back.view(np.uint32), table.vectors[:head].view(np.uint32)), "CSV not exact"
    assert np.array_equal(parquet_back.view(np.uint32), table.vectors.view(np.uint32)), "Parquet not exact"
    assert parquet_back.dtype == np.float32
    print("  both files read back float32-exact (pandas.read_csv / pandas.read_parquet)")


def list_column_layout(table: Table, out: Path, dim_columns: Path, repeats: int) -> None:
    """Write the vectors as one fixed-size list column; time pandas reading both Parquet layouts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write() -> Path:
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(table.vectors.reshape(-1)), table.dims)
        path = out / "list.parquet"
        pq.write_table(pa.table({"text": pa.array(table.meta["text"]), "vector": vectors}), path,
                       use_dictionary=["text"], write_statistics=["text"])
        fsynced(path)
        return path

    _, list_path = timed("Parquet, vectors as one list column", write, repeats)
    for label, path in (("dim_* columns", dim_columns), ("one list column", list_path)):
        timed(f"pandas.read_parquet, {label}", lambda path=path: (pd.read_parquet(path), path)[1], repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="10,000 x 256, best of 3")
    parser.add_argument("--skip-today", action="store_true", help="skip today's pandas CSV writer (~100 s)")
    parser.add_argument("--dir", default=None, help="folder for the files (default: the system temp folder)")
    args = parser.parse_args()
    rows, dims, repeats = (10_000, 256, 3) if args.quick else (args.rows, args.dims, 1)
    table = make_table(rows, dims)
    frame = table.to_frame()
    print(f"writing {rows:,} x {dims:,} float32 vectors + a text column "
          f"({format_size(table.vectors.nbytes)} of vectors), in-process, best of {repeats}:")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        out = Path(folder)

        def baseline(path: Path, write: Callable[[Path], None]) -> Callable[[], Path]:
            def run() -> Path:
                write(path)
                fsynced(path)
                return path
            return run

        save, _ = timed("np.save (vectors only)", baseline(out / "v.npy", lambda p: np.save(p, table.vectors)),
                        repeats)
        pandas_parquet, _ = timed("pandas DataFrame.to_parquet", baseline(out / "p.parquet", frame.to_parquet),
                                  repeats)
        parquet, parquet_path = timed("embedflow Parquet (write_output)",
                                      lambda: write_output(table, out / "o.parquet", "parquet").path, repeats)
        csv, csv_path = timed("embedflow CSV (write_output)",
                              lambda: write_output(table, out / "o.csv", "csv").path, repeats)
        today = None
        if not args.skip_today:
            today, _ = timed("today's CSV (atomic.write_frame_csv)",
                             lambda: (write_frame_csv(table.to_frame(), out / "t.csv"), out / "t.csv")[1], repeats)
        list_column_layout(table, out, parquet_path, repeats)
        check_exact(table, csv_path, parquet_path)
    print(f"ratios: embedflow Parquet / pandas.to_parquet = {parquet / pandas_parquet:.2f}x (aim <= 1.5x); "
          f"embedflow Parquet / np.save = {parquet / save:.1f}x; embedflow CSV / embedflow Parquet = "
          f"{csv / parquet:.1f}x")
    if today is not None:
        print(f"        today's CSV / embedflow CSV = {today / csv:.1f}x faster (aim >= 5x)")


if __name__ == "__main__":
    main()
