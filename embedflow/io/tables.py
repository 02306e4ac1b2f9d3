"""Reading data files and image folders into Tables, with clear errors for bad input."""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.errors import NodeError
from ..core.table import Table

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
FORMATS = ("auto", "csv", "tsv", "excel", "parquet", "jsonl", "txt", "images")
_SUFFIX_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".txt": "txt",
}


@dataclass
class LoadedTable:
    """A table read from disk and the warnings met while reading it."""

    table: Table
    warnings: list[str] = field(default_factory=list)


def detect_format(path: Path, requested: str = "auto") -> str:
    """The format to read `path` with: the requested one, or guessed from the name."""
    if requested != "auto":
        return requested
    if path.is_dir():
        return "images"
    guessed = _SUFFIX_FORMATS.get(path.suffix.lower())
    if guessed is None and path.suffix.lower() in IMAGE_SUFFIXES:
        raise NodeError(f"{path.name} is a single image; the Input reads a folder of images.", "unreadable-file",
                        f"Choose the folder that holds it ({path.parent.name or path.parent}) with Folder….")
    if guessed is None:
        raise NodeError(f"{path.name}: embedflow cannot tell the format of '{path.suffix or 'no suffix'}' files.",
                        "unreadable-file",
                        "Use CSV, TSV, Excel (.xlsx), Parquet, JSON lines or .txt, or set the format.")
    return guessed


def load_table(path: str | os.PathLike[str], fmt: str = "auto", feature: str = "") -> LoadedTable:
    """Read a data file or image folder; raises NodeError with a user message for bad input."""
    path = Path(path)
    if not path.exists():
        raise NodeError(f"{path}: no such file or folder.", "missing-file",
                        "Check the path in the Input's settings; the file may have moved.")
    fmt = detect_format(path, fmt)
    warnings: list[str] = []
    if fmt == "images":
        if not path.is_dir():
            raise NodeError(f"{path} is a file; the images format needs a folder.", "unreadable-file")
        meta = _image_folder(path)
        base_dir = str(path)
    else:
        if path.is_dir():
            raise NodeError(f"{path} is a folder; choose a data file, or a folder of images.",
                            "unreadable-file")
        if path.stat().st_size == 0:
            raise NodeError(f"{path.name} is empty.", "empty-file", "Choose a file with data in it.")
        meta = _read_file(path, fmt, warnings)
        base_dir = str(path.parent)
    if len(meta) == 0:
        raise NodeError(f"{path.name} has no rows.", "empty-table", "Choose a file with data in it.")
    meta.columns = [str(c) for c in meta.columns]
    chosen = feature or default_feature(meta)
    if chosen is None:
        raise NodeError(f"{path.name} has no text or image column to work with "
                        f"(columns: {', '.join(meta.columns)}).", "no-usable-column",
                        "embedflow embeds text or images; add a column of text or image paths.")
    if chosen not in meta.columns:
        raise NodeError(f"{path.name} has no column '{chosen}' (columns: {', '.join(meta.columns)}).",
                        "unknown-column", "Choose one of the file's columns as the feature.")
    return LoadedTable(Table(meta, feature=chosen, base_dir=base_dir, provenance={"source": str(path)}),
                       warnings)


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
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


def _read_file(path: Path, fmt: str, warnings: list[str]) -> pd.DataFrame:
    try:
        if fmt in ("csv", "tsv"):
            return _read_delimited(path, fmt, warnings)
        if fmt == "txt":
            lines = _read_text(path, warnings).splitlines()
            return pd.DataFrame({"text": [line for line in lines if line.strip()]})
        if fmt == "jsonl":
            return _with_encoding(path, warnings, lambda enc: pd.read_json(path, lines=True, encoding=enc))
        if fmt == "excel":
            return pd.read_excel(path, engine="openpyxl")
        if fmt == "parquet":
            return pd.read_parquet(path)
    except NodeError:
        raise
    except (ValueError, OSError, KeyError, IndexError, pd.errors.ParserError) as exc:
        raise NodeError(f"{path.name} could not be read as {fmt}: {_first_line(exc)}", "unreadable-file",
                        "Check that the file is complete and of the format its name says.") from None
    except Exception as exc:  # parsers raise library-specific errors (zip, arrow, xml) for corrupt files
        raise NodeError(f"{path.name} could not be read as {fmt}: {type(exc).__name__}: {_first_line(exc)}",
                        "unreadable-file", "Check that the file is complete and not corrupt.") from None
    raise NodeError(f"Unknown format {fmt!r}.", "unreadable-file")


def _read_delimited(path: Path, fmt: str, warnings: list[str]) -> pd.DataFrame:
    with open(path, "rb") as handle:
        sample = handle.read(65536).decode("utf-8", errors="replace")
    separator = "\t" if fmt == "tsv" else ","
    try:
        separator = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    return _with_encoding(path, warnings, lambda enc: pd.read_csv(path, sep=separator, encoding=enc))


def _read_text(path: Path, warnings: list[str]) -> str:
    return _with_encoding(path, warnings, lambda enc: path.read_text(encoding=enc))


def _with_encoding(path: Path, warnings: list[str], read):
    """Read as UTF-8 (with or without BOM); fall back to latin-1 with a warning."""
    try:
        return read("utf-8-sig")
    except UnicodeDecodeError as exc:
        warnings.append(f"{path.name} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at "
                        f"position {exc.start}); it was read as latin-1, so some characters may be wrong.")
        return read("latin-1")


def _image_folder(folder: Path) -> pd.DataFrame:
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    relative = [p.relative_to(folder) for p in paths]
    return pd.DataFrame({
        "image": [r.as_posix() for r in relative],
        "name": [r.stem for r in relative],
        "category": [r.parent.as_posix() if r.parent != Path(".") else "" for r in relative],
    })


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def fingerprint_path(path: Path) -> str:
    """A cheap token that changes when the file or folder content changes (sizes and mtimes)."""
    if not path.exists():
        return "missing"
    if path.is_file():
        stat = path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"
    parts = []
    for child in sorted(path.rglob("*")):
        if child.is_file():
            stat = child.stat()
            parts.append(f"{child.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()
