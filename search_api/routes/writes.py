"""The write API for a portal's CMS: put and delete documents, one or a batch at a time.

Every route here needs an API key (`policy-search keys create`), sent as
`Authorization: Bearer <key>` and checked by `search_api.auth`: without one, or with one
unknown or revoked, 401 with `WWW-Authenticate`; with one whose scope or issuer does not
allow the write, 403. Reads
stay open. Every write, made or refused after the key was checked, is in the audit log
(key id, action, document id, outcome, time: never the key).

The documents go through the indexer's parsers and pipeline (`indexer.submissions`), so
that versions, statuses and links follow as for `policy-search index`.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from indexer.errors import NotADocument, ParseError
from indexer.submissions import (
    SOURCE_ID_PATTERN,
    SOURCE_ID_RULE,
    Delete,
    DocumentWriter,
    Operation,
    Outcome,
    Put,
    Refused,
    WriteFailed,
    batch_lines,
    check_source_id,
    json_record_document,
    page_document,
    record_document,
)
from policy_search.keys import ApiKey, KeysUnavailable
from policy_search.stores import StoreError, StoreUnavailable
from policy_search.views import AuditLog, BatchLineResult, BatchResult, DocumentRecord, WriteResult
from search_api.auth import AdminKey, WriteKey
from search_api.errors import ApiError, error_responses

log = logging.getLogger("policy_search.api")

SourceId = Annotated[str, Path(pattern=SOURCE_ID_PATTERN, max_length=200,
                               description="the document's id: the CMS's own id of it (its source id), "
                               f"{SOURCE_ID_RULE}")]
PageUrl = Annotated[str | None, Query(
    max_length=500, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+",
    description="for a text/html page: where it is published (http or https; default: the Url meta tag or "
                "canonical link of the page)")]

JSON_TYPES = ("application/json",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/json",
               "text/plain")


def _record_schema() -> dict[str, Any]:
    """DocumentRecord's JSON schema, its parts (Article, Kind) referring to the description's
    own schemas, which the read routes' models put there."""
    schema = DocumentRecord.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


PUT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _record_schema()},
        "text/html": {"schema": {"type": "string", "description": "a portal page, as it is published"}},
    },
}
BATCH_BODY = {
    "required": True,
    "content": {"application/x-ndjson": {"schema": {
        "type": "string",
        "description": 'JSON lines, one operation a line: {"source_id": "…", "document": {…a record, as for PUT…}} or '
                       '{"source_id": "…", "html": "<html>…", "url": "https://…"} to put, '
                       '{"source_id": "…", "action": "delete"} to delete'}}},
}


router = APIRouter(prefix="/api/v1", tags=["write"], responses=error_responses(401, 403, 422, 503))


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _page_url(url: str | None, request: Request) -> str | None:
    url = url or request.headers.get("content-location")
    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ApiError(422, "invalid_parameter", "url: must be an http or https address")
    return url.strip()


def _audit(request: Request, key: ApiKey, action: str, document_id: str | None, outcome: str) -> None:
    try:
        request.app.state.keys.record(key.id, action, document_id, outcome)
    except KeysUnavailable as error:  # the write is made: said in the service's log
        log.error("audit log not written (%s %s %s by key %s): %s", action, document_id, outcome, key.id, error)


def _refused_error(refused: Refused, key: ApiKey) -> ApiError:
    message = refused.message
    if refused.status == 403 and key.issuer:
        message += f" (the key's issuer: {key.issuer})"
    return ApiError(refused.status, refused.code, message)


async def _apply(request: Request, key: ApiKey, operations: list[Operation]) -> list[Outcome | Refused]:
    writer: DocumentWriter = request.app.state.writer
    try:
        return await run_in_threadpool(writer.apply, operations, key.may_write_for)
    except (WriteFailed, StoreError) as error:
        failed_as = "store_error" if isinstance(error, StoreError) and not isinstance(error, StoreUnavailable) \
            else "store_unavailable"
        for operation in operations:
            action, doc_id = ("put", operation.document.id) if isinstance(operation, Put) else ("delete", operation.source_id)
            _audit(request, key, action, doc_id, failed_as)
        if failed_as == "store_error":
            raise  # the service's 500, said in its log
        raise ApiError(503, "store_unavailable", "the index could not be written now; what was written stays, "
                       "and the same request sent again completes it") from None


def _unreadable(error: ParseError) -> ApiError:
    code = "not_a_document" if isinstance(error, NotADocument) else "unreadable"
    return ApiError(422, code, str(error))


@router.put("/documents/{doc_id}", summary="Put a document: a JSON record or a portal page",
            response_model=WriteResult, status_code=200, openapi_extra={"requestBody": PUT_BODY},
            responses={201: {"model": WriteResult, "description": "Created"},
                       **error_responses(400, 413, 415)})
async def put_document(request: Request, response: Response, key: WriteKey, doc_id: SourceId,
                       url: PageUrl = None) -> dict[str, Any]:
    """A JSON record (`Content-Type: application/json`) or a portal page (`text/html`,
    with its address in `url` or `Content-Location`), indexed as the document `doc_id`:
    the CMS's own id of it (its source id). The same PUT again changes nothing and answers
    `unchanged`."""
    source_id = doc_id
    media_type = _media_type(request)
    if media_type not in JSON_TYPES + HTML_TYPES:
        _audit(request, key, "put", source_id, "unsupported_media_type")
        raise ApiError(415, "unsupported_media_type", "send a record as application/json or a page as text/html")
    body = await request.body()
    try:
        if media_type in JSON_TYPES:
            doc = json_record_document(body, source_id)
        else:
            page_url = _page_url(url, request)
            doc = await run_in_threadpool(page_document, body, source_id, page_url)
    except ParseError as error:
        _audit(request, key, "put", source_id, "unreadable")
        raise _unreadable(error) from None
    (outcome,) = await _apply(request, key, [Put(doc)])
    if isinstance(outcome, Refused):
        _audit(request, key, "put", source_id, outcome.code)
        raise _refused_error(outcome, key)
    _audit(request, key, "put", source_id, outcome.value)
    if outcome is Outcome.CREATED:
        response.status_code = 201
    return {"id": doc.id, "result": outcome.value}


