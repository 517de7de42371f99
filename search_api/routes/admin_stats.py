"""`GET /admin/stats` and `GET /admin/stats.csv`: what citizens search for, for staff, with
an admin key (`policy-search keys create --scope admin`, sent as `Authorization: Bearer`).

The page shows the figures of `policy_search.stats.report` (top queries, queries with no
result, queries with results but no click, click-through by position, searches and clicks
by day) and the short forms proposed from the queries with no result, each with the
command that accepts it. Every table is also a CSV file (UTF-8 with a byte order mark, as
spreadsheet programs need to read Chinese).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from policy_search.stats import export
from policy_search.stats.candidates import Candidate, propose
from policy_search.stats.recording import StatsUnavailable
from policy_search.stats.report import StatsReport, report
from search_api.auth import AdminKey
from search_api.deps import StoreDep
from search_api.errors import ApiError, error_responses
from search_api.recording import search_stats
from search_api.rendering import templates

log = logging.getLogger("policy_search.api")

router = APIRouter(tags=["admin"], responses=error_responses(401, 403, 404, 422, 503))

Days = Annotated[int, Query(ge=1, le=3660, description="the last N days")]
Limit = Annotated[int, Query(ge=1, le=500, description="queries per table")]
TableName = Annotated[str, Query(pattern=f"^({'|'.join(export.TABLE_NAMES)})$",
                                 description=", ".join(export.TABLE_NAMES))]
PRIVATE = {"Cache-Control": "no-store"}


def _report(request: Request, days: int, limit: int) -> StatsReport:
    stats = search_stats(request)
    if stats is None:
        raise ApiError(404, "not_found", "this service records no statistics (POLICY_SEARCH_SEARCH_STATS is off)")
    try:
        return report(stats, days, limit)
    except StatsUnavailable as error:
        log.error("%s", error)
        raise ApiError(503, "stats_unavailable", "the statistics cannot be read now; try again later") from None


def _tables(figures: StatsReport, candidates: list[Candidate]) -> list[dict]:
    tables = []
    for name in export.TABLE_NAMES:
        title, (headers, rows) = (("建议添加的简称", export.candidates_table(candidates)) if name == "candidates"
                                  else (export.TABLES[name][0], export.table(figures, name)))
        tables.append({"name": name, "title": title, "headers": headers, "rows": rows})
    return tables


@router.get("/admin/stats", summary="Search statistics for staff, as a page in Chinese (admin key)",
            response_class=Response, responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
def stats_page(request: Request, key: AdminKey, store: StoreDep, days: Days = 30, limit: Limit = 20) -> Response:
    figures = _report(request, days, limit)
    candidates = propose(store, figures.zero_results)
    page = templates.get_template("admin_stats.html").render(
        request=request, report=figures, tables=_tables(figures, candidates), candidates=candidates, limit=limit)
    return HTMLResponse(page, headers=PRIVATE)


@router.get("/admin/stats.csv", summary="One table of the search statistics as CSV (admin key)",
            response_class=Response, responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def stats_csv(request: Request, key: AdminKey, store: StoreDep, table: TableName, days: Days = 30,
              limit: Limit = 20) -> Response:
    figures = _report(request, days, limit)
    headers, rows = (export.candidates_table(propose(store, figures.zero_results)) if table == "candidates"
                     else export.table(figures, table))
    return Response("\ufeff" + export.csv_text(headers, rows), media_type="text/csv; charset=utf-8", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="search-stats-{table}-{days}d.csv"'})
