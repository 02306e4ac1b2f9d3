"""Reading data files and image folders into Tables, with clear errors for bad input."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ..core.errors import NodeError
from ..core.table import Table
from .orange_tab import OrangeTable, read_tab
from .regular_files import BoundedReader, FileRefused, open_regular, path_problem

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
FORMATS = ("auto", "csv", "tsv", "tab", "excel", "parquet", "jsonl", "txt", "images")
_SUFFIX_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tab", ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".txt": "txt",
}
DATA_SUFFIXES = (*_SUFFIX_FORMATS, ".gz")  # what the Input's file dialog offers
# Limits on data files (docs/reliability.md). A header wider than MAX_COLUMNS is refused before
# the parser sees it; MAX_TABLE_BYTES bounds the bytes read, after decompression for gzip files.
MAX_COLUMNS = 10_000
MAX_HEADER_BYTES = 4 * 2**20
MAX_TABLE_BYTES = 4 * 2**30
GZIP_MAGIC = b"\x1f\x8b"
_STREAMABLE = ("csv", "tsv", "tab", "txt", "jsonl")


@dataclass
class LoadedTable:
    """A table read from disk and the warnings met while reading it."""

    table: Table
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the Input's summary, e.g. an Orange file's class


def detect_format(path: Path, requested: str = "auto") -> str:
    """The format to read `path` with: the requested one, or guessed from the name."""
    if requested != "auto":
        return requested
    if os.path.isdir(path):
        return "images"
    suffix = path.suffix.lower()
    if suffix == ".gz":  # reviews.csv.gz: the format of the file inside
        inner = Path(path.stem).suffix.lower()
        if _SUFFIX_FORMATS.get(inner) in _STREAMABLE:
            return _SUFFIX_FORMATS[inner]
        raise NodeError(f"{path.name} is compressed; embedflow reads gzip-compressed CSV, TSV, JSON lines "
                        "and text files only.", "unreadable-file", "Decompress the file first.")
    guessed = _SUFFIX_FORMATS.get(suffix)
    if suffix == ".metadata" and Path(path.stem).suffix.lower() in _SUFFIX_FORMATS:
        raise NodeError(f"{path.name} holds Orange's notes about {path.stem}, not data; embedflow does not "
                        "need it.", "unreadable-file", f"Choose {path.stem} itself.")
    if guessed is None and path.suffix.lower() in IMAGE_SUFFIXES:
        raise NodeError(f"{path.name} is a single image; the Input reads a folder of images.", "unreadable-file",
                        f"Choose the folder that holds it ({path.parent.name or path.parent}) with Folder….")
    if guessed is None:
        raise NodeError(f"{path.name}: embedflow cannot tell the format of '{path.suffix or 'no suffix'}' files.",
                        "unreadable-file",
                        "Use CSV, TSV, Orange .tab, Excel (.xlsx), Parquet, JSON lines or .txt, or set the format.")
    return guessed


def load_table(path: str | os.PathLike[str], fmt: str = "auto", feature: str = "",
               row_groups: list[int] | None = None, entries: Sequence[str] | None = None) -> LoadedTable:
    """Read a data file or image folder; raises NodeError with a user message for bad input.

    row_groups: of a Parquet file, read only these row groups (a piece of it, see parquet_pieces).
    entries: of an image folder, list only these top-level entries (a piece, see image_folder_pieces);
    a piece may hold no image.
    """
    path = Path(path)
    problem = path_problem(path)
    if problem is not None and problem.kind == "missing":
        raise NodeError(f"{path}: no such file or folder.", "missing-file",
                        "Check the path in the Input's settings; the file may have moved.")
    if problem is not None and problem.kind != "folder":
        raise NodeError(f"{path} cannot be read: {problem.reason}.", "unreadable-file",
                        "Choose an ordinary data file or a folder of images.")
    is_folder = problem is not None
    fmt = detect_format(path, fmt)
    warnings: list[str] = []
    notes: list[str] = []
    preferred: list[str] = []  # columns the file marks as the text to use (Orange's include=True)
    if fmt == "images":
        if not is_folder:
            raise NodeError(f"{path} is a file; the images format needs a folder.", "unreadable-file")
        meta = _image_folder(path, entries)
        base_dir = str(path)
    else:
        if is_folder:
            raise NodeError(f"{path} is a folder; choose a data file, or a folder of images.",
                            "unreadable-file")
        if path.stat().st_size == 0:
            raise NodeError(f"{path.name} is empty.", "empty-file", "Choose a file with data in it.")
        read = _read_file(path, fmt, warnings, row_groups)
        if isinstance(read, OrangeTable):
            notes, preferred = read.summary_notes(), read.text_columns
            meta = read.frame  # text read from a text file: no bytes to decode
        else:
            meta = _without_binary_columns(read, path, feature, warnings)
        base_dir = str(path.parent)
    if len(meta) == 0 and (entries is None or not _has_image(path)):  # a piece may be empty, the folder not
        raise NodeError(f"{path.name} has no rows.", "empty-table", "Choose a file with data in it.")
    meta.columns = [str(c) for c in meta.columns]
    chosen = feature or ("image" if fmt == "images" else next(iter(preferred), None) or default_feature(meta))
    if chosen is None:
        raise NodeError(f"{path.name} has no text or image column to work with "
                        f"(columns: {', '.join(meta.columns)}).", "no-usable-column",
                        "embedflow embeds text or images; add a column of text or image paths.")
    if chosen not in meta.columns:
        raise NodeError(f"{path.name} has no column '{chosen}' (columns: {', '.join(meta.columns)}).",
                        "unknown-column", "Choose one of the file's columns as the feature.")
    return LoadedTable(Table(meta, feature=chosen, base_dir=base_dir, provenance={"source": str(path)}),
                       warnings, notes)


def default_feature(meta: pd.DataFrame) -> str | None:
    """The column to use when none is chosen: free text first, then image paths, then any text."""
    text_columns = [c for c in meta.columns if _is_text(meta[c])]
    sample = {c: meta[c].dropna().astype(str).head(200) for c in text_columns}
    for column in text_columns:
        if "image" == str(column).lower() or sample[column].str.lower().str.endswith(IMAGE_SUFFIXES).mean() > 0.5:
            continue
        if sample[column].str.contains(" ").mean() > 0.5:
            return str(column)
    for column in text_columns:
        if sample[column].str.lower().str.endswith(IMAGE_SUFFIXES).mean() > 0.5:
            return str(column)
    return str(text_columns[0]) if text_columns else None


def _is_text(series: pd.Series) -> bool:
    """A column of text; a category column (an Orange discrete one) holds labels, not text to embed."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return False
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


