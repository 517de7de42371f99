"""Reading the statistics: the figures staff read from the searches and clicks recorded.

Only first pages count as searches (turning pages is not searching again); empty queries
(browsing) count as searches but are no query. A click counts where its search was
recorded in the period (clicks whose id names no search recorded are left out). Days are
the server's local days (`TZ`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from policy_search.stats.recording import SearchStats, StatsUnavailable, since

# Positions whose click-through is shown at least (more where results further down were clicked).
POSITIONS = 10
# ... and at most.
MAX_POSITIONS = 100

FIRST_PAGES = "s.at >= :since AND s.page = 1"
# The clicks of the searches of the period, joined to them.
CLICKS = "clicks AS c JOIN searches AS s ON s.search_id = c.search_id WHERE s.at >= :since"


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    results: int  # results of its latest search


@dataclass(frozen=True)
class PositionRate:
    position: int
    shown: int  # searches whose page showed a result at this position
    clicked: int  # of those, searches with a click on it
    clicks: int  # clicks on it, repeated ones included

    @property
    def rate(self) -> float:
        return self.clicked / self.shown if self.shown else 0.0


@dataclass(frozen=True)
class DayCount:
    day: str  # YYYY-MM-DD
    searches: int
    zero_result_searches: int
    clicks: int


@dataclass
class StatsReport:
    days: int
    searches: int = 0
    zero_result_searches: int = 0
    clicks: int = 0
    clicked_searches: int = 0  # first pages (the searches counted) with at least one click
    top: list[QueryCount] = field(default_factory=list)
    zero_results: list[QueryCount] = field(default_factory=list)
    no_click: list[QueryCount] = field(default_factory=list)  # results, and no search of it clicked
    positions: list[PositionRate] = field(default_factory=list)
    by_day: list[DayCount] = field(default_factory=list)
    by_source: dict[str, int] = field(default_factory=dict)
    clicks_by_source: dict[str, int] = field(default_factory=dict)


def report(stats: SearchStats, days: int = 30, limit: int = 20) -> StatsReport:
    """The last `days` days of `stats`; StatsUnavailable where its file cannot be read."""
    try:
        return _read(stats, days, limit)
    except (OSError, sqlite3.Error) as error:
        raise StatsUnavailable(f"cannot read the statistics file {stats.path}: {error}") from error


def _read(stats: SearchStats, days: int, limit: int) -> StatsReport:
    values = {"since": since(days), "limit": limit}
    result = StatsReport(days=days)
    with stats.connection() as connection:
        result.searches, result.zero_result_searches = connection.execute(
            f"SELECT count(*), coalesce(sum(results = 0), 0) FROM searches AS s WHERE {FIRST_PAGES}", values).fetchone()
        result.clicks, result.clicked_searches = connection.execute(
            f"SELECT count(*), count(DISTINCT CASE WHEN s.page = 1 THEN c.search_id END) FROM {CLICKS}",
            values).fetchone()
        result.by_source = dict(connection.execute(
            f"SELECT source, count(*) FROM searches AS s WHERE {FIRST_PAGES} GROUP BY source ORDER BY 2 DESC", values))
        result.clicks_by_source = dict(connection.execute(
            f"SELECT c.source, count(*) FROM {CLICKS} GROUP BY c.source ORDER BY 2 DESC", values))
        result.top = _queries(connection, values)
        result.zero_results = _queries(connection, values, "AND s.results = 0")
        result.no_click = no_click_queries(connection, values)
        result.positions = positions(connection, values)
        result.by_day = by_day(connection, values)
    return result


def _queries(connection: sqlite3.Connection, values: dict, where: str = "") -> list[QueryCount]:
    """Queries of the period's first pages (and `where`), most searched first."""
    rows = connection.execute(
        "SELECT query, count(*), (SELECT results FROM searches AS last WHERE last.query = s.query "
        f"ORDER BY at DESC LIMIT 1) FROM searches AS s WHERE {FIRST_PAGES} AND query != '' {where} "
        "GROUP BY query ORDER BY 2 DESC, query LIMIT :limit", values)
    return [QueryCount(*row) for row in rows]


def no_click_queries(connection: sqlite3.Connection, values: dict) -> list[QueryCount]:
    """Queries searched with results in the period, none of whose searches (any page) was clicked."""
    clicked = f"SELECT DISTINCT s.query FROM {CLICKS}"
    return _queries(connection, values, f"AND s.results > 0 AND query NOT IN ({clicked})")


def positions(connection: sqlite3.Connection, values: dict) -> list[PositionRate]:
    """Click-through by position: of the searches showing a result at a position (the page
    and size of each search say which positions it showed), how many clicked it."""
    clicked: dict[int, tuple[int, int]] = {
        position: (searches, clicks) for position, searches, clicks in connection.execute(
            f"SELECT c.position, count(DISTINCT c.search_id), count(*) FROM {CLICKS} "
            "AND c.position <= :max GROUP BY c.position", {**values, "max": MAX_POSITIONS})}
    # searches grouped by the positions they showed: a handful of groups whatever their number
    pages = connection.execute(
        "SELECT (page - 1) * size + 1, min(page * size, results), count(*) FROM searches AS s "
        "WHERE s.at >= :since AND size IS NOT NULL AND results > (page - 1) * size GROUP BY 1, 2", values).fetchall()
    last = max([POSITIONS, *clicked])
    rates = []
    for position in range(1, last + 1):
        shown = sum(count for first, final, count in pages if first <= position <= final)
        searches, clicks = clicked.get(position, (0, 0))
        if shown or clicks:
            rates.append(PositionRate(position, shown, searches, clicks))
    return rates


def by_day(connection: sqlite3.Connection, values: dict) -> list[DayCount]:
    """Searches (first pages), those with no result, and clicks, day by day, oldest first."""
    days: dict[str, list[int]] = {}
    for day, searches, zero in connection.execute(
            "SELECT date(s.at, 'localtime'), count(*), sum(results = 0) FROM searches AS s "
            f"WHERE {FIRST_PAGES} GROUP BY 1", values):
        days[day] = [searches, zero, 0]
    for day, clicks in connection.execute(
            f"SELECT date(c.at, 'localtime'), count(*) FROM {CLICKS} GROUP BY 1", values):
        days.setdefault(day, [0, 0, 0])[2] = clicks
    return [DayCount(day, *counts) for day, counts in sorted(days.items())]
