"""The `embedflow` command: the canvas, or headless `run`, `validate`, `serve` and `models`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

from .. import __version__
from ..core.context import NodeEvent
from ..core.diagnostics import Diagnostic, has_errors
from ..core.errors import EmbedflowError
from ..core.workflow import Workflow
from ..engine import Engine
from ..io.atomic import write_frame_csv
from ..io.workflow_file import read_workflow
from ..registry import default_registry
from ..validation import validate

SUBCOMMANDS = ("run", "validate", "serve", "models")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # A name from a file or the command line may hold characters the terminal cannot show.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if argv and argv[0] in SUBCOMMANDS:
        parser = _subcommand_parser(argv[0])
        args = parser.parse_args(argv[1:])
        try:
            return int(args.handler(args))
        except EmbedflowError as exc:
            print(f"embedflow {argv[0]}: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("embedflow: interrupted", file=sys.stderr)
            return 130
    parser = argparse.ArgumentParser(
        prog="embedflow",
        description="A visual-programming canvas for embeddings. Commands: run, validate, serve, models "
                    "(see `embedflow COMMAND --help`).")
    parser.add_argument("--version", action="version", version=f"embedflow {__version__}")
    parser.add_argument("file", nargs="?", help="a workflow (.embedflow) to open in the canvas")
    args = parser.parse_args(argv)
    from embedflow_canvas.app import main as gui_main

    return gui_main(args.file)


def _subcommand_parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"embedflow {name}")
    if name == "run":
        parser.description = "Validate a workflow, then run it headless and write its outputs."
        parser.add_argument("file", help="the workflow file (.embedflow)")
        parser.add_argument("--out", default=None,
                            help="folder for the outputs (default: <workflow name>-out in the current folder)")
        parser.set_defaults(handler=run_command)
    elif name == "validate":
        parser.description = "Print the workflow's diagnostics; exit 1 on any error."
        parser.add_argument("file", help="the workflow file (.embedflow)")
        parser.set_defaults(handler=validate_command)
    elif name == "serve":
        from .. import server

        parser.description = "Run the image embedding server."
        server.add_arguments(parser)
        parser.set_defaults(handler=server.main)
    else:
        from . import models as models_cli

        parser.description = "List language and image models; download or evaluate them."
        models_cli.add_arguments(parser)
        parser.set_defaults(handler=models_cli.main)
    return parser


def load_and_validate(path: str) -> tuple[Workflow, list[Diagnostic], str]:
    """Read a workflow file and validate it; returns (workflow, diagnostics, base dir)."""
    workflow, file_diagnostics = read_workflow(path)
    base_dir = str(Path(path).resolve().parent)
    return workflow, file_diagnostics + validate(workflow, base_dir), base_dir


def validate_command(args: argparse.Namespace) -> int:
    """`embedflow validate FILE`."""
    _, diagnostics, _ = load_and_validate(args.file)
    for diagnostic in diagnostics:
        print(diagnostic.line())
    if not diagnostics:
        print(f"{args.file}: no problems found")
    return 1 if has_errors(diagnostics) else 0


def run_command(args: argparse.Namespace) -> int:
    """`embedflow run FILE [--out DIR]`."""
    workflow, diagnostics, base_dir = load_and_validate(args.file)
    for diagnostic in diagnostics:
        print(diagnostic.line(), file=sys.stderr)
    if has_errors(diagnostics):
        print(f"embedflow run: {args.file} has errors; nothing was run.", file=sys.stderr)
        return 1
    out_dir = _output_folder(Path(args.out or f"{Path(args.file).stem}-out"))
    titles = {node.id: node.title for node in workflow.nodes.values()}
    reporter = _ProgressPrinter(titles)
    results = Engine(workflow, base_dir).run(on_event=reporter)
    failed = False
    for node_id, result in results.items():
        name = f"{node_id} ({titles[node_id]})"
        for message in result.messages:
            if message.severity != "error":
                print(message.line(), file=sys.stderr)
        if result.state != "done":
            failed = True
            hints = [m.hint for m in result.messages if m.severity == "error" and m.message == result.error and m.hint]
            print(f"{name}: {result.state}: {result.error}" + (f" Hint: {hints[0]}" if hints else ""), file=sys.stderr)
            continue
        written: list[str] = []
        try:
            for port, value in result.outputs.items():
                if hasattr(value, "to_frame"):
                    target = out_dir / f"{node_id}-{port}.csv"
                    write_frame_csv(value.to_frame(), target)
                    written.append(str(target))
            spec = default_registry().get(workflow.nodes[node_id].type)
            if spec is not None and spec.export is not None:
                written.extend(spec.export(result.outputs, result.view, str(out_dir), node_id))
        except OSError as exc:  # disk full, no permission: say which node's outputs are missing
            failed = True
            print(f"{name}: its outputs could not be written to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
            continue
        print(f"{name}: {result.summary}" + (f" -> {', '.join(written)}" if written else ""),
              file=sys.stderr)
    return 1 if failed else 0


def _output_folder(path: Path) -> Path:
    """The --out folder, created if needed; a clear error when it cannot be."""
    if path.exists() and not path.is_dir():
        raise EmbedflowError(f"cannot write the outputs to {path}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmbedflowError(f"cannot create the output folder {path}: {exc.strerror or exc}") from None
    return path


class _ProgressPrinter:
    """Prints node states and, at most twice a second per node, progress to stderr."""

    def __init__(self, titles: dict[str, str]) -> None:
        self.titles = titles
        self.last: dict[str, float] = {}

    def __call__(self, event: NodeEvent) -> None:
        name = f"{event.node_id} ({self.titles.get(event.node_id, '?')})"
        if event.state == "running" and event.fraction is not None:
            if event.fraction == 0.0 and not event.message:
                return
            now = time.monotonic()
            if now - self.last.get(event.node_id, 0.0) < 0.5 and event.fraction not in (0.0, 1.0):
                return
            self.last[event.node_id] = now
            print(f"{name}: {event.fraction:4.0%} {event.message}".rstrip(), file=sys.stderr)
