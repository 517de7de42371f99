"""`POST /api/v1/admin/reload`: the word files loaded again at once (search_api.live_words),
with an admin key (the write API's keys: `policy-search keys create --scope admin`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from search_api.auth import AdminKey
from search_api.errors import error_responses
from search_api.live_words import reload_words

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=error_responses(401, 403))


class Reloaded(BaseModel):
    reloaded: bool
    error: str | None = None  # why the files were not loaded (the words in use stay)
    fingerprint: str | None = None  # the segmentation queries now use
    index_fingerprint: str | None = None  # the one the index was written with
    reindex_needed: bool | None = None  # run `policy-search reindex` for documents indexed before


@router.post("/admin/reload", summary="Load the dictionary, synonym and colloquial files again (admin key)",
             response_model=Reloaded, response_model_exclude_none=True)
async def reload(request: Request, key: AdminKey) -> dict[str, Any]:
    """Changed files are also picked up on their own within `POLICY_SEARCH_WORDS_CHECK_SECONDS`;
    this does it now, in this server process (with `--workers N`, in the one that answers)."""
    # loading the dictionary takes a fraction of a second: off the event loop
    return await run_in_threadpool(reload_words, request.app)
