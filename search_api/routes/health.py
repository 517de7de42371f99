"""Liveness and readiness.

Synchronous routes run in the server's shared thread pool (40 threads): with Elasticsearch
hung, searches hold those threads until their timeout and later requests queue behind them.
`/healthz` is a coroutine on the event loop, so it answers at once whatever the store does;
`/readyz` asks the store from threads of its own, so it does not queue behind searches either.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from policy_search.views import Health, Readiness
from search_api.errors import error_response, error_responses

router = APIRouter(tags=["health"])

# The threads that ask the store whether it is ready (each waits at most the store's timeout).
_READINESS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")


@router.get("/healthz", summary="The process is up", response_model=Health)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store answers and the index exists", response_model=Readiness,
            responses=error_responses(503))
async def readyz(request: Request) -> Response:
    # the store from the app itself: a synchronous dependency would run in the shared pool
    store = request.app.state.store
    if await asyncio.wrap_future(_READINESS.submit(store.ready)):
        return JSONResponse({"status": "ready", "store": store.__class__.__name__})
    return error_response(503, "not_ready", "the search index is not reachable or does not exist")
