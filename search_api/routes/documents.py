from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from policy_search import documents
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
