"""What citizens search for: each search recorded, and the figures staff read from them.

A search is recorded as the query as understood (normalised: NFKC, lower case, simplified
characters, spaces collapsed), its filters, the number of results, how long it took, the
page of results, and where it came from: the search page (`page`), the widget on a portal
(`widget`, with the portal's origin, which the browser names in `Origin`) or another client
of the API (`api`). Nothing that identifies a person is read or kept: no address, no
cookie, no user agent.

Recording costs a search a list append: the rows are written to a small SQLite file
(`Settings.stats_file`) by a short-lived thread a second later, many at a time, and rows
older than `Settings.stats_retention_days` are removed as it writes. A file that cannot be
written loses those rows (said in the log), never a search.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    results INTEGER NOT NULL,
    took_ms INTEGER NOT NULL,
    page INTEGER NOT NULL,
    source TEXT NOT NULL,
    origin TEXT
);
CREATE INDEX IF NOT EXISTS searches_by_time ON searches (at);
CREATE INDEX IF NOT EXISTS searches_by_query ON searches (query, at);
"""


def normalised(query: str) -> str:
    return re.sub(r"\s+", " ", normalize_query(query)).strip()


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    results: int  # results of its latest search


@dataclass
class StatsReport:
    days: int
    searches: int = 0
    zero_result_searches: int = 0
    top: list[QueryCount] = field(default_factory=list)
    zero_results: list[QueryCount] = field(default_factory=list)
    by_source: dict[str, int] = field(default_factory=dict)


class SearchStats:
    """The searches of one service process, written to `path` in the background."""

    def __init__(self, path: str | Path, retention_days: int = 180) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._flusher: threading.Timer | None = None
        self._purged_at = 0.0

    def record(self, query: str, filters: dict[str, object], results: int, took_ms: int, page: int,
               source: str, origin: str | None = None) -> None:
        """Note one search; written a second later with the others."""
        row = (datetime.now(UTC).isoformat(timespec="seconds"), normalised(query),
               json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str), results, took_ms, page,
               source, origin)
        with self._lock:
            if len(self._pending) < MAX_PENDING:
                self._pending.append(row)
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
            rows, self._pending = self._pending, []
        with self._write_lock:
            try:
                with self._connect() as connection:
                    connection.executemany("INSERT INTO searches VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                    if time.monotonic() - self._purged_at > PURGE_SECONDS or not self._purged_at:
                        self._purge(connection)
                        self._purged_at = time.monotonic()
            except (OSError, sqlite3.Error) as error:
                logger.warning("search statistics: %d searches not recorded (%s: %s)", len(rows), self.path, error)

    def purge(self) -> int:
        """Remove the searches older than the retention; how many were."""
        with self._write_lock, self._connect() as connection:
            return self._purge(connection)

    def _purge(self, connection: sqlite3.Connection) -> int:
        cutoff = (datetime.now(UTC) - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        return connection.execute("DELETE FROM searches WHERE at < ?", (cutoff,)).rowcount

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(SCHEMA)
        return connection

    def report(self, days: int = 30, limit: int = 20) -> StatsReport:
        """The last `days` days: searches, the most searched queries, those without results.
        Only first pages count (turning pages is not searching again); empty queries
        (browsing) count as searches but are no query."""
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        report = StatsReport(days=days)
        with self._connect() as connection:
            first = "at >= ? AND page = 1"
            report.searches, report.zero_result_searches = connection.execute(
                f"SELECT count(*), coalesce(sum(results = 0), 0) FROM searches WHERE {first}", (since,)).fetchone()
            report.by_source = dict(connection.execute(
                f"SELECT source, count(*) FROM searches WHERE {first} GROUP BY source ORDER BY 2 DESC", (since,)))
            grouped = ("SELECT query, count(*), (SELECT results FROM searches AS last WHERE last.query = s.query "
                       "ORDER BY at DESC LIMIT 1) FROM searches AS s WHERE {where} AND query != '' "
                       "GROUP BY query ORDER BY 2 DESC, query LIMIT ?")
            report.top = [QueryCount(*row) for row in connection.execute(
                grouped.format(where=first), (since, limit))]
            report.zero_results = [QueryCount(*row) for row in connection.execute(
                grouped.format(where=f"{first} AND results = 0"), (since, limit))]
        return report
