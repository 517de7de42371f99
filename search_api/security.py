"""Security headers on every response, and HEAD answered like GET.

One Content-Security-Policy for everything the service sends: its pages load scripts,
styles and data from the service itself only, run no inline script (there is none: the
pages' JavaScript is in static/), and may not be framed unless the operator lists the
origins that may (`POLICY_SEARCH_FRAME_ANCESTORS`). The same policy on JSON, the widget's
script and static files does no harm (a browser applies a policy to documents, not to what
they load) and keeps a 304 from replacing a cached page's policy with another one.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Swagger UI's icons are data: URLs in its stylesheet
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
)
REFERRER_POLICY = "strict-origin-when-cross-origin"  # other sites see the origin, never a query


def security_headers(frame_ancestors: list[str]) -> list[tuple[str, str]]:
    ancestors = " ".join(frame_ancestors) or "'none'"
    headers = [
        ("Content-Security-Policy", "; ".join((*CONTENT_SECURITY_POLICY, f"frame-ancestors {ancestors}"))),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
    ]
    if not frame_ancestors:  # X-Frame-Options can say "nowhere" but not "these origins"
        headers.append(("X-Frame-Options", "DENY"))
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response the app sends."""

    def __init__(self, app: ASGIApp, frame_ancestors: list[str]) -> None:
        self.app = app
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD is answered like GET without the body (FastAPI's routes name GET only), so that
    link checkers and caches get the same status and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
