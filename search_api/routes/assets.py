"""The embeddable widget (`/widget.js`) and the pages' static files (`/static/…`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from search_api.caching import WIDGET_MAX_AGE, conditional_response

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def widget_source() -> bytes:
    return (STATIC_DIR / "widget.js").read_bytes()


@router.get("/widget.js")
def widget(request: Request) -> Response:
    return conditional_response(request, widget_source(), "text/javascript; charset=utf-8", WIDGET_MAX_AGE)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)
