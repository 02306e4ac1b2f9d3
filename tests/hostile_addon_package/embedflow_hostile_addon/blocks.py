"""Source blocks (no inputs, one Table output 'data') whose run goes wrong in one way each."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pandas as pd

from embedflow.api import TABLE, NodeContext, NodeSpec, Port, Table, register


def _exits(ctx: NodeContext) -> dict[str, Any]:
    sys.exit(5)


def _raises(ctx: NodeContext) -> dict[str, Any]:
    raise ValueError("the hostile block failed on purpose")


def _wrong_port(ctx: NodeContext) -> dict[str, Any]:
    return {"dta": Table(pd.DataFrame({"x": [1, 2]}))}


def _string(ctx: NodeContext) -> dict[str, Any]:
    return {"data": "a string where a Table belongs"}


def _block(kind: str, title: str, run: Callable[[NodeContext], dict[str, Any]]) -> None:
    register(NodeSpec(type=f"hostile_{kind}", title=title, category="Data", description=title, icon="input",
                      inputs=(), outputs=(Port(name="data", type=TABLE),), settings=(), run=run))


_block("exits", "Exits", _exits)
_block("raises", "Raises", _raises)
_block("wrong_port", "Wrong port", _wrong_port)
_block("string", "String", _string)
