"""Orange's .tab files: a header of names, types and flags (three rows, or the compact `cD#name` row).

The header rules follow Orange's own reader (Orange/data/io_base.py, `_TableHeader` and
`parse_headers`): three rows when the second holds only types and the third only flags; else one
row of names, each of which may carry a `TYPE#` prefix (upper-case type letters, lower-case flag
letters: `cD#species` is a discrete class); no header when the first row is all numbers. Where
Orange would silently read a damaged header as data, this reader refuses it and names the line.
Orange's `.tab.metadata` file beside the data holds table attributes that embedflow has no use for,
so it is never read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

import pandas as pd

from ..core.errors import NodeError

MALFORMED = "malformed-tab-header"
HEADER_HINT = ("An Orange .tab file starts with three rows: names; types (d, c, s, t, or the values "
               "separated by spaces); flags (class, meta, ignore or empty). Correct the line, or save the "
               "file as .tsv to read it without types.")

DISCRETE, CONTINUOUS, STRING, TIME, GUESS = "discrete", "continuous", "string", "time", ""
TYPE_WORDS = {
    "d": DISCRETE, "discrete": DISCRETE, "categorical": DISCRETE,
    "c": CONTINUOUS, "continuous": CONTINUOUS, "n": CONTINUOUS, "numeric": CONTINUOUS,
    "s": STRING, "string": STRING, "text": STRING,
    "t": TIME, "time": TIME,
}
FLAG_WORDS = {"class": "class", "c": "class", "meta": "meta", "m": "meta",
              "ignore": "ignore", "i": "ignore", "weight": "weight", "w": "weight"}
# Orange's MISSING_VALUES: these cells are missing values in columns that are not strings.
MISSING = frozenset({"", "?", ".", "~", "NA", "nan"})
_VALUE_LIST = re.compile(r"^\s*\S+(\s\S+)+\s*$")  # a discrete type given by its values
_ATTRIBUTE = re.compile(r"^[^=\s]+=\S*$")  # key=value attributes in the flags row (include=True)
_FLAG_SPLIT = re.compile(r"(?<!\\) ")  # flags are separated by spaces; "\ " is a space inside one


@dataclass
class Column:
    """One column as the header describes it."""

    name: str
    kind: str = GUESS
    values: tuple[str, ...] = ()  # of a discrete column whose values the header lists, in that order
    flags: frozenset[str] = frozenset()
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class OrangeTable:
    """A .tab file read into a frame, with the roles its header gave the columns."""

    frame: pd.DataFrame
    class_columns: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    text_columns: list[str] = field(default_factory=list)  # flagged include=True (Orange3-Text's text)
    notes: list[str] = field(default_factory=list)

    def summary_notes(self) -> list[str]:
        """What the Input's summary says about the file: its class, the ignored columns, what was changed."""
        parts = [f"class: {', '.join(self.class_columns)}"] if self.class_columns else []
        if self.ignored:
            parts.append(f"ignored: {', '.join(self.ignored)}")
        return parts + self.notes


def read_tab(text: TextIO, name: str, max_columns: int, max_line: int) -> OrangeTable:
    """Read an Orange .tab file from `text`; NodeError naming the line for a malformed header."""
    lines = _header_lines(text, name, max_columns, max_line)
    columns, used = _columns([(number, cells) for number, cells, _ in lines], name)
    width = len(columns)
    # A first row of width + 1 empty cells lets pandas pad shorter rows and cut longer ones at width + 1
    # cells (it refuses a row longer than its first one); rows of empty cells are dropped below.
    data = _Rejoined("\t" * width + "\n" + "".join(raw for _, _, raw in lines[used:]), text)
    # Continuous columns are parsed as numbers by pandas itself (Orange's missing values as NaN);
    # every other column is read as text, stripped like Orange strips it.
    numeric = [index for index, column in enumerate(columns) if column.kind == CONTINUOUS]
    raw = pd.read_csv(data, sep="\t", header=None, names=range(width + 1), usecols=range(width + 1),
                      dtype={index: str for index in range(width + 1) if index not in numeric},
                      keep_default_na=False, na_values={index: sorted(MISSING) for index in numeric},
                      quotechar='"', skip_blank_lines=True)
    for index in range(width + 1):
        if index not in numeric:
            raw[index] = raw[index].fillna("").str.strip()
    raw = raw[(raw.notna() & (raw != "")).any(axis=1)].reset_index(drop=True)
    notes = []
    beyond = int((raw[width] != "").sum())
    if beyond:
        notes.append(f"{beyond:,} row(s) had more cells than the header; the extra cells were left out")
    return _typed(raw, _unique_names(columns), name, notes)


