"""The FastAPI application: routes per resource, settings and store injected."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from analyzers import analyzer_for
from indexer.submissions import DocumentWriter
from policy_search import __version__
from policy_search.keys import KeyStore
from policy_search.settings import Settings, get_settings
from policy_search.stats import SearchStats
from policy_search.stores import Store, open_store
from search_api.errors import install_error_handlers
from search_api.limits import BodyLimit, rate_limits
from search_api.live_words import install_live_words
from search_api.routes import admin_stats, articles, assets, clicks, documents, health, pages, reload, search, writes
from search_api.security import HeadAsGet, SecurityHeaders


class _App(FastAPI):
    def build_middleware_stack(self):
        # Outside even the error middleware, so that a 500 carries the headers too, and HEAD
        # reaches the GET routes.
        stack = super().build_middleware_stack()
        return SecurityHeaders(HeadAsGet(stack), frame_ancestors=self.state.settings.frame_ancestor_list)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = _App(
        title="policy-search",
        version=__version__,
        description="Full-text search for Chinese government policy documents: laws, regulations, "
        "notices and their interpretations, with the version in force on any day.",
        docs_url=None,  # served by routes/assets.py from packaged files, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    # the routes only read: the embedded store's file is opened read-only, never created
    app.state.store = store or open_store(settings.store, settings.index, read_only=True,
                                         timeout=settings.es_timeout, analyzer=analyzer_for(settings.analyzer_config))
    # Writes (the write API) go through a store opened for writing, with its own longer
    # timeout; a store handed in (tests, an embedding program) does both.
    writable = store or open_store(settings.store, settings.index, analyzer=app.state.store.analyzer,
                                   layouts=settings.index_layouts)
    app.state.writer = DocumentWriter(writable)
    app.state.keys = KeyStore(settings.keys_file)
    app.state.search_stats = SearchStats(settings.stats_file, settings.stats_retention_days) \
        if settings.search_stats else None
    app.state.rate_limits = rate_limits(settings)
    install_error_handlers(app)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origin_list, allow_methods=["GET"], allow_headers=["*"]
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, write_max_bytes=settings.max_write_bytes)
    install_live_words(app, settings.analyzer_config, settings.words_check_seconds)
    for router in (search.make_router(), articles.make_router(), documents.router, clicks.router, writes.router,
                   reload.router, admin_stats.router, health.router, pages.router, assets.router):
        app.include_router(router)
    app.mount("/static/swagger-ui", assets.swagger_ui_files(), name="swagger-ui")
    app.mount("/static", assets.static_files(), name="static")
    return app
