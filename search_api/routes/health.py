from fastapi import APIRouter
from fastapi.responses import JSONResponse

from search_api.deps import StoreDep
from search_api.errors import error_response, error_responses

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The store answers and the index exists", responses=error_responses(503))
def readyz(store: StoreDep) -> JSONResponse:
    if store.ready():
        return JSONResponse({"status": "ready", "store": store.__class__.__name__})
    return error_response(503, "not_ready", "the search index is not reachable or does not exist")
