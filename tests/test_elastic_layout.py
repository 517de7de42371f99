"""The shards and replicas of the Elasticsearch indexes are the operator's settings
(POLICY_SEARCH_ES_SHARDS, _ES_REPLICAS, _ES_ARTICLE_SHARDS, _ES_ARTICLE_REPLICAS): an index
made with several shards gives the answers of the index of one shard, and keeps each
document's articles on one shard, through updates and deletes.

Each shard scores with its own term statistics unless the search gathers them first
(`dfs_query_then_fetch`, which the store asks for): without it, 2 shards of these 17
documents put other documents first for 40 of the relevance set's 154 queries. With it,
documents come in the same order. Articles nearly so: `combined_fields` takes a field's
collection-wide statistics only where the article's own shard holds the term in that field,
and with a document's articles on one shard a title word is often absent from the others
(9 of 111 article rankings differ on the fixtures; 1 of 200 on 10,000 generated documents,
docs/benchmarks.md, "Sharding the article index").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pydantic import ValidationError
from support.paths import FIXTURES, ROOT
from support.stores import ES_URL, index_fixtures, require_elasticsearch

from indexer import Indexer
from policy_search.search import make_article_request, make_request
from policy_search.settings import Settings
from policy_search.stores import IndexLayout, open_store
from policy_search.stores.elastic import ElasticsearchStore
from tests.test_articles import CIVIL_BODY, _law, article_documents

LAYOUT_ENV = {"POLICY_SEARCH_ES_SHARDS": "2", "POLICY_SEARCH_ES_REPLICAS": "0",
              "POLICY_SEARCH_ES_ARTICLE_SHARDS": "3", "POLICY_SEARCH_ES_ARTICLE_REPLICAS": "0"}


def relevance_queries() -> list[str]:
    """The judged queries (titles, numbers, abbreviations, topics) and the first questions."""
    folder = ROOT / "bench" / "relevance"
    judged = [json.loads(line)["q"] for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [json.loads(line)["question"]
                 for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    return judged + questions[:40]


def _settings(store: ElasticsearchStore, alias: str) -> dict:
    return next(iter(store.client.indices.get_settings(index=alias).body.values()))["settings"]["index"]


def _drop(*stores: ElasticsearchStore) -> None:
    for store in stores:
        store.drop()
        store.close()


@pytest.fixture(scope="module")
def one_shard() -> Iterator[ElasticsearchStore]:
    require_elasticsearch()
    store = ElasticsearchStore(ES_URL, index=f"test-one-{uuid.uuid4().hex[:8]}")
    index_fixtures(Indexer(store, progress=False))
    store.refresh()
    yield store
    _drop(store)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Iterator[ElasticsearchStore]:
    """The fixtures indexed by `policy-search index`, as an operator runs it with the layout
    in the environment."""
    require_elasticsearch()
    name = f"test-sharded-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "POLICY_SEARCH_STORE": ES_URL, "POLICY_SEARCH_INDEX": name, **LAYOUT_ENV}
    result = subprocess.run([sys.executable, "-m", "policy_search.cli", "index", "--quiet", str(FIXTURES)],
                            capture_output=True, text=True, env=env, timeout=300,
                            cwd=tmp_path_factory.mktemp("layout"))  # no .env of the checkout
    store = ElasticsearchStore(ES_URL, index=name)
    try:
        assert result.returncode == 0, result.stderr
        store.refresh()
        yield store
    finally:
        _drop(store)


@pytest.mark.elasticsearch
def test_the_indexes_have_the_shards_and_replicas_the_operator_set(sharded, one_shard):
    assert [_settings(sharded, sharded.alias)[key] for key in ("number_of_shards", "number_of_replicas")] == ["2", "0"]
    articles = _settings(sharded, sharded.articles_alias)
    assert [articles[key] for key in ("number_of_shards", "number_of_replicas")] == ["3", "0"]
    # unset: one shard, and a replica wherever the cluster has a node for it
    for alias in (one_shard.alias, one_shard.articles_alias):
        assert _settings(one_shard, alias)["number_of_shards"] == "1"
        assert _settings(one_shard, alias)["auto_expand_replicas"] == "0-1"


@pytest.mark.elasticsearch
def test_searches_find_the_same_documents_and_articles_on_several_shards(sharded, one_shard):
    assert sharded.count() == one_shard.count() > 10
    queries = relevance_queries()
    documents_found = articles_found = articles_in_order = 0
    for q in queries:
        request = make_request(q, analyzer=one_shard.analyzer)
        expected, got = one_shard.search(request), sharded.search(request)
        assert got.total == expected.total, q
        assert [h.document.id for h in got.hits] == [h.document.id for h in expected.hits], q
        assert got.facets == expected.facets, q
        documents_found += bool(expected.total)
        # every match, not only the first page
        article_request = replace(make_article_request(q, analyzer=one_shard.analyzer), size=2000)
        expected_articles = [(h.document.id, h.ordinal) for h in one_shard.search_articles(article_request).hits]
        got_articles = [(h.document.id, h.ordinal) for h in sharded.search_articles(article_request).hits]
        assert set(got_articles) == set(expected_articles), q
        articles_found += bool(expected_articles)
        articles_in_order += got_articles[:10] == expected_articles[:10]
    assert documents_found > 50 and articles_found > 100  # most queries find something in the fixtures
    assert articles_in_order >= 0.9 * len(queries)


@pytest.mark.elasticsearch
@pytest.mark.parametrize("q", ["条例", "信息 公开", "保护"])
def test_a_search_sorted_by_date_gives_the_same_order_on_several_shards(sharded, one_shard, q):
    request = make_request(q, sort="date", size=20, analyzer=one_shard.analyzer)
    expected = [hit.document.id for hit in one_shard.search(request).hits]
    assert len(expected) > 1
    assert [hit.document.id for hit in sharded.search(request).hits] == expected


def _shards_of_documents(store: ElasticsearchStore) -> dict[str, set[int]]:
    """For each document, the shards of the articles index holding its articles."""
    held: dict[str, set[int]] = {}
    shards = int(_settings(store, store.articles_alias)["number_of_shards"])
    for shard in range(shards):
        response = store.client.search(index=store.articles_alias, preference=f"_shards:{shard}", size=0,
                                       aggs={"docs": {"terms": {"field": "doc_id", "size": 1000}}})
        for bucket in response["aggregations"]["docs"]["buckets"]:
            held.setdefault(bucket["key"], set()).add(shard)
    return held


@pytest.mark.elasticsearch
def test_a_documents_articles_share_one_shard(sharded):
    held = _shards_of_documents(sharded)
    assert len(held) > 5 and set(held) <= set(sharded.ids())  # the documents that have articles
    assert all(len(shards) == 1 for shards in held.values()), held
    assert len(set().union(*held.values())) > 1  # and the documents are spread over the shards


def _articles(store: ElasticsearchStore, q: str) -> list[tuple[str, str]]:
    request = make_article_request(q, analyzer=store.analyzer)
    return sorted((hit.document.id, hit.number) for hit in store.search_articles(request).hits)


@pytest.mark.elasticsearch
def test_updates_and_deletes_reach_a_documents_articles_on_their_shard():
    """The flow of test_articles' update test, on one shard and on three: the same answers
    after each step. The older version of the labour law is written first and superseded by
    a later run (its articles' status changes by a partial update)."""
    require_elasticsearch()
    layouts = {"one": IndexLayout(), "three": IndexLayout(shards=3, replicas="0")}
    stores = {name: ElasticsearchStore(ES_URL, index=f"test-{name}-{uuid.uuid4().hex[:8]}", layout=layout,
                                       article_layout=layout) for name, layout in layouts.items()}
    documents = {doc.id: doc for doc in article_documents()}
    changed = _law("civil-code", "中华人民共和国民法典", CIVIL_BODY.replace("可以起字号", "可以使用商号"), "2020-05-28")
    changed.articles = changed.articles[:2]  # one article fewer
    steps: list[tuple[str, list]] = [
        ("labour-2008 first", [documents["labour-2008"], documents["civil-code"]]),
        ("the rest", [documents["labour-2012"], documents["notice"]]),
        ("civil code changed", [changed]),
        ("civil code deleted", ["civil-code"]),
    ]
    queries = ["商号", "字号", "夫妻共同债务", "个体工商户", "解除劳动合同 经济补偿", "和谐稳定的劳动关系"]
    try:
        answers: dict[str, list] = {name: [] for name in stores}
        for step, items in steps:
            for name, store in stores.items():
                if isinstance(items[0], str):
                    store.delete(items)
                else:
                    Indexer(store, progress=False).index_documents(items)
                store.refresh()
                answers[name].append((step, [_articles(store, q) for q in queries]))
        assert answers["three"] == answers["one"]
        after_update = dict(answers["one"])["civil code changed"]
        assert after_update[0] == [("civil-code", "第五十四条")] and after_update[1] == []
        assert dict(answers["one"])["civil code deleted"][3] == []
        # only the version in force answers: the 2008 text's articles were marked superseded
        assert all(doc_id != "labour-2008" for doc_id, _ in dict(answers["one"])["the rest"][4])
        assert all(len(shards) == 1 for shards in _shards_of_documents(stores["three"]).values())
    finally:
        _drop(*stores.values())


def test_the_layout_comes_from_the_environment_and_bad_values_are_refused(monkeypatch):
    for key, value in LAYOUT_ENV.items():
        monkeypatch.setenv(key, value)
    assert Settings().index_layouts == (IndexLayout(2, "0"), IndexLayout(3, "0"))
    assert Settings(_env_file=None, es_replicas="1-all").index_layouts[0].settings() == {
        "number_of_shards": 2, "auto_expand_replicas": "1-all"}
    for bad in ({"es_replicas": "two"}, {"es_article_replicas": "2-1"}, {"es_shards": 0}):
        with pytest.raises(ValidationError, match="replicas|shards|greater"):
            Settings(**bad)  # type: ignore[arg-type]


def test_open_store_passes_the_layout_to_elasticsearch():
    layouts = (IndexLayout(2, "1"), IndexLayout(4, "0-all"))
    store = open_store("http://127.0.0.1:9", "nowhere", layouts=layouts)
    assert isinstance(store, ElasticsearchStore)
    assert (store.layout, store.article_layout) == layouts
    # a store opened in another process (the indexer's workers) keeps it
    clone = store.clone()
    assert isinstance(clone, ElasticsearchStore) and (clone.layout, clone.article_layout) == layouts
