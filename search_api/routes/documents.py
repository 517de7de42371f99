from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from policy_search import documents
from policy_search.store_query import MAX_QUERY_LENGTH
from policy_search.views import DocumentView, Suggestions, VersionsView
from search_api.deps import Day, StoreDep
from search_api.errors import NotFound, error_responses
from search_api.limits import rate_limit

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=error_responses(422, 503))

DocId = Annotated[str, Path(max_length=200, description="document id")]
ValidOn = Annotated[Day | None, Query(description="day for which statuses are computed, YYYY-MM-DD (default today)")]


@router.get("/documents/{doc_id}", summary="One document with every field, its versions and links",
            response_model=DocumentView, responses=error_responses(404))
def get_document(store: StoreDep, doc_id: DocId, valid_on: ValidOn = None) -> dict[str, Any]:
    found = documents.document_view(store, doc_id, valid_on or date.today())
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return found


@router.get("/documents/{doc_id}/versions", summary="The versions of a document's regulation, oldest first",
            response_model=VersionsView, responses=error_responses(404))
def get_versions(store: StoreDep, doc_id: DocId, valid_on: ValidOn = None) -> dict[str, Any]:
    found = documents.versions_view(store, doc_id, valid_on or date.today())
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return found


@router.get("/current", summary="The version in force on a day of the regulation that best matches a title",
            response_model=DocumentView, dependencies=[rate_limit("search")], responses=error_responses(404, 429))
def get_current(
    store: StoreDep,
    title: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH,
                                description="full or short title, with or without 中华人民共和国")],
    on: Annotated[Day | None, Query(description="the day, YYYY-MM-DD (default today)")] = None,
) -> dict[str, Any]:
    day = on or date.today()
    try:
        doc = documents.current_document(store, title, day)
    except documents.NoVersionInForce as error:
        raise NotFound(str(error)) from None
    view = documents.document_view(store, doc.id, day)
    if view is None:  # deleted in between: as if never found, never `200 null`
        raise NotFound(f"no version of {title!r} is in force on {day.isoformat()}")
    return view


@router.get("/suggest", summary="Title completions for a prefix, for a search box",
            response_model=Suggestions, dependencies=[rate_limit("suggest")], responses=error_responses(429))
def get_suggestions(
    store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="what the user has typed so far")] = "",
    size: Annotated[int, Query(ge=1, le=documents.MAX_SUGGESTIONS)] = 8,
) -> dict[str, Any]:
    return {"suggestions": documents.suggestions(store, q, size, date.today())}
