from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from policy_search import search as search_service
from policy_search.query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH
from search_api.deps import StoreDep

router = APIRouter(prefix="/api/v1", tags=["search"])

Values = Annotated[list[str], Query()]


@router.get("/search", summary="Full-text search with filters and facets")
def search(
    store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="the user's words; empty means browse")] = "",
    page: Annotated[int, Query(ge=1, description="1-based page")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
    sort: Annotated[str | None, Query(description="relevance, date, date_asc or effective")] = None,
    issuer: Values = [],
    level: Values = [],
    status: Values = [],
    kind: Values = [],
    doc_type: Values = [],
    topic: Values = [],
    region: Values = [],
    year: Values = [],
    date_from: Annotated[date | None, Query(description="publish date from, YYYY-MM-DD")] = None,
    date_to: Annotated[date | None, Query(description="publish date to, YYYY-MM-DD")] = None,
    valid_on: Annotated[date | None, Query(description="day for which statuses are computed")] = None,
    current: Annotated[bool, Query(description="only versions in force on valid_on")] = False,
    facets: Annotated[str | None, Query(description="comma list of facet fields")] = None,
    field: Annotated[str | None, Query(description="where the words must occur: all (default) or title")] = None,
) -> dict:
    """Repeat a filter parameter for OR within a field; different fields combine with AND.
    A facet's counts apply the other fields' filters but not its own.

    In `q`: "quoted phrases", -excluded words, abbreviations (道交法), traditional
    characters and document numbers in any bracket style are understood."""
    filters = {"issuer": issuer, "level": level, "status": status, "kind": kind, "doc_type": doc_type,
               "topic": topic, "region": region, "year": year}
    request = search_service.make_request(
        q, page=page, size=size, sort=sort, filters=filters, date_from=date_from, date_to=date_to,
        valid_on=valid_on, current=current, facets=facets, field=field, analyzer=store.analyzer,
    )
    # The body is JSON types already: sent as it is, without FastAPI's generic re-encoding.
    return JSONResponse(search_service.search(store, q, request))
