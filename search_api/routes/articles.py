"""The article search: the articles (条) that answer a question, each with its law.

(No `from __future__ import annotations`: FastAPI reads the local `Filters` type at runtime.)
"""


from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from policy_search import search as search_service
from policy_search.store_query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH
from policy_search.views import ArticlesResponse
from search_api.deps import Day, StoreDep
from search_api.errors import error_responses
from search_api.limits import rate_limit
from search_api.routes.search import filter_parameters

# Article results can be paged this far (the candidates are ranked in one window).
MAX_ARTICLE_RESULTS = 100


def make_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["search"], responses=error_responses(422, 503))
    Filters = Annotated[dict[str, list[str]], Depends(filter_parameters())]

    @router.get("/articles", summary="The articles that answer a question", response_model=ArticlesResponse,
                dependencies=[rate_limit("search")], responses=error_responses(429))
    def articles(
        store: StoreDep,
        filters: Filters,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH,
                                description="a question in the user's words, or keywords")],
        page: Annotated[int, Query(ge=1, le=MAX_ARTICLE_RESULTS // 10)] = 1,
        size: Annotated[int, Query(ge=1, le=min(MAX_PAGE_SIZE, 50))] = 10,
        valid_on: Annotated[Day | None, Query(description="day for which statuses are computed, YYYY-MM-DD")] = None,
        current: Annotated[bool, Query(description="only versions in force on valid_on (default)")] = True,
    ) -> JSONResponse:
        """Every article of every document is searched on its own, with the headings it
        stands under (编/章/节) and its document's fields; filters as in `/api/v1/search`.
        An article needs only some of the words: articles are ranked by how much of the
        question they cover (question and function words count for nothing, everyday words
        also count as the law's words: 房东 as 出租人), then by BM25."""
        request = search_service.make_article_request(q, page=page, size=size, filters=filters, valid_on=valid_on,
                                                      current=current, analyzer=store.analyzer)
        return JSONResponse(search_service.articles_response(store, q, request))

    return router
