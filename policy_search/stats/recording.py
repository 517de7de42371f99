"""Recording what citizens search for: each search, and each click on one of its results.

A search is recorded as the query as understood (normalised: NFKC, lower case, simplified
characters, spaces collapsed), its filters, the number of results, how long it took, the
page of results and its size, and where it came from: the search page (`page`), the widget
on a portal (`widget`, with the portal's origin, which the browser names in `Origin`) or
another client of the API (`api`). Each search gets a random id (`search_id`, answered
with the results): a click on a result sends it back with the document's id and its
position (1-based across pages), which ties the click to its search, and so to its query,
without anything that follows a person from one search to the next. Nothing that
identifies a person is read or kept: no address, no cookie, no user agent.

Recording costs a search a list append: the rows are written to a small SQLite file
(`Settings.stats_file`) by a short-lived thread a second later, many at a time, and rows
(searches and clicks) older than `Settings.stats_retention_days` are removed as it writes.
A file that cannot be written loses those rows (said in the log), never a search.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analyzers.query import normalize_query

logger = logging.getLogger(__name__)

# Seconds between a search and the write of its row (with the others of that second).
FLUSH_SECONDS = 1.0
# Rows waiting to be written at most (a store of searches that cannot keep up drops the rest).
MAX_PENDING = 10_000
# How often old rows are looked for, at most.
PURGE_SECONDS = 3600.0

# A search's id: 16 random bytes in hex, made for that search alone.
SEARCH_ID_PATTERN = r"^[0-9a-f]{32}$"

TABLES = """
CREATE TABLE IF NOT EXISTS searches (
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    results INTEGER NOT NULL,
    took_ms INTEGER NOT NULL,
    page INTEGER NOT NULL,
    source TEXT NOT NULL,
    origin TEXT,
    search_id TEXT,
    size INTEGER
);
CREATE TABLE IF NOT EXISTS clicks (
    at TEXT NOT NULL,
    search_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    source TEXT NOT NULL
);
"""
# Columns added since the first files were written (those files gain them when opened).
ADDED_COLUMNS = {"searches": (("search_id", "TEXT"), ("size", "INTEGER"))}
INDEXES = """
CREATE INDEX IF NOT EXISTS searches_by_time ON searches (at);
CREATE INDEX IF NOT EXISTS searches_by_query ON searches (query, at);
CREATE INDEX IF NOT EXISTS searches_by_id ON searches (search_id);
CREATE INDEX IF NOT EXISTS clicks_by_time ON clicks (at);
CREATE INDEX IF NOT EXISTS clicks_by_search ON clicks (search_id);
"""
SEARCH_COLUMNS = "at, query, filters, results, took_ms, page, source, origin, search_id, size"
CLICK_COLUMNS = "at, search_id, doc_id, position, source"


# What a citizen may paste into a search box that names a person: an e-mail address, a run
# of 8 or more digits (an ID card, a phone or account number; document numbers such as
# 〔2020〕7号 are shorter). Recorded masked.
PERSONAL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d{8,}[\dx]?", re.IGNORECASE)


def normalised(query: str) -> str:
    """A query as recorded: normalised, spaces collapsed, what could name a person masked."""
    collapsed = re.sub(r"\s+", " ", normalize_query(query)).strip()
    return PERSONAL.sub(lambda found: "#" * len(found[0]), collapsed)


def new_search_id() -> str:
    return secrets.token_hex(16)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def since(days: int) -> str:
    """The time `days` days ago, as the rows hold times."""
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def _prepare(connection: sqlite3.Connection) -> None:
    """The tables, the columns added since a file was made, and the indexes."""
    connection.executescript(TABLES)
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in present:
                try:
                    connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as error:  # another server process added it meanwhile
                    if "duplicate column" not in str(error):
                        raise
    connection.executescript(INDEXES)


class StatsUnavailable(Exception):
    """The statistics file cannot be read; the message names it."""


class SearchStats:
    """The searches and clicks of one service process, written to `path` in the background."""

    def __init__(self, path: str | Path, retention_days: int = 180) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self._searches: list[tuple] = []
        self._clicks: list[tuple] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._flusher: threading.Timer | None = None
        self._purged_at = 0.0

    def record(self, query: str, filters: dict[str, object], results: int, took_ms: int, page: int,
               source: str, origin: str | None = None, size: int | None = None) -> str:
        """Note one search, written a second later with the others; its id, for its clicks."""
        search_id = new_search_id()
        row = (_now(), normalised(query), json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str),
               results, took_ms, page, source, origin, search_id, size)
        self._note(self._searches, row)
        return search_id

    def record_click(self, search_id: str, doc_id: str, position: int, source: str) -> None:
        """Note a click on the result at `position` (1-based across pages) of a search."""
        self._note(self._clicks, (_now(), search_id, doc_id, position, source))

    def _note(self, pending: list[tuple], row: tuple) -> None:
        with self._lock:
            if len(self._searches) + len(self._clicks) < MAX_PENDING:
                pending.append(row)
            if self._flusher is None:
                self._flusher = threading.Timer(FLUSH_SECONDS, self._flush_soon)
                self._flusher.daemon = True
                self._flusher.start()

    def _flush_soon(self) -> None:
        with self._lock:
            self._flusher = None
        self.flush()

    def flush(self) -> None:
        """Write the rows noted so far (and remove those past the retention)."""
        with self._lock:
            searches, clicks, self._searches, self._clicks = self._searches, self._clicks, [], []
        with self._write_lock:
            try:
                with self.connection() as connection, connection:
                    connection.executemany(f"INSERT INTO searches ({SEARCH_COLUMNS}) VALUES "
                                           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", searches)
                    connection.executemany(f"INSERT INTO clicks ({CLICK_COLUMNS}) VALUES (?, ?, ?, ?, ?)", clicks)
                    if time.monotonic() - self._purged_at > PURGE_SECONDS or not self._purged_at:
                        self._purge(connection)
                        self._purged_at = time.monotonic()
            except (OSError, sqlite3.Error) as error:
                logger.warning("search statistics: %d searches and %d clicks not recorded (%s: %s)",
                               len(searches), len(clicks), self.path, error)

    def purge(self) -> int:
        """Remove the searches and clicks older than the retention; how many rows were."""
        with self._write_lock, self.connection() as connection, connection:
            return self._purge(connection)

    def _purge(self, connection: sqlite3.Connection) -> int:
        cutoff = since(self.retention_days)
        return sum(connection.execute(f"DELETE FROM {table} WHERE at < ?", (cutoff,)).rowcount
                   for table in ("searches", "clicks"))

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection to the file (created, and its tables, where missing), closed after."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            _prepare(connection)
            yield connection
