"""The `embedflow` command: the canvas, or headless `run`, `validate`, `serve`, `models`, `examples`, `blocks`."""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path

from .. import __version__
from ..core.context import NodeEvent, NodeState
from ..core.diagnostics import Diagnostic, Severity, has_errors
from ..core.errors import EmbedflowError
from ..core.sizes import format_size
from ..core.specs import ExportFunction
from ..core.workflow import Workflow
from ..engine import Engine, NodeResult
from ..engine.executors import Executor
from ..engine.partitions import Partitioned
from ..groups import FlatGroup, flatten
from ..io.examples import workflow_argument
from ..io.outputs import FORMATS, entry_node, is_writable, output_path, select_outputs, write_output
from ..io.workflow_file import read_workflow
from ..registry import Registry, default_registry
from ..validation import UNTRUSTED_PATH, validate

SUBCOMMANDS = ("run", "validate", "serve", "models", "examples", "blocks")
# Where `embedflow run` runs when neither --scheduler nor --cluster is given (tcp://HOST:PORT or local[:N]).
SCHEDULER_ENV = "EMBEDFLOW_SCHEDULER"
# The canvas plugs in through this entry-point group (pyproject.toml): embedflow imports no Qt.
CANVAS_GROUP = "embedflow.canvas"


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
        description="A visual-programming canvas for embeddings. "
                    "Commands: run, validate, serve, models, examples, blocks (see `embedflow COMMAND --help`).")
    parser.add_argument("--version", action="version", version=f"embedflow {__version__}")
    parser.add_argument("file", nargs="?", help="a workflow (.embedflow) to open in the canvas, or an installed "
                                                "example's name (`embedflow examples` lists them)")
    args = parser.parse_args(argv)
    try:
        path = str(workflow_argument(args.file)) if args.file else None
        canvas_main = load_canvas()
    except EmbedflowError as exc:
        print(f"embedflow: {exc}", file=sys.stderr)
        return 1
    return int(canvas_main(path))


def load_canvas(group: str = CANVAS_GROUP) -> Callable[[str | None], int]:
    """The canvas's `main(path)` found through the entry-point `group`; EmbedflowError when it cannot start."""
    found = sorted(entry_points(group=group), key=lambda point: point.name)
    if not found:
        raise EmbedflowError("the canvas is not installed (no entry point in the group "
                             f"{group!r}); reinstall embedflow, or run a workflow headless with "
                             "`embedflow run FILE --out DIR`")
    try:
        canvas_main: Callable[[str | None], int] = found[0].load()
    except ImportError as exc:
        raise EmbedflowError(f"the canvas cannot start: {exc}. Install its dependencies (PyQt5, pyqtgraph), "
                             "or run a workflow headless with `embedflow run FILE --out DIR`") from None
    return canvas_main


def _subcommand_parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"embedflow {name}")
    if name == "run":
        parser.description = "Validate a workflow, then run it headless and write its outputs."
        parser.add_argument("file", help="the workflow file (.embedflow), or an installed example's name")
        parser.add_argument("--out", default=None,
                            help="folder for the outputs (default: <workflow name>-out in the current folder)")
        parser.add_argument("--format", choices=FORMATS, default="csv",
                            help="csv (default) or parquet: OUT/<node>-<port>.csv or .parquet, "
                                 "vectors as dim_* columns")
        parser.add_argument("--outputs", default="all", metavar="all|final|NODE[.PORT],...",
                            help="what to write: all (default: every output port), final (the outputs no block "
                                 "consumes, plus Scatter pictures), or a list such as n3,n5.neighbours")
        parser.add_argument("--strict-paths", action="store_true",
                            help="refuse to run when a block reads data outside the workflow's folder and its "
                                 "parent's, the examples and the folders you picked (untrusted-path)")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                           help="run on the Dask cluster of this scheduler (needs the dask extra); "
                                f"also set by {SCHEDULER_ENV}")
        where.add_argument("--cluster", metavar="local[:N]", default=None,
                           help="start a local Dask cluster of N worker processes (default: one per core) "
                                "for this run")
        parser.set_defaults(handler=run_command)
    elif name == "validate":
        parser.description = "Print the workflow's diagnostics; exit 1 on any error."
        parser.add_argument("file", help="the workflow file (.embedflow), or an installed example's name")
        parser.set_defaults(handler=validate_command)
    elif name == "serve":
        from .. import server

        parser.description = "Run the image embedding server."
        server.add_arguments(parser)
        parser.set_defaults(handler=server.main)
    elif name == "examples":
        from . import examples

        parser.description = "List the installed example workflows, or copy them with their sample data."
        examples.add_arguments(parser)
        parser.set_defaults(handler=examples.main)
    elif name == "blocks":
        from . import blocks

        parser.description = "List every block type and where it comes from (built-in or add-on)."
        parser.set_defaults(handler=blocks.main)
    else:
        from . import models as models_cli

        parser.description = "List language and image models; download or evaluate them."
        models_cli.add_arguments(parser)
        parser.set_defaults(handler=models_cli.main)
    return parser


