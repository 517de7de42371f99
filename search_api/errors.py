"""JSON errors in the shape the spec promises: {"error": {"code", "message"}}.

No stack trace and no store internals ever reach a client.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from policy_search.search import InvalidRequest
from policy_search.stores import StoreError, StoreUnavailable
from search_api.limits import RateLimited, RequestTooLarge
from search_api.rendering import error_page, is_page

log = logging.getLogger("policy_search.api")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """The shape of every error the API answers."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "The body cannot be read (not JSON, not a page); the message says why",
    401: "No API key, or one that is unknown or revoked: `Authorization: Bearer <key>`",
    403: "The key's scope or issuer does not allow this",
    413: "The request body is larger than the limit",
    415: "The body's Content-Type is not one this route reads",
    404: "No such document, or no version in force that day",
    422: "A parameter is not acceptable; the message says which and why",
    429: "Too many requests from this client; `Retry-After` says when to try again",
    503: "The search index cannot be reached or does not exist",
}


def error_responses(*statuses: int) -> dict[int | str, dict]:
    """The OpenAPI description of the errors a route may answer, in the API's error shape."""
    responses: dict[int | str, dict] = {}
    for status in statuses:
        responses[status] = {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[status]}
        if status == 429:
            responses[status]["headers"] = {"Retry-After": {
                "description": "seconds to wait before the next request", "schema": {"type": "integer"}}}
    return responses


class ApiError(Exception):
    """An error answered as it is: status, code, message (and headers, e.g. WWW-Authenticate)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_response(status: int, code: str, message: str, request: Request | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The API's JSON error, or for a citizen's page the same error as a page in Chinese."""
    if request is not None and is_page(request):
        response = error_page(request, status, message if status < 500 else None)
        response.headers.update(headers or {})
        return response
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _describe_validation(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        location = [str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body")]
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(location) or 'request'}: {message}")
    return "; ".join(parts) or "invalid request"


def _allowed_methods(allow: str, request: Request) -> str:
    """Every route answers HEAD where it answers GET (`security.HeadAsGet`); `Allow` says so.
    Where several routes share a path (reads and the write API's PUT and DELETE), the router
    names the first one's methods only: `Allow` lists those of all."""
    methods = [m.strip().upper() for m in allow.split(",") if m.strip()]
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)), request.url.path):
            methods += [method.upper() for method in operations if method.upper() not in methods]
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    return ", ".join(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        return error_response(422, "invalid_parameter", _describe_validation(error), request)

    @app.exception_handler(InvalidRequest)
    async def invalid_request(request: Request, error: InvalidRequest) -> Response:
        return error_response(422, "invalid_parameter", str(error), request)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, headers=error.headers)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return error_response(404, "not_found", error.message, request)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, error: RateLimited) -> Response:
        headers = {"Retry-After": str(error.retry_after)}
        if is_page(request):
            response = error_page(request, 429, f"您的请求过于频繁，请 {error.retry_after} 秒后再试。")
            response.headers.update(headers)
            return response
        return error_response(429, "rate_limited",
                              f"too many requests from this client; try again in {error.retry_after} s",
                              headers=headers)

    @app.exception_handler(RequestTooLarge)
    async def request_too_large(request: Request, error: RequestTooLarge) -> Response:
        limit = error.args[0] if error.args else request.app.state.settings.max_body_bytes
        return error_response(413, "request_too_large", f"the request body is larger than {limit} bytes",
                              headers={"Connection": "close"})

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, error: StoreUnavailable) -> Response:
        log.warning("store unavailable: %s", error)  # the operator's message, with the file's path
        return error_response(503, "store_unavailable", f"the search index is unavailable: {error.public}", request)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, error: StoreError) -> Response:
        log.error("store error: %s", error, exc_info=error)
        return error_response(500, "store_error", "the search index could not answer this request", request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            allow = headers.pop("Allow", None) or headers.pop("allow", None) or "GET"
            headers["Allow"] = _allowed_methods(allow, request)
        return error_response(error.status_code, code, str(error.detail), request, headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(500, "internal_error", "an unexpected error occurred", request)