@router.delete("/documents/{doc_id}", summary="Delete a document", response_model=WriteResult,
               responses=error_responses(404))
async def delete_document(request: Request, key: WriteKey, doc_id: SourceId) -> dict[str, Any]:
    """Versions and links of what remains are brought up to date."""
    source_id = doc_id
    (outcome,) = await _apply(request, key, [Delete(source_id)])
    if isinstance(outcome, Refused):
        _audit(request, key, "delete", source_id, outcome.code)
        raise _refused_error(outcome, key)
    _audit(request, key, "delete", source_id, outcome.value)
    return {"id": source_id, "result": outcome.value}


def _operation(data: object) -> tuple[str | None, str | None, Operation]:
    """(source_id, action, operation) of a batch line, or ParseError."""
    if not isinstance(data, dict):
        raise ParseError("the line is not a JSON object")
    source_id, action = data.get("source_id"), data.get("action", "put")
    if not isinstance(source_id, str):
        raise ParseError("source_id: required, as text")
    if action not in ("put", "delete"):
        raise ParseError(f"action: {str(action)[:20]!r} is not put or delete")
    check_source_id(source_id)
    if action == "delete":
        return source_id, action, Delete(source_id)
    if isinstance(data.get("html"), str):
        url = data.get("url")
        if url is not None and not (isinstance(url, str) and urlsplit(url).scheme in ("http", "https")):
            raise ParseError("url: must be an http or https address")
        return source_id, action, Put(page_document(data["html"], source_id, url))
    if "document" not in data:
        raise ParseError('a put needs "document" (a record) or "html" (a page)')
    return source_id, action, Put(record_document(data["document"], source_id))


def _line_result(line: int, source_id: str | None, action: str | None,
                 outcome: Outcome | Refused | ApiError) -> BatchLineResult:
    if isinstance(outcome, Refused | ApiError):
        return BatchLineResult(line=line, source_id=source_id, action=action, result="error",
                               status=outcome.status, error={"code": outcome.code, "message": outcome.message})
    status = 201 if outcome is Outcome.CREATED else 200
    return BatchLineResult(line=line, source_id=source_id, action=action,
                           result=outcome.value, status=status)


def _read_batch(body: bytes) -> tuple[list[BatchLineResult | None], list[tuple[int, str, str, Operation]]]:
    """Each line's result where it is bad already (else None), and the operations to make."""
    lines: list[BatchLineResult | None] = []
    operations: list[tuple[int, str, str, Operation]] = []
    for number, data in batch_lines(body):
        source_id = data.get("source_id") if isinstance(data, dict) else None
        try:
            if isinstance(data, ParseError):
                raise data
            source_id, action, operation = _operation(data)
        except ParseError as error:
            shown = source_id if isinstance(source_id, str) else None
            lines.append(_line_result(number, shown, None, Refused(422, "unreadable", str(error))))
            continue
        lines.append(None)
        operations.append((number, source_id or "", action or "put", operation))
    return lines, operations


@router.post("/documents:batch", summary="Put and delete documents, one JSON line each",
             response_model=BatchResult, openapi_extra={"requestBody": BATCH_BODY},
             responses=error_responses(400, 413, 415))
async def batch(request: Request, key: WriteKey) -> dict[str, Any]:
    """Each line is done or refused on its own: the answer is 200 with a result per line
    (`errors` says whether any was refused), lines in order."""
    if _media_type(request) not in LINES_TYPES:
        raise ApiError(415, "unsupported_media_type", "send JSON lines as application/x-ndjson")
    body = await request.body()
    try:
        lines, operations = await run_in_threadpool(_read_batch, body)
    except ParseError as error:
        raise ApiError(400, "unreadable", str(error)) from None
    unreadable = [line for line in lines if line is not None]
    for line in unreadable:
        _audit(request, key, "batch", line.source_id, f"unreadable (line {line.line})")
    outcomes = await _apply(request, key, [operation for _, _, _, operation in operations])
    results = list(unreadable)
    for (number, source_id, action, _), outcome in zip(operations, outcomes):
        # a refusal as a single request would say it, with the key's issuer where it matters
        said = _refused_error(outcome, key) if isinstance(outcome, Refused) else outcome
        results.append(_line_result(number, source_id, action, said))
        _audit(request, key, action, source_id, said.code if isinstance(said, ApiError) else said.value)
    results.sort(key=lambda result: result.line)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.result] = counts.get(result.result, 0) + 1
    return {"errors": "error" in counts, "counts": counts, "results": results}


@router.get("/admin/audit", summary="The audit log of writes (admin key)", response_model=AuditLog)
def audit_log(request: Request, key: AdminKey,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              key_id: Annotated[str | None, Query(max_length=40, description="only this key's writes")] = None,
              ) -> dict[str, Any]:
    try:
        entries = request.app.state.keys.audit(limit, key_id)
    except KeysUnavailable as error:
        log.error("keys file unavailable: %s", error)
        raise ApiError(503, "keys_unavailable", "the audit log cannot be read now; try again later") from None
    return {"entries": [entry.__dict__ for entry in entries]}
