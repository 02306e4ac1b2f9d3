"""The layers hold: canvas and CLI on top, the model at the bottom, no Qt in embedflow, blocks apart.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks them on the
import graph of the source (every import statement, also inside functions and TYPE_CHECKING
blocks), which a run-time check of sys.modules could not see. What a fresh `Workflow()` loads at
run time is checked separately, in a clean interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))")
HEAVY = ("pandas", "PIL", "onnxruntime", "PyQt5", "pyqtgraph")


def test_import_contracts_are_kept():
    done = subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "0 broken" in done.stdout and done.returncode == 0, done.stdout + done.stderr
    assert "Layers: the faces" in done.stdout  # the layers of docs/architecture.md, canvas included


def test_a_first_workflow_loads_no_pandas_pil_onnxruntime_or_qt():
    probe = ("import sys\n"
             "from embedflow.core.workflow import Workflow\n"
             "workflow = Workflow()\n"
             "workflow.add_node('input', node_id='n1')\n"
             f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