class _Rejoined(io.TextIOBase):
    """The text already read while looking for the header, followed by the rest of the stream."""

    def __init__(self, head: str, rest: TextIO) -> None:
        super().__init__()
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        """Always True."""
        return True

    def read(self, size: int | None = -1) -> str:
        """Up to `size` characters (all when negative or None)."""
        if not self.head:
            return self.rest.read(-1 if size is None else size)
        if size is None or size < 0:
            text, self.head = self.head + self.rest.read(), ""
            return text
        text, self.head = self.head[:size], self.head[size:]
        return text


def _header_lines(text: TextIO, name: str, max_columns: int, max_line: int) -> list[tuple[int, list[str], str]]:
    """The first three lines (line number, cells, text); the stream stays just after them."""
    lines: list[tuple[int, list[str], str]] = []
    for number in (1, 2, 3):
        line = text.readline(max_line + 1)
        if not line:
            break
        if len(line) > max_line and not line.endswith("\n"):
            raise NodeError(f"{name}: line {number} is longer than {max_line // 2**20} MB, so it is not a "
                            "header embedflow can read.", "too-many-columns",
                            f"embedflow reads tables of up to {max_columns:,} columns.")
        cells = line.rstrip("\r\n").split("\t")
        if len(cells) > max_columns:
            raise NodeError(f"{name} has {len(cells):,} columns on line {number}; embedflow reads tables of up "
                            f"to {max_columns:,} columns.", "too-many-columns",
                            "Keep the columns you need (the text and labels) in a smaller file.")
        lines.append((number, cells, line))  # an empty line is an empty flags row, as in Orange
    return lines


def _columns(lines: list[tuple[int, list[str]]], name: str) -> tuple[list[Column], int]:
    """The columns the header describes and how many of `lines` it takes (3, 1 or 0)."""
    if not lines:
        return [], 0
    if len(lines) == 3:
        names, types, flags = (cells for _, cells in lines)
        types_ok, flags_ok = all(map(_is_type, types)), all(map(_is_flags, flags))
        if types_ok and flags_ok:
            return _three_rows(names, types, flags), 3
        _refuse_near_miss(lines, name, types_ok, flags_ok)
    names = [_unquoted(cell.strip()) for cell in lines[0][1]]
    if all(_is_number(cell) for cell in names):
        return [Column("") for _ in names], 0
    return _one_row(names, name, lines[0][0]), 1


def _three_rows(names: list[str], types: list[str], flags: list[str]) -> list[Column]:
    width = max(len(names), len(types), len(flags))
    padded = [row + [""] * (width - len(row)) for row in (names, types, flags)]
    columns = []
    for title, kind, flag in zip(*padded):
        column = _typed_column(_unquoted(title.strip()), kind.strip())
        column.flags, column.attributes = _parse_flags(flag)
        columns.append(column)
    return columns


