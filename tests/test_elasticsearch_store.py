"""What only the Elasticsearch store does: documents read from their stored summary, and an
index written before summaries existed still answering (against a real node)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from support.documents import sample_documents
from support.stores import indexed_store

from policy_search.search import make_request
from policy_search.store_query import SearchRequest
from policy_search.stores.elastic import ElasticsearchStore


def without_text(q: str) -> SearchRequest:
    return replace(make_request(q, size=50), with_body=False)


@pytest.fixture
def es_store(tmp_path) -> Iterator[ElasticsearchStore]:
    for store in indexed_store("elasticsearch", tmp_path, lambda indexer: indexer.index_documents(sample_documents())):
        assert isinstance(store, ElasticsearchStore)
        yield store


def test_hits_and_documents_without_text_are_their_documents_less_the_text(es_store):
    expected = {doc.id: doc for doc in es_store.get_many(es_store.ids(), with_articles=False).values()}
    summaries = es_store.get_many(list(expected), with_body=False)
    hits = es_store.search(without_text("城乡规划")).hits
    assert hits
    for doc in [*summaries.values(), *(hit.document for hit in hits)]:
        assert doc.body == "" and doc.articles == []
        assert doc.model_dump(exclude={"body"}) == expected[doc.id].model_dump(exclude={"body"})


def test_a_patched_document_is_read_as_patched(es_store):
    doc = sample_documents()[0]
    es_store.patch({doc.id: {"superseded_date": doc.publish_date}})
    es_store.client.indices.refresh(index=es_store.alias)
    assert es_store.get_many([doc.id], with_body=False)[doc.id].superseded_date == doc.publish_date
    hits = es_store.search(without_text(doc.title)).hits
    assert [hit.document.superseded_date for hit in hits if hit.document.id == doc.id] == [doc.publish_date]


def test_documents_written_before_summaries_are_read_from_their_source(es_store):
    # as an index written by an earlier version holds them: no summary field
    for doc in sample_documents():
        source = es_store.client.get(index=es_store.alias, id=doc.id)["_source"]
        del source["summary"]
        es_store.client.index(index=es_store.alias, id=doc.id, document=source)
    es_store.client.indices.refresh(index=es_store.alias)
    ids = [doc.id for doc in sample_documents()]
    assert set(es_store.get_many(ids, with_body=False)) == set(ids)
    hits = es_store.search(without_text("城乡规划")).hits
    assert hits and all(hit.document.title for hit in hits)