def _read_file(path: Path, fmt: str, warnings: list[str],
               row_groups: list[int] | None = None) -> pd.DataFrame | OrangeTable:
    try:
        with open_regular(path, MAX_TABLE_BYTES) as handle:
            compressed = handle.read(2) == GZIP_MAGIC
        if compressed and fmt not in _STREAMABLE:
            raise NodeError(f"{path.name} is gzip-compressed; embedflow reads compressed CSV, TSV, JSON lines "
                            f"and text files, not {fmt}.", "unreadable-file", "Decompress the file first.")
        opener = _gzip_opener(path) if compressed else lambda: open_regular(path, MAX_TABLE_BYTES)
        if fmt in ("csv", "tsv"):
            return _read_delimited(path, fmt, opener, warnings)
        if fmt == "tab":
            return _with_encoding(path, opener, warnings,
                                  lambda text: read_tab(text, path.name, MAX_COLUMNS, MAX_HEADER_BYTES))
        if fmt == "txt":
            lines = _with_encoding(path, opener, warnings, lambda text: text.read()).splitlines()
            return pd.DataFrame({"text": [line for line in lines if line.strip()]})
        if fmt == "jsonl":
            _with_encoding(path, opener, [], lambda text: _check_json_keys(path, text))
            return _with_encoding(path, opener, warnings, lambda text: pd.read_json(text, lines=True))
        if fmt == "excel":
            with opener() as handle:
                return pd.read_excel(handle, engine="openpyxl")
        if fmt == "parquet":
            return _read_parquet(path, opener, row_groups)
    except FileRefused as exc:
        raise NodeError(f"{path.name} cannot be read: {exc.reason}.", "unreadable-file",
                        "Choose an ordinary data file within the limits in docs/reliability.md.") from None
    except NodeError:
        raise
    except (ValueError, OSError, KeyError, IndexError, pd.errors.ParserError) as exc:
        raise NodeError(f"{path.name} could not be read as {fmt}: {_first_line(exc)}", "unreadable-file",
                        "Check that the file is complete and of the format its name says.") from None
    except Exception as exc:  # noqa: BLE001 - parsers raise library-specific errors (zip, arrow, xml) for corrupt files
        raise NodeError(f"{path.name} could not be read as {fmt}: {type(exc).__name__}: {_first_line(exc)}",
                        "unreadable-file", "Check that the file is complete and not corrupt.") from None
    raise NodeError(f"Unknown format {fmt!r}.", "unreadable-file")


