"""When a block goes wrong: who provides it (embedflow, an add-on package, a script) and whether
what its run function returned matches its spec (output ports and their types)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from ..core.ports import EMBEDDINGS, ENCODED_TEXT, NEIGHBOURS, TABLE, PortType
from ..core.specs import NodeSpec
from ..core.table import EncodedText, Table
from .partitions import Partitioned

# Exceptions a block's run or an add-on's import may raise that must still reach the user as a
# message (SystemExit would otherwise end the command silently); these two keep their meaning.
PASSED_THROUGH = (KeyboardInterrupt, GeneratorExit)


@dataclass(frozen=True)
class Provider:
    """Who a block's code comes from: embedflow itself, an installed package (name and version), or a module."""

    package: str = ""
    version: str = ""
    module: str = ""

    @property
    def is_embedflow(self) -> bool:
        """True for embedflow's own blocks: their failures are embedflow's bugs."""
        return not self.package and not self.module

    def __str__(self) -> str:
        if self.package:
            return f"add-on {self.package} {self.version}".rstrip()
        return f"module {self.module}" if self.module else "embedflow"


def provider(spec: NodeSpec) -> Provider:
    """The provider of a block, found from the module of its run function."""
    module = getattr(spec.run, "__module__", None) or ""
    top = module.partition(".")[0]
    if not top or top == "embedflow":
        return Provider()
    names = _distributions_of().get(top, [])
    if not names:
        return Provider(module=module)
    try:
        version = metadata.version(names[0])
    except metadata.PackageNotFoundError:
        version = ""
    return Provider(package=names[0], version=version)


@functools.cache
def _distributions_of() -> Mapping[str, list[str]]:
    """Installed distributions by the top-level module they provide (read once per process)."""
    return metadata.packages_distributions()


def failure_hint(source: Provider) -> str:
    """What to do about a block that failed with an unexpected error, addressed to the right party."""
    if source.is_embedflow:
        return "Please report this as a bug."
    return f"The block comes from {source}, not from embedflow: report this to the authors of {source}."


_EXPECTED: dict[str, tuple[type, ...]] = {
    TABLE.name: (Table, Partitioned), NEIGHBOURS.name: (Table, Partitioned),
    EMBEDDINGS.name: (Table, Partitioned), ENCODED_TEXT.name: (EncodedText, Partitioned),
}


def output_problem(spec: NodeSpec, outputs: Mapping[str, Any]) -> str | None:
    """Why `outputs` do not match the spec's output ports (names, presence, types), or None when they do."""
    declared = {port.name: port for port in spec.outputs}
    unknown = sorted(set(outputs) - set(declared))
    if unknown:
        return (f"it returned the output {_names(unknown)}, which it does not declare "
                f"(its outputs are {_names(sorted(declared)) or 'none'})")
    missing = [name for name, port in declared.items() if port.required and outputs.get(name) is None]
    if missing:
        return f"it returned nothing for its output {_names(missing)}"
    for name, value in outputs.items():
        wrong = _type_problem(declared[name].type, value)
        if wrong:
            return f"its output '{name}' {wrong}"
    return None


def _type_problem(kind: PortType, value: Any) -> str | None:
    if value is None:
        return None
    expected = _EXPECTED.get(kind.name)
    if expected is None:  # an add-on's own port type: only the add-on knows its values
        return None
    if not isinstance(value, expected):
        return f"should be {kind.name}, but it is {type(value).__name__}"
    if kind.name == EMBEDDINGS.name and isinstance(value, Table) and value.vectors is None:
        return "should be Embeddings, but it is a Table without vectors"
    return None


def _names(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
