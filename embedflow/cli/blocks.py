"""`embedflow blocks`: every block type with where it comes from, and what failed to load."""

from __future__ import annotations

import argparse

from ..io.user_blocks import library_folder, library_lines, user_blocks
from ..registry import Registry, default_registry


def main(args: argparse.Namespace) -> int:
    """Print the block types grouped by origin (built-in, each add-on), the load failures, then the user's blocks."""
    registry = default_registry()
    print("\n".join(block_lines(registry) + library_lines(user_blocks(registry), library_folder())))
    return 0


def block_lines(registry: Registry) -> list[str]:
    """The listing: one header per origin, one line per block (type, title, category), then failures."""
    groups: dict[str, list[str]] = {}
    specs = registry.specs()
    width = max((len(spec.type) for spec in specs), default=0)
    for spec in specs:
        origin = registry.origin(spec.type)
        header = origin.describe() if origin is not None else "unknown origin"
        groups.setdefault(header, []).append(f"  {spec.type:<{width}}  {spec.title} ({spec.category})")
    lines: list[str] = []
    for header, rows in sorted(groups.items(), key=lambda item: item[0] != "built-in"):
        lines.extend([f"{header[:1].upper()}{header[1:]}:", *rows])
    for add_on in registry.add_ons():
        if add_on.error is None and not add_on.blocks:
            lines.append(f"{add_on.origin.describe()}: no blocks")
    if registry.failures:
        lines.append("Failed to load:")
        lines.extend(f"  {failure.message()}" for failure in registry.failures)
    return lines
