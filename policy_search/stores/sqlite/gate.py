"""The gate every writer of an index file passes, which a rebuild closes while it puts its
new file in place.

A rebuild renames a new file over the serving one. A write committed to the serving file
after the rebuild's last look at it, and before the rename, would be in the old file only
and lost with it; so would a write whose connection opened the old file a moment before.
SQLite's own write lock cannot keep those out: it lives in the old file's shared-memory
file, which the rebuild removes before the rename. So writers hold a shared `flock` on a
file of its own beside the database (`<name>-gate`) for each transaction, and the rebuild
holds it exclusively from its last catch-up to the rename: a writer then waits, and
writes to the new file once the rename is done (its connection reopens: `_reopen_if_replaced`).
A `flock` is released by the system when its process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policy_search.stores.base import StoreUnavailable

# How long a writer waits for a rebuild to put its file in place (the last catch-up and
# the checkpoints: seconds on a large index), as long as SQLite waits for its write lock.
WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.02


def gate_path(database: Path) -> Path:
    return database.with_name(database.name + "-gate")


class WriteGate:
    def __init__(self, database: Path) -> None:
        self.path = gate_path(database)
        self._closed_here = threading.local()  # the thread that holds it closed passes

    @contextmanager
    def passing(self) -> Iterator[None]:
        """Held by a writer for one transaction; waits while a rebuild holds the gate closed."""
        if getattr(self._closed_here, "value", False):
            yield
            return
        with self._locked(fcntl.LOCK_SH, "the index is being replaced by a rebuilt one; try again shortly"):
            yield

    @contextmanager
    def closed(self) -> Iterator[None]:
        """Held by a rebuild while it puts its file in place: no writer of any process gets
        through until it is released. Those in a transaction are waited for: a moment
        when none is (taken by polling; under a steady stream of writes it may not come)."""
        with self._locked(fcntl.LOCK_EX, "the index is being written to without a pause; rebuild it again later"):
            self._closed_here.value = True
            try:
                yield
            finally:
                self._closed_here.value = False

    @contextmanager
    def _locked(self, kind: int, busy: str) -> Iterator[None]:
        # A file opened for each transaction: a lock on a descriptor inherited across a
        # fork (the indexer's workers) would be shared with, and released by, the parent.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # a new index's folder, as SQLite's
            handle = self.path.open("ab")
        except OSError as error:
            raise StoreUnavailable(f"cannot open {self.path} to write the index beside it ({error.strerror})",
                                   "the index file cannot be written") from error
        with handle:
            deadline = time.monotonic() + WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, kind | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreUnavailable(f"{self.path} was held for {WAIT_SECONDS:.0f} s: {busy}", busy) from None
                    time.sleep(_POLL_SECONDS)
            yield  # closing the file releases the lock
