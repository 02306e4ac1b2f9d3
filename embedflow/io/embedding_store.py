"""A persistent store of embeddings keyed by (model key, sha256 of the input), in SQLite.

One store per kind of input (`store_path("images")`, `store_path("texts")`), shared by every process
(WAL mode; a kill -9 loses at most the rows not yet committed). Appends are cheap (one row per input,
no rewriting of the whole store), it survives restarts, least-recently-used rows are dropped beyond a
size cap, and a corrupt file is replaced by an empty store instead of failing the run.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .user_dirs import cache_dir

DEFAULT_MAX_BYTES = 1 << 30
STORES = ("images", "texts")
SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    digest TEXT NOT NULL,
    vector BLOB NOT NULL,
    used REAL NOT NULL,
    PRIMARY KEY (model, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
"""


def store_path(kind: str) -> Path:
    """The file of the store for one kind of input ("images", "texts") in embedflow's cache folder."""
    return cache_dir("embeddings") / f"{kind}.sqlite"


def clear_stores() -> dict[str, int]:
    """Delete every store's file (with its WAL); the bytes each held, by kind (0 when it did not exist)."""
    freed = {}
    for kind in STORES:
        path = store_path(kind)
        freed[kind] = 0
        for suffix in ("", "-wal", "-shm", "-journal"):
            part = Path(str(path) + suffix)
            with contextlib.suppress(FileNotFoundError):
                freed[kind] += part.stat().st_size
                part.unlink()
    return freed


class EmbeddingCache:
    """Float32 vectors by (model key, content digest); safe to share between threads and processes."""

    def __init__(self, path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 busy_timeout: float = 10.0) -> None:
        """Open (or create) the store; raises sqlite3.OperationalError when it cannot be opened at all."""
        self.path = Path(path) if path else store_path("images")
        self.max_bytes = max_bytes
        self.busy_timeout = busy_timeout
        self.rebuilt = False
        self.write_error: str | None = None  # why the last failed write was not kept (read-only, disk full)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                db = self._connect()
                db.execute("SELECT count(*) FROM vectors").fetchone()
                return db
            except sqlite3.OperationalError as exc:
                # Switching a new store to WAL does not wait for another connection creating it at the
                # same moment (two branches' first run): try again until the busy timeout, then give up.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise  # read-only, unreachable, or locked for long: not a reason to delete anything
                time.sleep(0.05)
            except sqlite3.DatabaseError:
                return self._rebuild()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=self.busy_timeout)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        return db

    def _rebuild(self) -> sqlite3.Connection:
        """Replace a corrupt store with an empty one (the cache only ever saves time)."""
        with contextlib.suppress(Exception):
            self._db.close()  # type: ignore[union-attr]
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(self.path) + suffix).unlink()
        self.rebuilt = True
        self._db = self._connect()
        return self._db

    def get_many(self, model: str, digests: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `digests` (missing ones are left out)."""
        wanted = list(dict.fromkeys(digests))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            if self._db is None:
                return found
            try:
                for start in range(0, len(wanted), 500):
                    part = wanted[start:start + 500]
                    marks = ",".join("?" * len(part))
                    rows = self._db.execute(
                        f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                        [model, *part]).fetchall()
                    found.update((d, np.frombuffer(v, dtype=np.float32).copy()) for d, v in rows)
                if found:
                    self._db.executemany("UPDATE vectors SET used = ? WHERE model = ? AND digest = ?",
                                         [(time.time(), model, d) for d in found])
                    self._db.commit()
            except sqlite3.OperationalError:
                return {}  # busy with another process: this lookup misses
            except sqlite3.DatabaseError:
                self._recover()
                return {}
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors (replacing older ones for the same key) and enforce the size cap."""
        now = time.time()
        rows = [(model, d, np.asarray(v, np.float32).tobytes(), now) for d, v in items]
        if not rows:
            return
        with self._lock:
            if self._db is None:
                return
            try:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                self._db.commit()
                self._enforce_cap()
            except sqlite3.OperationalError as exc:
                self.write_error = str(exc)
                with contextlib.suppress(sqlite3.Error):
                    self._db.rollback()  # busy, read-only or disk full: these vectors are simply not kept
            except sqlite3.DatabaseError:
                self._recover()

    def _recover(self) -> None:
        """After corruption is found mid-run: rebuild, or stop using the cache if even that fails."""
        try:
            self._rebuild()
        except (sqlite3.Error, OSError):
            self._db = None

    def size_bytes(self) -> int:
        """Bytes of live data in the store."""
        with self._lock:
            return self._live_bytes() if self._db is not None else 0

    def __len__(self) -> int:
        with self._lock:
            if self._db is None:
                return 0
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._db is not None:
                self._db.close()

    def _live_bytes(self) -> int:
        assert self._db is not None
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * page_size)

    def _enforce_cap(self) -> None:
        """Drop the least recently used quarter of the rows until the store fits the cap."""
        assert self._db is not None
        while self._live_bytes() > self.max_bytes:
            count = self._db.execute("SELECT count(*) FROM vectors").fetchone()[0]
            if count == 0:
                return
            self._db.execute(
                "DELETE FROM vectors WHERE (model, digest) IN "
                "(SELECT model, digest FROM vectors ORDER BY used LIMIT ?)",
                (max(1, count // 4),))
            self._db.commit()
