from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from policy_search import search as search_service
from policy_search.query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, Scope, Sort
from policy_search.schema import FACET_FIELDS, Kind, Status
from search_api.deps import Day, StoreDep
from search_api.errors import error_responses
from search_api.limits import rate_limit

router = APIRouter(prefix="/api/v1", tags=["search"], responses=error_responses(422, 503))

Values = Annotated[list[str], Query()]
# A comma list of facet fields, or empty for none.
_FACET_NAME = "|".join(FACET_FIELDS)
FACETS_PATTERN = rf"^( *({_FACET_NAME}) *(, *({_FACET_NAME}) *)*)?$"


@router.get("/search", summary="Full-text search with filters and facets", dependencies=[rate_limit("search")],
            responses=error_responses(429))
def search(
    store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="the user's words; empty means browse")] = "",
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW,
                               description=f"1-based page; page × size may not exceed {MAX_RESULT_WINDOW}")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
    sort: Annotated[Sort | None, Query(description="default: relevance with q, date without")] = None,
    issuer: Values = [],
    level: Values = [],
    status: Annotated[list[Status], Query(description="statuses on valid_on")] = [],
    kind: Annotated[list[Kind], Query()] = [],
    doc_type: Values = [],
    topic: Values = [],
    region: Values = [],
    year: Values = [],
    date_from: Annotated[Day | None, Query(description="publish date from, YYYY-MM-DD")] = None,
    date_to: Annotated[Day | None, Query(description="publish date to, YYYY-MM-DD, not before date_from")] = None,
    valid_on: Annotated[Day | None, Query(description="day for which statuses are computed, YYYY-MM-DD")] = None,
    current: Annotated[bool, Query(description="only versions in force on valid_on")] = False,
    facets: Annotated[str | None, Query(pattern=FACETS_PATTERN,
                                        description="comma list of facet fields; empty for none")] = None,
    field: Annotated[Scope | None, Query(description="where the words must occur (default all)")] = None,
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
