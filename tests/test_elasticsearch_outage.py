"""With Elasticsearch stopped under a running API: 503s, then recovery when it is back.

This stops and restarts the real node with scripts/elasticsearch, so it runs only where
the test run manages that node (POLICY_SEARCH_TEST_ES_MANAGED=1, set by scripts/test).
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from conftest import ES_URL, ROOT, require_elasticsearch, sample_documents
from indexer import Indexer
from policy_search.settings import Settings
from policy_search.stores.elastic import ElasticsearchStore
from search_api import create_app

pytestmark = pytest.mark.elasticsearch


def elasticsearch(command: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "elasticsearch"), command], check=True, timeout=300)


def test_search_answers_503_while_elasticsearch_is_down_and_recovers():
    require_elasticsearch()
    if os.environ.get("POLICY_SEARCH_TEST_ES_MANAGED") != "1":
        pytest.skip("restarting Elasticsearch needs a node started by scripts/test (POLICY_SEARCH_TEST_ES_MANAGED=1)")
    store = ElasticsearchStore(ES_URL, index="test-outage", request_timeout=5)
    store.drop()
    Indexer(store, progress=False).index_documents(sample_documents())
    client = TestClient(create_app(Settings(), store=store))
    assert client.get("/api/v1/search", params={"q": "城乡规划"}).json()["total"] == 3
    try:
        elasticsearch("stop")
        response = client.get("/api/v1/search", params={"q": "城乡规划"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "store_unavailable"
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
    finally:
        elasticsearch("start")
    deadline = time.monotonic() + 90
    while True:
        response = client.get("/api/v1/search", params={"q": "城乡规划"})
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response.status_code == 200 and response.json()["total"] == 3
    assert client.get("/readyz").status_code == 200
    store.drop()
