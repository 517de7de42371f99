"""The embeddable widget (`/widget.js`), the pages' static files (`/static/…`) and the API's
interactive description (`/docs`, Swagger UI from the `fastapi-offline` package: it works
without the internet and under the service's Content-Security-Policy)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from search_api.caching import WIDGET_MAX_AGE, conditional_response
from search_api.rendering import templates

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SWAGGER_UI_DIR = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def widget_source() -> bytes:
    return (STATIC_DIR / "widget.js").read_bytes()


@router.get("/widget.js")
def widget(request: Request) -> Response:
    return conditional_response(request, widget_source(), "text/javascript; charset=utf-8", WIDGET_MAX_AGE)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    return templates.TemplateResponse(request, "docs.html", {"openapi_url": request.app.openapi_url})


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def swagger_ui_files() -> StaticFiles:
    return StaticFiles(directory=SWAGGER_UI_DIR)
