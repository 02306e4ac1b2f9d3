"""What the shipped examples say about themselves: their title note, a title and a one-line description."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import WorkflowFileError
from ..core.workflow import NO_BLOCKS
from .resources import examples
from .workflow_file import SUFFIX, read_workflow

DESCRIPTION_LENGTH = 90
TITLE_LENGTH = 40


def example_note(path: Path) -> str:
    """The example's title note (its first text annotation); "" when there is none or it cannot be read."""
    try:
        workflow, _ = read_workflow(path, NO_BLOCKS)
    except WorkflowFileError:
        return ""
    return next((a.text for a in workflow.annotations.values() if a.kind == "text"), "")


def one_line(note: str) -> str:
    """The note's first line; a long one cut after its first sentence."""
    line = note.strip().split("\n", 1)[0].strip()
    if len(line) > DESCRIPTION_LENGTH and ". " in line:
        line = line.split(". ", 1)[0] + "."
    return line


def first_sentence(text: str) -> str:
    """The text's first line, up to the end of its first sentence."""
    line = text.strip().split("\n", 1)[0].strip()
    ends = [i + 1 for i in (line.find(". "), line.find("? "), line.find("! ")) if i >= 0]
    return line[: min(ends)] if ends else line


def title_and_description(path: Path, note: str | None = None) -> tuple[str, str]:
    """A short title (the note's first line when short, else from the file name) and the line after it."""
    note = example_note(path) if note is None else note
    first, _, rest = note.strip().partition("\n")
    first = first.strip()
    if first and len(first) <= TITLE_LENGTH:
        return first, first_sentence(rest)
    title = path.stem.replace("_", " ").replace("-", " ").capitalize()
    description = first_sentence(note)
    if description.lower().startswith(title.lower() + ":"):
        description = description[len(title) + 1:].strip()
    return title, description


def example_named(name: str) -> Path | None:
    """The installed example called `name` ("documents-map", or "documents-map.embedflow"), if there is one."""
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    return next((path for path in examples() if path.stem == stem), None)


def workflow_argument(argument: str) -> Path:
    """The workflow a command line names: the file at `argument` (it wins), else the installed example of that name.

    Raises WorkflowFileError saying what exists: the examples, or where to find them."""
    path = Path(argument)
    if path.exists():
        return path
    example = example_named(argument)
    if example is not None:
        return example
    names = ", ".join(p.stem for p in examples())
    if path.suffix or len(path.parts) > 1:
        raise WorkflowFileError(f"{argument}: no such file. `embedflow examples` lists the installed examples, "
                                f"which open by name: {names}.")
    raise WorkflowFileError(f"{argument}: no such file, and no installed example has that name. The examples "
                            f"(`embedflow examples` describes them): {names}.")
