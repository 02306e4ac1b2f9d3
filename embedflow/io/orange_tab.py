"""Orange's `.tab` files: tab-separated rows under a header that says each column's type and role.

Three header forms are read, as Orange writes and reads them:
- three lines: names; types (`d`/`discrete` or a list of its values, `c`/`continuous`, `s`/`string`,
  `t`/`time`, or empty); flags (`class`, `meta`, `ignore`, or `c`, `m`, `i`, or empty);
- one line of compact names, `[flags][type]#name`: `cD#label`, `mS#text`, `C#length`, `i#id`;
- one line of plain names (the types are then guessed as in a TSV file).

Discrete columns become categories, continuous ones floats, string and time columns text; ignored
columns are left out; the class columns are named for the summary. Orange's `.tab.metadata` beside
the file is not read. A header that is none of these is refused with its line number.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd

from ..core.errors import NodeError

TYPES = {"d": "discrete", "discrete": "discrete", "c": "continuous", "continuous": "continuous",
         "s": "string", "string": "string", "t": "time", "time": "time", "": ""}
FLAGS = {"class": "class", "c": "class", "meta": "meta", "m": "meta", "ignore": "ignore", "i": "ignore", "": ""}
COMPACT = re.compile(r"^(?P<flags>[mci]*)(?P<type>[DCST]?)#(?P<name>.*)$")
COMPACT_TYPES = {"D": "discrete", "C": "continuous", "S": "string", "T": "time", "": ""}
COMPACT_FLAGS = {"m": "meta", "c": "class", "i": "ignore"}
MISSING = ("", "?", "~", "nan", "NaN")


@dataclass(frozen=True)
class Column:
    """One column as the header declares it: name, type ("" to guess) and role ("" for a plain feature)."""

    name: str
    type: str
    role: str


@dataclass(frozen=True)
class OrangeTable:
    """The rows of a .tab file, and which columns are the class."""

    frame: pd.DataFrame
    class_columns: tuple[str, ...]


def read_orange_tab(text: str, name: str) -> OrangeTable:
    """Parse the text of an Orange .tab file (`name` is used in messages)."""
    lines = text.lstrip("\ufeff").split("\n")
    columns, header_lines = _header(lines, name)
    body = "\n".join(lines[header_lines:])
    raw = pd.read_csv(io.StringIO(body), sep="\t", header=None, names=range(len(columns)), dtype=str,
                      keep_default_na=False, skip_blank_lines=True, quoting=3)
    frame = pd.DataFrame({column.name: _typed(raw[i], column, name, header_lines)
                          for i, column in enumerate(columns) if column.role != "ignore"})
    return OrangeTable(frame, tuple(c.name for c in columns if c.role == "class"))


def _header(lines: list[str], name: str) -> tuple[list[Column], int]:
    """The declared columns and how many lines the header takes."""
    names = lines[0].rstrip("\r").split("\t")
    if any(COMPACT.match(cell) for cell in names):
        return [_compact(cell, name) for cell in names], 1
    types = lines[1].rstrip("\r").split("\t") if len(lines) > 1 else []
    flags = lines[2].rstrip("\r").split("\t") if len(lines) > 2 else []
    if not (flags and all(_flag(cell) is not None for cell in flags)
            and any(cell.strip().lower() in TYPES and cell.strip() for cell in types)):
        return [Column(cell, "", "") for cell in names], 1
    for number, row in ((2, types), (3, flags)):
        if len(row) > len(names):
            raise NodeError(f"{name}: line {number} of the header has {len(row)} cells but line 1 names "
                            f"{len(names)} columns.", "unreadable-file",
                            "Give each column one type (line 2) and one flag (line 3), or leave the cell empty.")
    columns = []
    for i, column in enumerate(names):
        kind = _type(types[i] if i < len(types) else "")
        if kind is None:
            raise NodeError(f"{name}: line 2 of the header gives column '{column}' the type '{types[i]}', which "
                            "Orange does not know.", "unreadable-file",
                            "Use d (discrete), c (continuous), s (string) or t (time), or leave it empty.")
        columns.append(Column(column, kind, _flag(flags[i] if i < len(flags) else "") or ""))
    return columns, 3


def _type(cell: str) -> str | None:
    """A type cell's type; a list of values (`red green blue`) declares a discrete column."""
    cell = cell.strip()
    if " " in cell:
        return "discrete"
    return TYPES.get(cell.lower())


def _flag(cell: str) -> str | None:
    """A flag cell's role (attributes after the flag, `class x=y`, are Orange's own and left out)."""
    first = cell.strip().split(" ", 1)[0]
    return FLAGS.get(first.lower()) if "=" not in first else ""


def _compact(cell: str, name: str) -> Column:
    found = COMPACT.match(cell)
    if found is None:
        raise NodeError(f"{name}: line 1 of the header mixes compact names (such as 'cD#label') with "
                        f"'{cell}', which has no type prefix.", "unreadable-file",
                        "Write every name as [m|c|i][D|C|S|T]#name, or use Orange's three-line header.")
    roles = {COMPACT_FLAGS[flag] for flag in found["flags"]}
    role = "ignore" if "ignore" in roles else "class" if "class" in roles else "meta" if roles else ""
    return Column(found["name"], COMPACT_TYPES[found["type"]], role)


def _typed(values: pd.Series, column: Column, name: str, header_lines: int) -> pd.Series:
    """A column converted as its type says: categories, floats, or text ("" guesses numbers)."""
    present = ~values.isin(MISSING)
    if column.type == "discrete":
        return values.where(present).astype("category")
    if column.type in ("string", "time"):
        return values
    numbers = pd.to_numeric(values.where(present), errors="coerce")
    wrong = present & numbers.isna()
    if column.type == "continuous" and wrong.any():
        row = int(wrong.to_numpy().argmax())
        raise NodeError(f"{name}: line {header_lines + row + 1} holds '{values.iloc[row]}' in column "
                        f"'{column.name}', which the header declares continuous.", "unreadable-file",
                        "Fix the value, write ? for a missing one, or declare the column d or s.")
    return numbers if not wrong.any() else values
