"""`POST /api/v1/clicks`: a click on a search result, for the statistics (policy_search.stats).

The search page and the widget send one with `navigator.sendBeacon` when a result is
opened: the search's `search_id` (from its answer), the document's id, its position
(1-based across pages) and where the search was made. Nothing else is read or kept: not
the address, cookies or user agent of the browser. The body is JSON, sent as
`application/json` or as `text/plain` (what `sendBeacon` sends for a string: no CORS
preflight from a portal's page), at most `MAX_CLICK_BYTES`; clicks count against their own
rate limit per client.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from policy_search.views import Click
from search_api.errors import ApiError, error_responses
from search_api.limits import rate_limit
from search_api.recording import search_stats

MAX_CLICK_BYTES = 1024
CLICK_TYPES = ("application/json", "text/plain", "")

# Described as JSON; the same object sent as text/plain is read alike.
CLICK_BODY = {"required": True, "content": {"application/json": {"schema": Click.model_json_schema()}}}

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.post("/clicks", summary="Record a click on a search result (no personal data)", status_code=204,
             response_class=Response, openapi_extra={"requestBody": CLICK_BODY},
             dependencies=[rate_limit("clicks")], responses={
                 204: {"description": "Recorded (or recording is off)"}, **error_responses(413, 415, 422, 429)})
async def record_click(request: Request) -> Response:
    """Which result of which search was opened: `{"search_id", "doc_id", "position", "source"}`,
    as `application/json` or, from `navigator.sendBeacon`, the same JSON as `text/plain`.
    Nothing about the browser or the person is kept."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CLICK_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the click as application/json (or text/plain)")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_CLICK_BYTES or len(body := await request.body()) > MAX_CLICK_BYTES:
        raise ApiError(413, "request_too_large", f"the request body is larger than {MAX_CLICK_BYTES} bytes")
    try:
        click = Click.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    stats = search_stats(request)
    if stats is not None:
        stats.record_click(click.search_id, click.doc_id, click.position, click.source)
    return Response(status_code=204)
