"""JSON errors in the shape the spec promises: {"error": {"code", "message"}}.

No stack trace and no store internals ever reach a client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from policy_search.search import InvalidRequest
from policy_search.stores import StoreError, StoreUnavailable
from search_api.rendering import error_page, is_page

log = logging.getLogger("policy_search.api")


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_response(status: int, code: str, message: str, request: Request | None = None) -> Response:
    """The API's JSON error, or for a citizen's page the same error as a page in Chinese."""
    if request is not None and is_page(request):
        return error_page(request, status, message if status < 500 else None)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _describe_validation(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        location = [str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body")]
        parts.append(f"{'.'.join(location) or 'request'}: {item.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        return error_response(422, "invalid_parameter", _describe_validation(error), request)

    @app.exception_handler(InvalidRequest)
    async def invalid_request(request: Request, error: InvalidRequest) -> Response:
        return error_response(422, "invalid_parameter", str(error), request)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return error_response(404, "not_found", error.message, request)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, error: StoreUnavailable) -> Response:
        log.warning("store unavailable: %s", error)
        return error_response(503, "store_unavailable", f"the search index is unavailable: {error}", request)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError) -> Response:
        log.error("store error: %s", error, exc_info=error)
        return error_response(500, "store_error", "the search index could not answer this request", request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_response(error.status_code, code, str(error.detail), request)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal_error", "an unexpected error occurred", request)
