"""Limits on what one client may ask: rate limits per client, and request sizes.

Rate limits are token buckets, one per client address and per limit (`search`, `suggest`, `clicks`;
a route takes one with `dependencies=[rate_limit("name")]`, and the write API can name its
own): a bucket holds a minute's worth of requests, refills at that rate, and a request
that finds it empty is answered 429 with `Retry-After`. The buckets live in each server
process: with `--workers N`, a client that reaches several workers gets up to N times the
rate. Loopback clients are not limited unless `rate_limit_loopback` is set (the tests, the
benchmarks and local tools run there; a reverse proxy on the same machine passes the
client's address in `X-Forwarded-For`, which uvicorn trusts from 127.0.0.1).

Sizes: the request target and head are bounded in the HTTP server itself
(`LimitedHttpToolsProtocol`), before anything is parsed into the app's request, so that an
over-large header is refused after the first tens of kilobytes rather than read whole;
bodies are bounded by `BodyLimit`.
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import httptools
from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from policy_search.settings import Settings, get_settings

# Clients remembered per limit; past this the least recently seen is forgotten (and starts
# again with a full bucket), so that memory stays bounded whatever the number of addresses.
MAX_CLIENTS = 100_000
# How long a connection refused for its size is kept open to drain what the client still sends.
LINGER_SECONDS = 2.0


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.1f} s")
        self.retry_after = max(1, math.ceil(retry_after))


class RequestTooLarge(Exception):
    pass


class TokenBuckets:
    """`per_minute` requests a minute per client key, which a client may also spend at once."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()  # the sync routes run in a thread pool

    def take(self, key: str) -> float:
        """Take one request for `key`: 0 when allowed, else the seconds until one is."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.refill_per_second)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.refill_per_second
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return wait


def rate_limits(settings: Settings) -> dict[str, TokenBuckets]:
    """The app's limits by name, from the settings (a limit of 0 is off)."""
    limits = {"search": settings.rate_limit_search, "suggest": settings.rate_limit_suggest,
              "clicks": settings.rate_limit_clicks}
    return {name: TokenBuckets(per_minute) for name, per_minute in limits.items() if per_minute > 0}


def client_key(host: str | None, limit_loopback: bool) -> str | None:
    """The key a client's requests are counted under, or None for a client not limited.
    IPv6 clients count by /64, the block one subscriber is usually given."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # no address (a Unix socket) or the test client's "testclient"
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback and not limit_loopback:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def rate_limit(name: str):
    """A route dependency that counts the request against the limit `name`."""

    def check(request: Request) -> None:
        buckets = request.app.state.rate_limits.get(name)
        if buckets is None:
            return
        key = client_key(request.client.host if request.client else None,
                         request.app.state.settings.rate_limit_loopback)
        if key is None:
            return
        wait = buckets.take(key)
        if wait:
            raise RateLimited(wait)

    return Depends(check)


def _refusal(status: int, message: str) -> tuple[bytes, bytes]:
    body = json.dumps({"error": {"code": "request_too_large", "message": message}}).encode()
    return STATUS_LINE[status], body


# Where the write API takes documents: bodies there may be as large as `max_write_bytes`.
WRITE_PATH = "/api/v1/documents"


class BodyLimit:
    """Refuses a request body over `max_bytes` (over `write_max_bytes` for the write API's
    PUT and POST) with 413: at once when its Content-Length says so, and as soon as a body
    sent without one grows past it."""

    def __init__(self, app: ASGIApp, max_bytes: int, write_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.write_max_bytes = max_bytes if write_max_bytes is None else write_max_bytes

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") in ("PUT", "POST") and scope.get("path", "").startswith(WRITE_PATH):
            return self.write_max_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        message = f"the request body is larger than {limit} bytes"
        body = json.dumps({"error": {"code": "request_too_large", "message": message}}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounds on the request target (414) and the request
    head (431). httptools itself has none: it gathers a header line of any length in memory
    before handing it over (a 64 MB header was read whole, a 128 MB one stalled the server).
    Here the bytes of an unfinished head are counted as they arrive, and past the limit the
    connection is answered and closed. The limits are `max_url_bytes` and `max_header_bytes`
    of the settings; a subclass may set them as class attributes."""

    max_url_bytes: int | None = None
    max_header_bytes: int | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.url_limit = self.max_url_bytes or settings.max_url_bytes
        self.head_limit = self.max_header_bytes or settings.max_header_bytes
        self._head_pending = True  # between a request's first byte and its last header
        self._head_bytes = 0
        self._began = False
        self._refusing: tuple[int, str] | None = None

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return
        self._began = False
        try:
            # uvicorn's data_received, whose handler for parser errors would log a refusal
            # of ours as "Invalid HTTP request received" and answer it 400
            self._unset_keepalive_if_required()
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusing:
                self._refuse(*self._refusing)
            else:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        if self._refusing or not self._head_pending:
            return
        if not self._began:  # the head started in an earlier piece: all of this one is head
            self._head_bytes += len(data)
        if self._head_bytes > self.head_limit:
            self._refuse(431, f"the request head is larger than {self.head_limit} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_pending, self._head_bytes, self._began = True, 0, True

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.url_limit:
            self._refusing = (414, f"the request target is longer than {self.url_limit} bytes")
            raise RequestTooLarge  # stops the parser; data_received answers
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > self.head_limit:
            self._refusing = (431, f"the request head is larger than {self.head_limit} bytes")
            raise RequestTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_pending = False
        super().on_headers_complete()

    def _refuse(self, status: int, message: str) -> None:
        self._refusing = (status, message)
        status_line, body = _refusal(status, message)
        content = [status_line]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"content-type: application/json\r\n",
                        b"content-length: " + str(len(body)).encode() + b"\r\n",
                        b"connection: close\r\n", b"\r\n", body])
        if self.transport.is_closing():
            return
        self.transport.write(b"".join(content))
        # Closing at once with the client's bytes unread would reset the connection, and the
        # client could lose the answer: half-close, drop what still comes, close soon after.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def eof_received(self) -> None:
        if self._refusing:
            self.transport.close()
            return
        super().eof_received()
