"""The stores the tests run on, each made by one factory, and the Elasticsearch node they use.

Every test that takes a store fixture runs once on the embedded store and once on a real
Elasticsearch node (`STORE_KINDS`). The node is found at $POLICY_SEARCH_TEST_ES_URL (default
http://127.0.0.1:9200; `scripts/elasticsearch start` runs one). Where no node answers, the
Elasticsearch half is skipped with a message, unless POLICY_SEARCH_REQUIRE_ES=1 (as in CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer import Indexer
from policy_search.stores import Store
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore
from support.paths import FIXTURES

ES_URL = os.environ.get("POLICY_SEARCH_TEST_ES_URL", "http://127.0.0.1:9200")
REQUIRE_ES = os.environ.get("POLICY_SEARCH_REQUIRE_ES") == "1"

STORE_KINDS = [pytest.param("sqlite", id="sqlite"),
               pytest.param("elasticsearch", id="elasticsearch", marks=pytest.mark.elasticsearch)]

# The law corpus the ranking, status and metadata tests run on: the project's own sample
# of it always, the whole of ../shared/corpus where it is present (CI has it; `-m "not
# corpus"` leaves it out); each on both kinds of store.
CORPUS_STORES = [
    pytest.param((corpus, kind), id=f"{corpus}-{kind}",
                 marks=[*([pytest.mark.corpus] if corpus == "full" else []),
                        *([pytest.mark.elasticsearch] if kind == "elasticsearch" else [])])
    for corpus in ("sample", "full") for kind in ("sqlite", "elasticsearch")
]


def _es_reachable() -> bool:
    store = ElasticsearchStore(ES_URL, index="reachability-check", request_timeout=3)
    try:
        return store.client.cluster.health()["status"] in ("green", "yellow")
    except Exception:
        return False
    finally:
        store.close()


# Asked once a session: a node that is down costs the connection timeout each time.
_ES_STATE: dict[str, bool] = {}


def require_elasticsearch() -> None:
    """Skip the calling test (fail it under POLICY_SEARCH_REQUIRE_ES=1) where no node answers."""
    if "reachable" not in _ES_STATE:
        _ES_STATE["reachable"] = _es_reachable()
    if not _ES_STATE["reachable"]:
        message = (
            f"Elasticsearch is not reachable at {ES_URL}: the Elasticsearch half of the suite was "
            "skipped. Run `scripts/elasticsearch start` (needs Java 17 and Maven) or set "
            "POLICY_SEARCH_TEST_ES_URL."
        )
        if REQUIRE_ES:
            pytest.fail(message + " (POLICY_SEARCH_REQUIRE_ES=1)")
        pytest.skip(message)


def make_store(kind: str, tmp_path: Path) -> Store:
    """A new store of `kind` ("sqlite" or "elasticsearch"), under a name of its own."""
    if kind == "sqlite":
        return SQLiteStore(tmp_path / f"test-{uuid.uuid4().hex[:8]}.db")
    require_elasticsearch()
    return ElasticsearchStore(ES_URL, index=f"test-{uuid.uuid4().hex[:12]}")


def indexed_store(kind: str, tmp_path: Path, fill: Callable[[Indexer], object]) -> Iterator[Store]:
    """A store of `kind` that `fill` indexed documents into, dropped when the caller is done
    (for fixtures: `yield from indexed_store(...)`)."""
    store = make_store(kind, tmp_path)
    fill(Indexer(store, progress=False))
    yield store
    store.drop()
    store.close()


def index_fixtures(indexer: Indexer) -> None:
    """Index the project's fixtures/, every file of which must index."""
    summary = indexer.index_paths([FIXTURES])
    assert summary.failed == [], summary.failed
