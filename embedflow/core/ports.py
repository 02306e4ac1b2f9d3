"""Port types carried on links and the rule for which output may feed which input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortType:
    """A named data type; a port of type X accepts X and its subtypes."""

    name: str
    parent: PortType | None = None

    def is_subtype_of(self, other: PortType) -> bool:
        """True when self is other or derives from it."""
        kind: PortType | None = self
        while kind is not None:
            if kind.name == other.name:
                return True
            kind = kind.parent
        return False

    def __str__(self) -> str:
        return self.name


TABLE = PortType("Table")
EMBEDDINGS = PortType("Embeddings", TABLE)
NEIGHBOURS = PortType("Neighbours", TABLE)
ENCODED_TEXT = PortType("EncodedText")


def accepts(target: PortType, source: PortType) -> bool:
    """True when an output of type `source` may be linked to an input of type `target`."""
    return source.is_subtype_of(target)
