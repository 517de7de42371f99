"""Stores: where the index lives. `open_store` picks one from a store URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from analyzers import Analyzer
from policy_search.stores.base import (
    DocumentsRejected,
    IndexRecord,
    Store,
    StoreError,
    StoreMissing,
    StoreUnavailable,
)
from policy_search.stores.layout import DEFAULT_LAYOUT, IndexLayout
from policy_search.stores.sqlite import SQLiteStore, check_database

__all__ = ["DocumentsRejected", "IndexLayout", "IndexRecord", "Store", "StoreError", "StoreMissing", "StoreUnavailable",
           "open_store"]


def open_store(url: str, index: str = "policies", *, read_only: bool = False, timeout: float | None = None,
               analyzer: Analyzer | None = None, layouts: tuple[IndexLayout, IndexLayout] | None = None) -> Store:
    """`sqlite:///path/to/file.db` for the embedded store, `http(s)://…` for Elasticsearch
    (several nodes of one cluster comma-separated: `http://a:9200,http://b:9200`).

    `read_only`: for commands that only read. The embedded store's file is then opened
    read-only, never created: where it does not exist, reads raise `StoreMissing`.
    `timeout`: seconds an Elasticsearch request may take before the store gives up
    (`StoreUnavailable`); the embedded store has no server to wait for. `analyzer`: what the
    index's text and queries are cut with (default: the shipped dictionary and synonyms).
    `layouts`: the shards and replicas of Elasticsearch's documents index and articles index
    (`Settings.index_layouts`; default one shard each, a replica where there is a node for it)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        # sqlite:///var/x.db is relative to the working directory, sqlite:////abs/x.db absolute
        path = url.removeprefix("sqlite://").removeprefix("/")
        if not path:
            raise StoreError("the sqlite store URL needs a file path: sqlite:///path/to/file.db")
        check_database(Path(path))
        return SQLiteStore(path, read_only=read_only, analyzer=analyzer)
    if scheme in ("http", "https"):
        # Imported here, not at the top: the Elasticsearch client takes about as long to
        # import as everything else the stores import, which every command on the embedded
        # store would pay for nothing.
        from policy_search.stores.elastic import ElasticsearchStore

        layout, article_layout = layouts or (DEFAULT_LAYOUT, DEFAULT_LAYOUT)
        options = {} if timeout is None else {"request_timeout": timeout}
        return ElasticsearchStore(url, index=index, analyzer=analyzer, layout=layout, article_layout=article_layout,
                                  **options)
    raise StoreError(f"unsupported store URL {url!r}: use sqlite:///path/to/file.db or http://host:9200")
