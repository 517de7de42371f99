"""Running the app: one process, or one per core sharing a listening socket."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from search_api.app import create_app


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted. With several workers each process builds its own app (and
    store connection) from the settings in the environment."""
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port)
        return
    config = uvicorn.Config("search_api.app:create_app", factory=True, host=host, port=port, workers=workers)
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
