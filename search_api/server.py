"""Running the app: one process, or one per core sharing a listening socket."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from policy_search.settings import get_settings
from search_api.app import create_app

# By import path, so that worker processes (which get the configuration pickled) load it too.
HTTP_PROTOCOL = "search_api.limits:LimitedHttpToolsProtocol"


def server_options() -> dict[str, Any]:
    """uvicorn's options as `policy-search serve` runs it: the request size limits of the
    settings in the HTTP protocol (httptools; h11's own bound where h11 is chosen instead)."""
    return {"http": HTTP_PROTOCOL, "h11_max_incomplete_event_size": get_settings().max_header_bytes}


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted. With several workers each process builds its own app (and
    store connection) from the settings in the environment."""
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, **server_options())
        return
    config = uvicorn.Config("search_api.app:create_app", factory=True, host=host, port=port, workers=workers,
                            **server_options())
    Multiprocess(config, sockets=[_listening_socket(host, port)]).run()


def _listening_socket(host: str, port: int) -> socket.socket:
    # uvicorn's own bind leaves the protocol at 0, and asyncio then keeps Nagle's algorithm on
    # for the accepted connections: each keep-alive response waits ~40 ms for the client's
    # delayed ACK (uvicorn issue #3149). Naming TCP makes asyncio set TCP_NODELAY.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