def _one_row(cells: list[str], name: str, line: int) -> list[Column]:
    """Plain names, or Orange's compact form where `cD#name` says type D and flag c before the name."""
    columns = []
    compact = [cell.split("#", 1) for cell in cells]
    uses_form = any(rest and _is_compact_prefix(prefix) for prefix, *rest in compact)
    for index, (prefix, *rest) in enumerate(compact):
        if not rest or not _is_compact_prefix(prefix):
            if rest and prefix.isalpha() and uses_form:  # others use the form, this one does it wrong
                raise NodeError(f"{name}, line {line}: '{cells[index]}' (column {index + 1}) starts like Orange's "
                                f"compact header, but '{prefix}' is not a type (D, C, S, T) with flags (c for "
                                "class, m for meta, i for ignore).", MALFORMED, HEADER_HINT)
            columns.append(Column(cells[index]))
            continue
        kind = "".join(filter(str.isupper, prefix)).lower()
        column = _typed_column(rest[0], kind)
        column.flags = frozenset(FLAG_WORDS[letter] for letter in prefix if letter.islower())
        columns.append(column)
    return columns


def _is_compact_prefix(prefix: str) -> bool:
    """Orange's test: the upper-case letters are a type, or the lower-case ones one flag."""
    kind = "".join(filter(str.isupper, prefix)).lower()
    flags = "".join(filter(str.islower, prefix))
    if kind and kind in TYPE_WORDS:
        return all(letter in FLAG_WORDS for letter in flags) and len(kind) + len(flags) == len(prefix)
    return not kind and len(flags) == 1 and flags in FLAG_WORDS and len(prefix) == 1


def _typed_column(title: str, kind: str) -> Column:
    if kind in TYPE_WORDS:
        return Column(title, TYPE_WORDS[kind])
    if _VALUE_LIST.match(kind):
        values = (value.replace("\\ ", " ") for value in _FLAG_SPLIT.split(kind.strip()))
        return Column(title, DISCRETE, tuple(value for value in values if value))
    return Column(title)


def _refuse_near_miss(lines: list[tuple[int, list[str]]], name: str, types_ok: bool, flags_ok: bool) -> None:
    """Refuse a header that is clearly meant as three rows but has a row Orange would read as data."""
    (_, names), (types_line, types), (flags_line, flags) = lines
    declared = [cell.strip() for cell in types if cell.strip()]
    keyword_types = sum(cell.lower() in TYPE_WORDS for cell in declared)
    keyword_flags = any(_is_flags(cell) and cell.strip() for cell in flags)
    if types_ok and declared and keyword_types == len(declared):  # every type a word: a types row
        index = next(i for i, cell in enumerate(flags) if not _is_flags(cell))
        raise NodeError(f"{name}, line {flags_line}: the flags row has '{flags[index].strip()}' for "
                        f"{_column_label(names, index)}; a flag is class, meta, ignore, weight, a key=value "
                        "attribute, or empty.", MALFORMED, HEADER_HINT)
    if flags_ok and keyword_flags and declared and keyword_types * 2 >= len(declared):
        index = next(i for i, cell in enumerate(types) if not _is_type(cell))
        raise NodeError(f"{name}, line {types_line}: the types row has '{types[index].strip()}' for "
                        f"{_column_label(names, index)}; a type is d (discrete), c (continuous), s (string), "
                        "t (time), the values separated by spaces, or empty.", MALFORMED, HEADER_HINT)


def _column_label(names: list[str], index: int) -> str:
    title = names[index].strip() if index < len(names) else ""
    return f"column {index + 1} ('{title}')" if title else f"column {index + 1}"


def _is_type(cell: str) -> bool:
    cell = cell.strip()
    return not cell or cell in TYPE_WORDS or bool(_VALUE_LIST.match(cell))


def _is_flags(cell: str) -> bool:
    return all(not part or part in FLAG_WORDS or _ATTRIBUTE.match(part) for part in _FLAG_SPLIT.split(cell.strip()))


def _parse_flags(cell: str) -> tuple[frozenset[str], dict[str, str]]:
    flags: set[str] = set()
    attributes: dict[str, str] = {}
    for part in _FLAG_SPLIT.split(cell.strip()):
        if "=" in part:
            key, value = part.split("=", 1)
            attributes[key] = value
        elif part:
            flags.add(FLAG_WORDS[part])
    return frozenset(flags), attributes