def load_and_validate(argument: str, registry: Registry) -> tuple[Workflow, list[Diagnostic], str]:
    """Read a workflow file (or the installed example of that name) with the blocks of `registry` and validate it.

    Returns (workflow, diagnostics, base dir)."""
    path = workflow_argument(argument)
    workflow, file_diagnostics = read_workflow(path, registry)
    base_dir = str(Path(path).resolve().parent)
    return workflow, file_diagnostics + validate(workflow, base_dir), base_dir


def validate_command(args: argparse.Namespace) -> int:
    """`embedflow validate FILE`."""
    _, diagnostics, _ = load_and_validate(args.file, default_registry())
    for diagnostic in diagnostics:
        print(diagnostic.line())
    if not diagnostics:
        print(f"{args.file}: no problems found")
    return 1 if has_errors(diagnostics) else 0


def run_command(args: argparse.Namespace) -> int:
    """`embedflow run FILE [--out DIR]`."""
    workflow, diagnostics, base_dir = load_and_validate(args.file, default_registry())
    if not _may_run(args, diagnostics):
        return 1
    out_dir = _output_folder(Path(args.out or f"{Path(args.file).stem}-out"))
    flattened = flatten(workflow)
    flat = flattened.workflow
    declared = _declared_outputs(workflow, flat, inner=args.outputs.strip() != "final")
    wanted = select_outputs([(link.source, link.source_port) for link in workflow.links.values()],
                            declared, args.outputs)
    exporting = _exporting_nodes(args.outputs, declared)
    titles = {node.id: node.title for node in [*flat.nodes.values(), *workflow.nodes.values()]}
    reporter = _ProgressPrinter(titles)
    address = args.cluster or args.scheduler or os.environ.get(SCHEDULER_ENV, "").strip()
    if address and args.format == "csv":
        raise EmbedflowError("on a Dask cluster the workers write each output in parts; use --format parquet "
                             "(OUT/<node>-<port>.parquet becomes a folder that pandas.read_parquet reads whole)")

    def write_node(node_id: str, result: NodeResult) -> list[str]:
        return _write_node(args.format, flat, node_id, result, out_dir, wanted, exporting,
                           _workflow_name(Path(args.file).stem, flattened.groups, node_id))

    with _executor(address) as executor:
        engine = Engine(workflow, base_dir, executor=executor)
        writes: dict[str, Future[list[str]]] = {}
        # Locally a node's files are written on their own thread as soon as it is done, while the nodes
        # after it compute: Arrow formats and compresses without holding the GIL, so the disk work
        # overlaps. On a cluster the workers write the parts once the run is over.
        writer = ThreadPoolExecutor(1, thread_name_prefix="embedflow-write")
        try:
            def on_event(event: NodeEvent) -> None:
                reporter(event)
                if executor is None and event.state == NodeState.DONE and event.node_id not in writes:
                    writes[event.node_id] = writer.submit(write_node, event.node_id, engine.results[event.node_id])

            results = _run_until_interrupted(engine, on_event)
            return _report_results(results, titles, out_dir,
                                   lambda node_id, result: (writes[node_id].result() if node_id in writes
                                                            else write_node(node_id, result)))
        finally:  # on Ctrl-C the file being written is finished (atomically), the queued ones are not
            writer.shutdown(cancel_futures=True)


def _may_run(args: argparse.Namespace, diagnostics: list[Diagnostic]) -> bool:
    """Print the diagnostics; False (saying why) when errors or, with --strict-paths, untrusted paths stop the run."""
    for diagnostic in diagnostics:
        print(diagnostic.line(), file=sys.stderr)
    if has_errors(diagnostics):
        print(f"embedflow run: {args.file} has errors; nothing was run.", file=sys.stderr)
        return False
    if args.strict_paths and any(d.code == UNTRUSTED_PATH for d in diagnostics):
        print(f"embedflow run: --strict-paths refuses the data paths of {args.file} named above (outside the "
              "workflow's folder and its parent's, the examples and the folders you picked); nothing was run.",
              file=sys.stderr)
        return False
    return True


def _declared_outputs(workflow: Workflow, flat: Workflow, inner: bool) -> dict[str, list[str]]:
    """Each block's output port names; with `inner`, the blocks inside groups too, under their paths (g1/m)."""
    declared = {nid: [p.name for p in spec.outputs] if (spec := workflow.spec_of(node)) else []
                for nid, node in workflow.nodes.items()}
    if inner:
        declared.update({nid: [p.name for p in spec.outputs] if (spec := flat.spec_of(node)) else []
                         for nid, node in flat.nodes.items() if nid not in declared})
    return declared


def _run_until_interrupted(engine: Engine, on_event: Callable[[NodeEvent], None]) -> dict[str, NodeResult]:
    """Run on the engine's thread; Ctrl+C cancels the running blocks and waits for them to stop."""
    handle = engine.start(on_event=on_event)
    try:
        handle.wait()
    except KeyboardInterrupt:
        print("embedflow run: interrupted; stopping the running blocks (Ctrl+C again to quit at once)",
              file=sys.stderr)
        handle.cancel()
        handle.wait()
        raise
    return handle.results


