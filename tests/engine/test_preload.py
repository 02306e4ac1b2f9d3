"""Blocks name the packages their run imports; the engine imports them one block at a time."""

from __future__ import annotations

import subprocess
import sys

from embedflow.registry import default_registry

SCRIPT = """
import sys, threading
from embedflow.engine import runner
from embedflow.registry import default_registry
specs = [default_registry().get(t) for t in ("clustering", "classifier")]
inside = []
lock = runner._PRELOAD_LOCK
class Watch:
    def __enter__(self):
        lock.acquire(); inside.append(threading.get_ident()); return self
    def __exit__(self, *exc):
        lock.release()
runner._PRELOAD_LOCK = Watch()
threads = [threading.Thread(target=runner._preload, args=(spec,)) for spec in specs]
for t in threads: t.start()
for t in threads: t.join()
print(len(inside) >= 1, all(name in sys.modules for spec in specs for name in spec.execution.preload))
"""


def test_the_analysis_blocks_name_scikit_learn_as_what_they_import():
    for type_name in ("clustering", "classifier"):
        assert any(name.startswith("sklearn") for name in default_registry().get(type_name).execution.preload)


def test_preloading_two_blocks_from_two_threads_imports_everything_under_one_lock():
    # A fresh interpreter: scikit-learn is not imported yet, as in a first run on the canvas.
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # The first thread imports under the lock; the second either waits for it or finds all imported.
    assert result.stdout.split() == ["True", "True"]
