from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from policy_search import documents
from policy_search.query import MAX_QUERY_LENGTH
from search_api.deps import StoreDep
from search_api.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["documents"])

DocId = Annotated[str, Path(max_length=200, description="document id")]
ValidOn = Annotated[date | None, Query(description="day for which statuses are computed (default today)")]


@router.get("/documents/{doc_id}", summary="One document with every field, its versions and links")
def get_document(store: StoreDep, doc_id: DocId, valid_on: ValidOn = None) -> dict:
    found = documents.document_view(store, doc_id, valid_on or date.today())
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return found


@router.get("/documents/{doc_id}/versions", summary="The versions of a document's regulation, oldest first")
def get_versions(store: StoreDep, doc_id: DocId, valid_on: ValidOn = None) -> dict:
    found = documents.versions_view(store, doc_id, valid_on or date.today())
    if found is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return found


@router.get("/current", summary="The version in force on a day of the regulation that best matches a title")
def get_current(
    store: StoreDep,
    title: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH,
                                description="full or short title, with or without 中华人民共和国")],
    on: Annotated[date | None, Query(description="the day, YYYY-MM-DD (default today)")] = None,
) -> dict:
    day = on or date.today()
    try:
        doc = documents.current_document(store, title, day)
    except documents.NoVersionInForce as error:
        raise NotFound(str(error)) from None
    return documents.document_view(store, doc.id, day)


@router.get("/suggest", summary="Title completions for a prefix, for a search box")
def get_suggestions(
    store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="what the user has typed so far")] = "",
    size: Annotated[int, Query(ge=1, le=documents.MAX_SUGGESTIONS)] = 8,
) -> dict:
    return {"suggestions": documents.suggestions(store, q, size, date.today())}