@contextlib.contextmanager
def _executor(address: str) -> Iterator[Executor | None]:
    """The Dask executor for a scheduler address or local[:N], kept open while outputs are written; else None."""
    if not address:
        yield None
        return
    try:
        from ..engine.dask_executor import DaskExecutor
    except ImportError as exc:
        raise EmbedflowError(f"running on a Dask cluster needs dask.distributed ({exc}); "
                             'install it with pip install "embedflow[dask]"') from None
    print(f"embedflow run: connecting to {address}", file=sys.stderr)
    executor = DaskExecutor.connect(address)
    try:
        print(f"embedflow run: {executor.workers} Dask workers at {executor.address} "
              f"(dashboard: {executor.client.dashboard_link})", file=sys.stderr)
        yield executor
    finally:
        executor.close()


def _write_node(fmt: str, workflow: Workflow, node_id: str, result: NodeResult, out_dir: Path,
                wanted: set[tuple[str, str]], exporting: set[str], workflow_name: str) -> list[str]:
    """Write one finished node's chosen outputs (and its extra files, titled `workflow_name`); what was written."""
    written: list[str] = []
    for port, value in result.outputs.items():
        if (node_id, port) not in wanted:
            continue
        target = output_path(out_dir, node_id, port, fmt)  # type: ignore[arg-type]
        target.parent.mkdir(parents=True, exist_ok=True)  # a block inside a group: DIR/g1/m-port.csv
        if isinstance(value, Partitioned):
            size = value.write(target, fmt)
            parts = f"{len(value.parts):,} part" + ("" if len(value.parts) == 1 else "s")
            written.append(f"{target.name} ({format_size(size)} in {parts})")
        elif is_writable(value):
            written.append(write_output(value, target, fmt).describe())  # type: ignore[arg-type]
    spec = workflow.specs.get(workflow.nodes[node_id].type) if node_id in workflow.nodes else None  # a group: none
    if spec is not None and spec.export is not None and node_id in exporting:
        (out_dir / node_id).parent.mkdir(parents=True, exist_ok=True)
        named = {"workflow": workflow_name} if _takes_workflow(spec.export) else {}
        for path in spec.export(result.outputs, result.view, str(out_dir), node_id, **named):
            written.append(_described(Path(path), out_dir))
    return written


def _workflow_name(stem: str, groups: dict[str, FlatGroup], node_id: str) -> str:
    """The workflow's name as a block's exports show it: the file's stem, then the groups the block sits in."""
    steps = node_id.split("/")[:-1]
    return " › ".join([stem, *(groups["/".join(steps[:i + 1])].title for i in range(len(steps)))])


def _takes_workflow(export: ExportFunction) -> bool:
    """True when an export accepts the `workflow` keyword (add-ons written before it do not)."""
    try:
        parameters = inspect.signature(export).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "workflow" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) or p.kind == p.VAR_KEYWORD
               for p in parameters)


def _report_results(results: dict[str, NodeResult], titles: dict[str, str], out_dir: Path,
                    written_by: Callable[[str, NodeResult], list[str]]) -> int:
    """Report every node's result and what was written for it; the exit code."""
    failed = False
    for node_id, result in results.items():
        name = f"{node_id} ({titles[node_id]})"
        for message in result.messages:
            if message.severity != Severity.ERROR:
                print(message.line(), file=sys.stderr)
        if result.state != NodeState.DONE:
            failed = True
            errors = [m for m in result.messages if m.severity == Severity.ERROR and m.message == result.error]
            cause = result.diagnostic or (errors[0] if errors else None)
            hint = f" Hint: {cause.hint}" if cause is not None and cause.hint else ""
            print(f"{name}: {result.state}: {result.error}{hint}", file=sys.stderr)
            continue
        try:
            written = written_by(node_id, result)
        except OSError as exc:  # disk full, no permission: say which node's outputs are missing
            failed = True
            print(f"{name}: its outputs could not be written to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
            continue
        print(f"{name}: {result.summary}" + (f" -> wrote {', '.join(written)}" if written else ""),
              file=sys.stderr)
    return 1 if failed else 0


def _exporting_nodes(spec: str, declared: dict[str, list[str]]) -> set[str]:
    """Nodes whose extra files (the Scatter's picture) are written: all for all/final, else the named ones."""
    if spec.strip() in ("all", "final"):
        return set(declared)
    return {entry_node(entry.strip(), declared) for entry in spec.split(",") if entry.strip()}


def _described(path: Path, out_dir: Path) -> str:
    """`path` as found under `out_dir` (n5.png, n5-projector/vectors.tsv) with its size."""
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    try:
        shown = path.relative_to(out_dir).as_posix()
    except ValueError:  # an export that wrote elsewhere: its whole path
        shown = str(path)
    return f"{shown} ({format_size(size)})"


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
        if event.state == NodeState.RUNNING and event.fraction is not None:
            if event.fraction == 0.0 and not event.message:
                return
            now = time.monotonic()
            if now - self.last.get(event.node_id, 0.0) < 0.5 and event.fraction not in (0.0, 1.0):
                return
            self.last[event.node_id] = now
            print(f"{name}: {event.fraction:4.0%} {event.message}".rstrip(), file=sys.stderr)
