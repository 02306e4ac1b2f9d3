"""A full disk, simulated portably: a process whose files cannot grow past a size (RLIMIT_FSIZE).

Writes past the limit fail with EFBIG ("File too large") as they would with ENOSPC on a full disk;
SIGXFSZ, which would kill the process instead, is ignored. Child processes (Dask workers) inherit both.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys


def run_on_a_full_disk(args: list[str], file_limit: int, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python -m embedflow ARGS` in a process whose files stop at `file_limit` bytes."""
    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "embedflow", *args], check=False, preexec_fn=limit_files,
                          capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
