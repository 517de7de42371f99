"""Recording searches for the statistics (`policy_search.stats`), from the routes that search.

Where a search came from is told by what every browser sends anyway: the search page's own
route is `page`; a call of the API that a browser makes from another site's page (the widget
on a portal) carries that site's `Origin` and is `widget`; anything else is `api`. Only the
site's origin is kept, never the visitor's address, cookies or user agent.

A recorded search's answer carries its `search_id`, which a click on one of its results
sends back (`POST /api/v1/clicks`, routes/clicks.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from policy_search.stats import SearchStats
from policy_search.store_query import SearchRequest


def search_stats(http: Request) -> SearchStats | None:
    """The app's recorder, or None where recording is off."""
    return getattr(http.app.state, "search_stats", None)


def record_search(http: Request, q: str, request: SearchRequest, body: dict[str, Any], source: str = "") -> None:
    """Note a search that was answered (a refused one is no search), and give the body its
    `search_id` (where recording is on)."""
    stats = search_stats(http)
    if stats is None:
        return
    origin = http.headers.get("origin")
    if not source:
        source = "widget" if origin else "api"
    filters: dict[str, Any] = {name: values for name, values in request.filters.items() if values}
    for name, value in (("date_from", request.date_from), ("date_to", request.date_to)):
        if value:
            filters[name] = value.isoformat()
    if request.current:
        filters["current"] = True
    body["search_id"] = stats.record(q, filters, int(body.get("total", 0)), int(body.get("took_ms", 0)),
                                     request.page, source, origin if source == "widget" else None, request.size)
