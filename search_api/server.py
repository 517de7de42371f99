"""Running the app: one process, or one per core sharing a listening socket."""

from __future__ import annotations

import errno
import logging
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


class CannotListen(OSError):
    """The address to serve on cannot be bound; the message says why and what to do."""


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted. With several workers each process builds its own app (and
    store connection) from the settings in the environment.

    The socket is bound here, before any worker starts, so that an address in use is one
    clear `CannotListen` whatever the number of workers."""
    sock = _listening_socket(host, port)
    if workers == 1:
        config = uvicorn.Config(create_app(), host=host, port=port, **server_options())
    else:
        config = uvicorn.Config("search_api.app:create_app", factory=True, host=host, port=port, workers=workers,
                                **server_options())
    # uvicorn announces the address only where it binds the socket itself
    url_host = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", url_host, port)
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()


def _listening_socket(host: str, port: int) -> socket.socket:
    # uvicorn's own bind leaves the protocol at 0, and asyncio then keeps Nagle's algorithm on
    # for the accepted connections: each keep-alive response waits ~40 ms for the client's
    # delayed ACK (uvicorn issue #3149). Naming TCP makes asyncio set TCP_NODELAY.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {_bind_failure(error)}") from None
    sock.set_inheritable(True)
    return sock


def _bind_failure(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "the host is not an address of this machine (use 127.0.0.1, 0.0.0.0 or one of its addresses)"
    if error.errno == errno.EADDRINUSE:
        return "the port is in use (another server is running there?): choose another with --port"
    if error.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges): choose another with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return "the host is not an address of this machine (use 127.0.0.1, 0.0.0.0 or one of its addresses)"
    return error.strerror or str(error)
