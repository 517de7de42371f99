import inspect
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from policy_search import search as search_service
from policy_search.fields import Field, all_fields, field_names
from policy_search.store_query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, Scope, Sort
from policy_search.views import SearchResponse
from search_api.deps import Day, StoreDep
from search_api.errors import error_responses
from search_api.limits import rate_limit
from search_api.recording import record_search


def facets_pattern() -> str:
    """A comma list of facet fields, or empty for none."""
    names = "|".join(field_names())
    return rf"^( *({names}) *(, *({names}) *)*)?$"


def _filter_parameter(field: Field) -> inspect.Parameter:
    values = list[field.choices] if field.choices else list[str]  # type: ignore[name-defined]
    description = f"{field.label}: repeat for OR" + (" (statuses on valid_on)" if field.computed else "")
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=Query([], description=description),
                             annotation=values)


def filter_parameters() -> Callable[..., dict[str, list[str]]]:
    """A dependency taking one repeatable query parameter per filter field (fields.FIELDS),
    made when the app is: FastAPI reads the parameters from its signature."""
    def filters(**values: list) -> dict[str, list[str]]:
        return {name: [str(value) for value in given] for name, given in values.items()}

    filters.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [_filter_parameter(field) for field in all_fields()], return_annotation=dict[str, list[str]])
    return filters


def make_router() -> APIRouter:
    """The search route, its filter parameters those of the fields declared now."""
    router = APIRouter(prefix="/api/v1", tags=["search"], responses=error_responses(422, 503))
    Filters = Annotated[dict[str, list[str]], Depends(filter_parameters())]

    @router.get("/search", summary="Full-text search with filters and facets", response_model=SearchResponse,
                dependencies=[rate_limit("search")], responses=error_responses(429))
    def search(
        http: Request,
        store: StoreDep,
        filters: Filters,
        q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="the user's words; empty means browse")] = "",
        page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW,
                                   description=f"1-based page; page × size may not exceed {MAX_RESULT_WINDOW}")] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
        sort: Annotated[Sort | None, Query(description="default: relevance with q, date without")] = None,
        date_from: Annotated[Day | None, Query(description="publish date from, YYYY-MM-DD")] = None,
        date_to: Annotated[Day | None, Query(description="publish date to, YYYY-MM-DD, not before date_from")] = None,
        valid_on: Annotated[Day | None, Query(description="day for which statuses are computed, YYYY-MM-DD")] = None,
        current: Annotated[bool, Query(description="only versions in force on valid_on")] = False,
        facets: Annotated[str | None, Query(pattern=facets_pattern(),
                                            description="comma list of facet fields; empty for none")] = None,
        field: Annotated[Scope | None, Query(description="where the words must occur (default all)")] = None,
    ) -> JSONResponse:
        """Repeat a filter parameter for OR within a field; different fields combine with AND.
        A facet's counts apply the other fields' filters but not its own.

        In `q`: "quoted phrases", -excluded words, abbreviations (道交法), traditional
        characters and document numbers in any bracket style are understood."""
        request = search_service.make_request(
            q, page=page, size=size, sort=sort, filters=filters, date_from=date_from, date_to=date_to,
            valid_on=valid_on, current=current, facets=facets, field=field, analyzer=store.analyzer,
        )
        # The body is JSON types already: sent as it is, without FastAPI's generic re-encoding.
        body = search_service.search_response(store, q, request)
        record_search(http, q, request, body)
        return JSONResponse(body)

    return router
