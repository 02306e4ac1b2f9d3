"""`embedflow examples`: list the installed example workflows, or copy them with their sample data."""

from __future__ import annotations

import argparse
import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import EmbedflowError, WorkflowFileError
from ..core.paths import resolve_path
from ..core.specs import SpecSource
from ..io.atomic import atomic_write
from ..io.examples import one_line
from ..io.resources import examples, resource
from ..io.workflow_file import read_workflow
from ..registry import default_registry

# Shown with the copied data: where the sample data come from and their licences.
DATA_README = Path("data") / "README.md"


@dataclass(frozen=True)
class Example:
    """An installed example workflow: name (file stem), one-line description, path, data it reads."""

    name: str
    description: str
    path: Path
    data: tuple[Path, ...]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `embedflow examples`."""
    parser.add_argument("--copy", metavar="DIR", default=None,
                        help="copy the examples (DIR/examples) and their sample data (DIR/data) to DIR")
    parser.add_argument("--force", action="store_true", help="with --copy: overwrite files that exist")


def main(args: argparse.Namespace) -> int:
    """`embedflow examples [--copy DIR [--force]]`."""
    found = installed_examples(default_registry())
    if args.copy is None:
        width = max((len(example.name) for example in found), default=0)
        for example in found:
            print(f"{example.name:<{width}}  {example.description}")
            print(f"{'':<{width}}  {example.path}")
        return 0
    target = Path(args.copy)
    written = copy_examples(found, target, overwrite=args.force)
    for example in found:
        print(target / "examples" / example.path.name)
    print(f"Copied {len(found)} example workflows and their sample data ({len(written)} files) to {target}.")
    return 0


def installed_examples(specs: SpecSource) -> list[Example]:
    """The shipped example workflows, sorted by name, with their descriptions and the data they read."""
    return [_example(path, specs) for path in examples()]


def copy_examples(found: list[Example], target: Path, overwrite: bool = False) -> list[Path]:
    """Copy `found` to target/examples and their data to target/data (the layout their paths expect).

    Refuses, copying nothing, when a file would be overwritten and `overwrite` is false.
    Returns the files written.
    """
    root = resource().resolve()
    sources = sorted({p for example in found for p in (example.path.resolve(), *_files(example.data))})
    if (root / DATA_README).is_file() and any(example.data for example in found):
        sources.append(root / DATA_README)
    pairs = [(source, target / source.relative_to(root)) for source in sources]
    existing = [destination for _, destination in pairs if destination.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(p) for p in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise EmbedflowError(f"{len(existing)} of the files to copy already exist ({shown}); nothing was "
                             "copied. Choose an empty folder, or add --force to overwrite them.")
    _check_space(target, sum(source.stat().st_size for source, _ in pairs))
    _copy_all(pairs)
    return [destination for _, destination in pairs]


def _copy_all(pairs: list[tuple[Path, Path]]) -> None:
    """Copy each (source, destination) atomically; when one fails, remove what this copy created and say so."""
    made: list[Path] = []  # files and folders this copy created, removed again if it fails
    for source, destination in pairs:
        try:
            made.extend(reversed([d for d in (destination.parent, *destination.parent.parents) if not d.exists()]))
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.exists():
                made.append(destination)
            with source.open("rb") as reader, atomic_write(destination, "wb") as writer:
                shutil.copyfileobj(reader, writer)
        except OSError as exc:
            _remove(made)
            raise EmbedflowError(f"cannot copy {source.name} to {destination}: {exc.strerror or exc}; the files "
                                 "copied before it were removed again") from None


def _check_space(target: Path, needed: int) -> None:
    """Refuse at once a copy that cannot fit on the disk."""
    existing = next((p for p in (target, *target.parents) if p.exists()), None)
    try:
        free = shutil.disk_usage(existing).free if existing is not None else None
    except OSError:
        free = None
    if free is not None and needed > free:
        raise EmbedflowError(f"the examples and their data need {needed / 1e6:,.1f} MB, but only {free / 1e6:,.1f} MB "
                             f"are free in {existing}; nothing was copied")


def _remove(made: list[Path]) -> None:
    """Remove what a failed copy created: its files, then its folders, deepest first (if left empty)."""
    for path in sorted(dict.fromkeys(made), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()


def _example(path: Path, specs: SpecSource) -> Example:
    try:
        workflow, _ = read_workflow(path, specs)
    except WorkflowFileError:
        return Example(path.stem, "(this example cannot be read)", path, ())
    note = next((a.text for a in workflow.annotations.values() if a.kind == "text"), "")
    root = resource().resolve()
    data: list[Path] = []
    for node in workflow.nodes.values():
        spec = workflow.specs.get(node.type)
        for setting in spec.settings if spec else ():
            value = node.settings.get(setting.name)
            if setting.kind == "path" and isinstance(value, str) and value:
                resolved = resolve_path(value, str(path.parent)).resolve()
                if resolved.is_relative_to(root) and resolved.exists():
                    data.append(resolved)
    return Example(path.stem, one_line(note), path, tuple(dict.fromkeys(data)))


def _files(paths: tuple[Path, ...]) -> list[Path]:
    """The regular files named, and those below the folders named."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return found
