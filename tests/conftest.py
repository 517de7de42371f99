"""The pytest fixtures: the stores, empty or holding the sample documents, the fixtures/
or a law corpus, each store from the same factory (support/stores.py) and of each kind
(the embedded store and a real Elasticsearch node; see there for how the node is found).

The helpers themselves are in the `support` package (support/__init__.py lists them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support.documents import PAYLOAD, hostile_documents, law, sample_documents
from support.paths import CORPUS, CORPUS_SAMPLE, FIXTURES, ROOT
from support.servers import ServedApp, StandInServer, free_port
from support.stores import (
    CORPUS_STORES,
    ES_URL,
    REQUIRE_ES,
    STORE_KINDS,
    index_fixtures,
    indexed_store,
    make_store,
    require_elasticsearch,
)

from indexer import Indexer
from policy_search.stores import Store

# What tests imported from here before the helpers moved to `support`, still importable
# from conftest so that tests written against it keep working; new tests import `support`.
_indexed_store = indexed_store
_index_fixtures = index_fixtures
__all__ = [
    "CORPUS", "CORPUS_SAMPLE", "ES_URL", "FIXTURES", "PAYLOAD", "REQUIRE_ES", "ROOT", "STORE_KINDS",
    "ServedApp", "StandInServer", "free_port", "hostile_documents", "law", "make_store",
    "require_elasticsearch", "sample_documents",
]


@pytest.fixture(scope="session", autouse=True)
def _searches_recorded_out_of_the_checkout(tmp_path_factory) -> Iterator[None]:
    """Apps made with Settings() record their searches (policy_search/stats/): into a
    temporary file, not var/ of the checkout. A test naming its own file still does."""
    os.environ.setdefault("POLICY_SEARCH_STATS_FILE", str(tmp_path_factory.mktemp("stats") / "stats.db"))
    yield


@pytest.fixture(params=STORE_KINDS)
def empty_store(request, tmp_path) -> Iterator[Store]:
    """A fresh, empty store of each kind."""
    store = make_store(request.param, tmp_path)
    store.create()
    yield store
    store.drop()
    store.close()


@pytest.fixture(scope="module", params=STORE_KINDS)
def sample_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding the sample documents; tests must not write to it."""
    yield from indexed_store(request.param, tmp_path_factory.mktemp("store"),
                             lambda indexer: indexer.index_documents(sample_documents()))


@pytest.fixture(scope="module", params=STORE_KINDS)
def fixture_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding the project's fixtures/; tests must not write to it."""
    yield from indexed_store(request.param, tmp_path_factory.mktemp("fixtures"), index_fixtures)


@pytest.fixture(scope="session", params=CORPUS_STORES)
def corpus_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding a law corpus (the sample, or ../shared/corpus/lawrefbook)
    and fixtures/, read-only. `store.corpus` says which ("sample" or "full"),
    `store.summary` is the indexing run's summary. Built once per test session."""
    corpus, kind = request.param
    source = CORPUS_SAMPLE if corpus == "sample" else CORPUS / "lawrefbook"
    if not source.is_dir():
        pytest.skip(f"the whole corpus is not at {source}: tests on it skipped (they run on the sample too)")
    store = make_store(kind, tmp_path_factory.mktemp("corpus"))
    store.corpus = corpus
    # fixtures first: where both give one document (the Civil Code, of which fixtures/ holds
    # a few parts), the corpus's is the one kept (the file named last wins)
    store.summary = Indexer(store, progress=False).index_paths([FIXTURES, source])
    yield store
    store.drop()
    store.close()
