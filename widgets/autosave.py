"""Autosave to a recovery file in the config folder, and finding what a crashed session left."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from embedflow.core.workflow import Workflow
from embedflow.io.atomic import atomic_write
from embedflow.io.user_dirs import config_dir
from embedflow.io.workflow_file import dumps

INTERVAL_MS = 30_000


@dataclass
class Recovery:
    """A recovery file left by a session that did not close normally."""

    workflow_path: Path
    original: str | None  # the file the user was editing, if it had been saved
    base_dir: str | None
    saved_at: float

    def discard(self) -> None:
        """Delete the recovery file and its notes."""
        for path in (self.workflow_path, self.workflow_path.with_suffix(".json")):
            path.unlink(missing_ok=True)


class Autosaver:
    """Writes this session's recovery file; removes it on a normal close."""

    def __init__(self) -> None:
        self.folder = config_dir("recovery")
        name = f"session-{uuid.uuid4().hex[:12]}"
        self.workflow_path = self.folder / f"{name}.embedflow"
        self.notes_path = self.folder / f"{name}.json"

    def save(self, workflow: Workflow, original: str | None, base_dir: str | None) -> None:
        """Write the recovery file atomically (paths stay as stored: relative to `base_dir`)."""
        with atomic_write(self.workflow_path, "w", newline="\n") as handle:
            handle.write(dumps(workflow))
        notes = {"original": original, "base_dir": base_dir, "saved_at": time.time(), "pid": os.getpid()}
        with atomic_write(self.notes_path, "w") as handle:
            json.dump(notes, handle)

    def clear(self) -> None:
        """Nothing to recover: the work is saved or deliberately discarded."""
        for path in (self.workflow_path, self.notes_path):
            path.unlink(missing_ok=True)


def find_recoveries() -> list[Recovery]:
    """Recovery files of sessions that are no longer running, newest first."""
    found = []
    for notes_path in config_dir("recovery").glob("session-*.json"):
        workflow_path = notes_path.with_suffix(".embedflow")
        try:
            notes = json.loads(notes_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not workflow_path.exists() or _alive(notes.get("pid")):
            continue
        found.append(Recovery(workflow_path, notes.get("original"), notes.get("base_dir"),
                              float(notes.get("saved_at", 0))))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def _alive(pid: object) -> bool:
    """True when `pid` is another running process (its session may still be open)."""
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