def _unquoted(cell: str) -> str:
    """A name as written between double quotes (Orange quotes names with a quote in them) without them."""
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _unique_names(columns: list[Column]) -> list[Column]:
    """Name unnamed columns `Feature N` and number repeated names `x (1)`, `x (2)` as Orange does."""
    unnamed = iter(range(1, len(columns) + 1))
    for column in columns:
        if not column.name:
            column.name = f"Feature {next(unnamed)}"
    counts: dict[str, int] = {}
    for column in columns:
        counts[column.name] = counts.get(column.name, 0) + 1
    seen: dict[str, int] = {}
    for column in columns:
        if counts[column.name] > 1:
            seen[column.name] = seen.get(column.name, 0) + 1
            column.name = f"{column.name} ({seen[column.name]})"
    return columns


def _typed(raw: pd.DataFrame, columns: list[Column], name: str, notes: list[str]) -> OrangeTable:
    """The frame with each column converted as its type says; ignored columns left out."""
    table = OrangeTable(pd.DataFrame(index=raw.index), notes=notes)
    for index, column in enumerate(columns):
        if "ignore" in column.flags:
            table.ignored.append(column.name)
            continue
        table.frame[column.name] = _converted(raw[index], column, name, table.notes)
        if "class" in column.flags and "meta" not in column.flags:
            table.class_columns.append(column.name)
        if column.attributes.get("include", "").lower() == "true":
            table.text_columns.append(column.name)
    return table


def _converted(values: pd.Series, column: Column, name: str, notes: list[str]) -> pd.Series:
    """Discrete to category, continuous to float, time to datetime (when every value parses), string to text."""
    if column.kind == CONTINUOUS and pd.api.types.is_float_dtype(values):
        return values
    missing = values.isna() | values.isin(MISSING)
    known = values.where(~missing)
    if column.kind == STRING:
        return values.where(values != "")
    if column.kind == DISCRETE:
        found = [value for value in _natural_sorted(known.dropna().unique()) if value not in column.values]
        return pd.Series(pd.Categorical(known, categories=[*column.values, *found]), index=values.index)
    numbers = pd.to_numeric(known, errors="coerce")
    not_numbers = numbers.isna() & ~missing
    if column.kind == CONTINUOUS and not_numbers.any():
        row = int(not_numbers.idxmax())
        raise NodeError(f"{name}: the continuous column '{column.name}' has '{values[row]}' in data row {row + 1}, "
                        "which is not a number.", "unreadable-file",
                        "Correct the value, or give the column the type d (discrete) or s (string).")
    if column.kind == CONTINUOUS or (column.kind == GUESS and not not_numbers.any() and (~missing).any()):
        return numbers.astype(float)
    if column.kind == TIME:
        return _times(known, column.name, notes)
    return known


def _times(known: pd.Series, title: str, notes: list[str]) -> pd.Series:
    """Datetimes when every value is an ISO 8601 date or time; else the text, with a note saying why."""
    try:
        parsed = pd.to_datetime(known, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):  # offsets that differ between rows: compare them in UTC
        parsed = pd.to_datetime(known, errors="coerce", format="ISO8601", utc=True)
    bad = parsed.isna() & known.notna()
    if not bad.any():
        return parsed
    row = int(bad.idxmax())
    notes.append(f"{title} kept as text ('{known[row]}' in data row {row + 1} is not a date)")
    return known


def _natural_sorted(values: Iterable[str]) -> list[str]:
    """Values in numeric order when all are numbers, else in text order with digits compared as numbers."""
    if all(_is_number(value) for value in values):
        return sorted(values, key=float)
    return sorted(values, key=lambda value: [int(part) if part.isdigit() else part.lower()
                                             for part in re.split(r"(\d+)", value)])
