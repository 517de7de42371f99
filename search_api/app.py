"""The FastAPI application: routes per resource, settings and store injected."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from analyzers import analyzer_for
from policy_search import __version__
from policy_search.settings import Settings, get_settings
from policy_search.stores import Store, open_store
from search_api.errors import install_error_handlers
from search_api.routes import assets, documents, health, pages, search


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="policy-search",
        version=__version__,
        description="Full-text search for Chinese government policy documents: laws, regulations, "
        "notices and their interpretations, with the version in force on any day.",
    )
    app.state.settings = settings
    # the routes only read: the embedded store's file is opened read-only, never created
    app.state.store = store or open_store(settings.store, settings.index, read_only=True,
                                         timeout=settings.es_timeout, analyzer=analyzer_for(settings.analyzer_config))
    install_error_handlers(app)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origin_list, allow_methods=["GET"], allow_headers=["*"]
        )
    for router in (search.router, documents.router, health.router, pages.router, assets.router):
        app.include_router(router)
    app.mount("/static", assets.static_files(), name="static")
    return app