Opener = Callable[[], BinaryIO]


def _gzip_opener(path: Path) -> Opener:
    """Opens the decompressed stream, bounded by MAX_TABLE_BYTES (a small file may unpack to terabytes)."""
    def open_stream() -> BinaryIO:
        inner = gzip.GzipFile(fileobj=open_regular(path, MAX_TABLE_BYTES), mode="rb")
        return io.BufferedReader(BoundedReader(inner, MAX_TABLE_BYTES))  # type: ignore[arg-type]
    return open_stream


def _read_delimited(path: Path, fmt: str, opener: Opener, warnings: list[str]) -> pd.DataFrame:
    with opener() as handle:
        head = handle.read(MAX_HEADER_BYTES)
    encoding = _bom_encoding(head)
    sample = head.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff")
    separator = "\t" if fmt == "tsv" else ","
    try:
        separator = csv.Sniffer().sniff(sample[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    _check_header(path, sample, separator, complete="\n" in sample or len(head) < MAX_HEADER_BYTES)
    return _with_encoding(path, opener, warnings, lambda text: pd.read_csv(text, sep=separator))


def _check_header(path: Path, sample: str, separator: str, complete: bool) -> None:
    """Refuse a header line wider than MAX_COLUMNS (or longer than MAX_HEADER_BYTES) before parsing."""
    if not complete:
        raise NodeError(f"{path.name}: its first line is longer than {MAX_HEADER_BYTES // 2**20} MB, so it "
                        "is not a header embedflow can read.", "too-many-columns",
                        f"embedflow reads tables of up to {MAX_COLUMNS:,} columns.")
    first = sample.split("\n", 1)[0]
    if first.count(separator) < MAX_COLUMNS:
        return
    columns = len(next(csv.reader([first], delimiter=separator), []))
    if columns > MAX_COLUMNS:
        raise NodeError(f"{path.name} has {columns:,} columns; embedflow reads tables of up to "
                        f"{MAX_COLUMNS:,} columns.", "too-many-columns",
                        "Keep the columns you need (the text or image column and labels) in a smaller file.")


def _check_json_keys(path: Path, text: io.TextIOWrapper) -> None:
    """Refuse JSON lines whose objects have more than MAX_COLUMNS different keys, as soon as a line shows it."""
    keys: dict[str, None] = {}
    for number, line in enumerate(text, 1):
        try:
            row = json.loads(line) if line.strip() else None
        except ValueError:
            return  # pandas names a malformed line in its own words
        if isinstance(row, dict):
            keys.update(dict.fromkeys(row))
            if len(keys) > MAX_COLUMNS:
                raise NodeError(f"{path.name} has more than {MAX_COLUMNS:,} different keys by line {number:,}, "
                                f"each a column; embedflow reads tables of up to {MAX_COLUMNS:,} columns.",
                                "too-many-columns", "Keep the keys you need (the text or image and labels) in a "
                                "smaller file.")


def _read_parquet(path: Path, opener: Opener, row_groups: list[int] | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    with opener() as handle:
        parquet = pq.ParquetFile(handle)
        columns = parquet.metadata.num_columns
        if columns > MAX_COLUMNS:
            raise NodeError(f"{path.name} has {columns:,} columns; embedflow reads tables of up to "
                            f"{MAX_COLUMNS:,} columns.", "too-many-columns",
                            "Keep the columns you need in a smaller file.")
        if row_groups is not None:  # converted as pandas.read_parquet converts the whole file
            return parquet.read_row_groups(row_groups).to_pandas()
        handle.seek(0)
        return pd.read_parquet(handle)


def parquet_pieces(path: Path, piece_bytes: int) -> list[list[int]] | None:
    """A Parquet file's row groups in runs of about `piece_bytes` (uncompressed), from its footer alone.

    None when the file is not a readable Parquet file (reading it whole then gives the proper error).
    """
    import pyarrow.parquet as pq

    try:
        with open_regular(path, MAX_TABLE_BYTES) as handle:
            metadata = pq.ParquetFile(handle).metadata
    except Exception:  # noqa: BLE001 - refused, truncated or not Parquet: the read on a worker says which
        return None
    pieces: list[list[int]] = []
    size = 0
    for number in range(metadata.num_row_groups):
        group = metadata.row_group(number)
        if group.num_rows == 0:  # a piece of no rows would be refused as an empty table
            continue
        if pieces and size + group.total_byte_size <= piece_bytes:
            pieces[-1].append(number)
            size += group.total_byte_size
        else:
            pieces.append([number])
            size = group.total_byte_size
    return pieces or None


def parquet_feature(path: Path, rows: int = 2_000) -> str | None:
    """The feature load_table would choose for a Parquet file, from its first `rows` rows only.

    default_feature samples 200 values a column; 2,000 rows hold them unless most are missing.
    """
    import pyarrow.parquet as pq

    try:
        with open_regular(path, MAX_TABLE_BYTES) as handle:
            head = next(pq.ParquetFile(handle).iter_batches(batch_size=rows), None)
    except Exception:  # noqa: BLE001 - the read on a worker reports what is wrong with the file
        return None
    if head is None:
        return None
    meta = _without_binary_columns(head.to_pandas(), path, "", [])
    meta.columns = [str(c) for c in meta.columns]
    return default_feature(meta)


def _bom_encoding(head: bytes) -> str | None:
    """The encoding a UTF-16/32 byte-order mark (or NUL-interleaved ASCII) shows, None for 8-bit text."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    probe = head[:4096]
    if len(probe) >= 4 and probe.count(0) * 3 > len(probe):  # UTF-16 without a mark: every other byte is 0
        return "utf-16-le" if probe[1::2].count(0) > probe[0::2].count(0) else "utf-16-be"
    return None


def _with_encoding(path: Path, opener: Opener, warnings: list[str], read: Callable[[io.TextIOWrapper], Any]) -> Any:
    """Read as UTF-16/32 when a mark says so, else UTF-8 (with or without BOM); fall back to latin-1 with a warning."""
    with opener() as handle:
        encoding = _bom_encoding(handle.read(4096))
    if encoding is not None:
        with opener() as handle:
            try:
                return read(io.TextIOWrapper(handle, encoding=encoding, newline=""))
            except UnicodeDecodeError as exc:
                raise NodeError(f"{path.name} starts like {encoding.upper()} text but is not valid "
                                f"{encoding.upper()} (position {exc.start}).", "unreadable-file",
                                "Save the file as UTF-8.") from None
    try:
        with opener() as handle:
            return read(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
    except UnicodeDecodeError as exc:
        warnings.append(f"{path.name} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at "
                        f"position {exc.start}); it was read as latin-1, so some characters may be wrong.")
    with opener() as handle:
        return read(io.TextIOWrapper(handle, encoding="latin-1", newline=""))


def _without_binary_columns(meta: pd.DataFrame, path: Path, feature: str, warnings: list[str]) -> pd.DataFrame:
    """Decode columns of bytes (Parquet binary) as UTF-8 text; drop, with a warning, those that are not text."""
    for column in list(meta.columns):
        series = meta[column]
        if not _is_text(series):
            continue
        values = series.dropna()
        if values.empty or not values.map(lambda v: isinstance(v, (bytes, bytearray))).any():
            continue
        if _looks_like_text(values):
            meta[column] = series.map(
                lambda v: bytes(v).decode("utf-8", errors="replace") if isinstance(v, (bytes, bytearray)) else v)
            continue
        if str(column) == feature:
            raise NodeError(f"{path.name}: the column '{column}' holds binary data, not text or image paths.",
                            "binary-column", "Choose a column of text or image paths as the feature.")
        meta = meta.drop(columns=[column])
        warnings.append(f"{path.name}: the column '{column}' holds binary data and was left out.")
        if len(meta.columns) == 0:
            raise NodeError(f"{path.name} holds only binary data, no text or image paths.", "binary-column",
                            "Choose a file with a column of text or image paths.")
    return meta


def _looks_like_text(values: pd.Series) -> bool:
    """True when sampled byte values decode as UTF-8 with few errors or control characters (text with a stray byte)."""
    sample = [bytes(v).decode("utf-8", errors="replace") for v in values.head(200) if isinstance(v, (bytes, bytearray))]
    characters = sum(len(text) for text in sample)
    bad = sum(text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r") for text in sample)
    return characters > 0 and bad <= 0.3 * characters


def image_folder_pieces(folder: Path) -> list[tuple[str, str]] | None:
    """A folder of images as runs of its top-level entries that can be listed apart: each subfolder on its
    own, the image files between two subfolders together; (first, last) names in listing order.

    None when there is one run or the folder cannot be read (listing it whole then gives the error).
    """
    try:
        entries = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in os.scandir(folder)
                         if not entry.name.startswith("."))
    except OSError:
        return None
    pieces: list[tuple[str, str]] = []
    in_files = False  # the last piece is a run of files that the next image file joins
    for name, is_dir in entries:
        if is_dir:
            pieces.append((name, name))
            in_files = False
        elif Path(name).suffix.lower() in IMAGE_SUFFIXES:
            if in_files:
                pieces[-1] = (pieces[-1][0], name)
            else:
                pieces.append((name, name))
            in_files = True
    return pieces if len(pieces) > 1 else None


def _listed(path: Path, folder: Path) -> bool:
    """Whether a path found below the folder is one of its images (a file with an image suffix, not hidden)."""
    return (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(folder).parts))


def _has_image(folder: Path) -> bool:
    """Whether the folder holds any image a whole listing would give (stops at the first)."""
    return any(_listed(path, folder) for path in folder.rglob("*"))


def _image_folder(folder: Path, entries: Sequence[str] | None = None) -> pd.DataFrame:
    """The folder's images (not hidden ones) in name order; with `entries`, only below the top-level
    entries named from entries[0] to entries[1] (a piece of image_folder_pieces)."""
    if entries is None:
        found: Iterable[Path] = folder.rglob("*")
    else:
        top = [folder / entry.name for entry in os.scandir(folder) if entries[0] <= entry.name <= entries[1]]
        found = [q for p in top for q in ([p, *p.rglob("*")] if p.is_dir() and not p.is_symlink() else [p])]
    paths = sorted(path for path in found if _listed(path, folder))
    relative = [p.relative_to(folder) for p in paths]
    return pd.DataFrame({
        "image": [r.as_posix() for r in relative],
        "name": [r.stem for r in relative],
        "category": [r.parent.as_posix() if r.parent != Path(".") else "" for r in relative],
    }, dtype=str)  # text columns even when a piece of the folder lists no image


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def fingerprint_path(path: Path) -> str:
    """A cheap token that changes when the file or folder content changes (sizes and mtimes)."""
    problem = path_problem(path)
    if problem is not None and problem.kind == "missing":
        return "missing"
    if problem is None:
        stat = path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"
    if problem.kind != "folder":
        return f"unreadable:{problem.kind}"
    parts = []
    for child in sorted(path.rglob("*")):
        if child.is_file():
            stat = child.stat()
            parts.append(f"{child.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()
