"""The HTTP API over both stores: response shape, errors, documents and versions."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from indexer import Indexer
from policy_search.schema import Document
from policy_search.settings import Settings
from policy_search.stores import StoreUnavailable
from policy_search.stores.sqlite import SQLiteStore
from search_api import create_app


@pytest.fixture(scope="module")
def client(sample_store) -> TestClient:
    return TestClient(create_app(Settings(), store=sample_store))


def test_search_response_has_the_promised_fields(client):
    response = client.get("/api/v1/search", params={"q": "政务公开", "valid_on": "2021-01-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["page"] == 1 and body["size"] == 10
    hit = body["results"][0]
    assert hit["id"] == "expired-notice"
    assert hit["title_html"] == "莆田市人民政府办公室关于开展<mark>政务公开</mark>专项检查的通知"
    assert "<mark>政务公开</mark>" in hit["snippet_html"]
    assert hit["status"] == "in_force" and hit["status_label"] == "现行有效" and hit["is_current"] is True
    for field in ("issuers", "doc_number", "publish_date", "effective_date", "expiry_date", "level",
                  "doc_type", "topics", "region", "family_id", "interpretations", "interprets", "score"):
        assert field in hit
    assert set(body["facets"]) == {"issuer", "level", "status", "kind", "year", "topic"}
    assert body["facets"]["status"] == [{"value": "in_force", "label": "现行有效", "count": 1, "selected": False}]


def test_status_is_computed_for_the_day_asked_about(client):
    later = client.get("/api/v1/search", params={"q": "政务公开", "valid_on": "2023-01-01"}).json()
    assert later["results"][0]["status"] == "expired"
    assert later["results"][0]["status_label"] == "失效"


def test_repeated_filters_and_selected_facets(client):
    body = client.get("/api/v1/search", params=[("issuer", "国务院"), ("issuer", "莆田市司法局"),
                                                ("facets", "issuer,kind")]).json()
    assert {r["id"] for r in body["results"]} == {"repealed-rule", "joint-notice"}
    selected = {f["value"] for f in body["facets"]["issuer"] if f["selected"]}
    assert selected == {"国务院", "莆田市司法局"}
    assert set(body["facets"]) == {"issuer", "kind"}


def test_browse_without_query_is_newest_first(client):
    body = client.get("/api/v1/search", params={"size": 3}).json()
    dates = [r["publish_date"] for r in body["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    assert body["total"] == 8 and body["sort"] == "date"


@pytest.mark.parametrize("params, parameter", [
    ({"q": "政" * 300}, "q"),
    ({"size": 0}, "size"),
    ({"size": 101}, "size"),
    ({"page": 0}, "page"),
    ({"sort": "popular"}, "sort"),
    ({"status": "valid"}, "status"),
    ({"kind": "law"}, "kind"),
    ({"date_from": "2021-13-01"}, "date_from"),
    ({"valid_on": "yesterday"}, "valid_on"),
    ({"facets": "issuer,colour"}, "facets"),
    ({"page": 200, "size": 100}, "page"),
])
def test_bad_parameters_get_a_422_with_a_message(client, params, parameter):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"].startswith(parameter)


def test_unknown_document_is_a_404(client):
    for path in ("/api/v1/documents/no-such-id", "/api/v1/documents/no-such-id/versions"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_document_has_every_field_and_its_versions(client):
    body = client.get("/api/v1/documents/law-2018", params={"valid_on": "2024-01-01"}).json()
    assert body["title"] == "中华人民共和国城乡规划示范法"
    assert "协调城乡空间布局" in body["body"]
    assert body["status"] == "in_force"
    assert [v["id"] for v in body["versions"]] == ["law-2010", "law-2018", "law-2025"]
    assert [v["status"] for v in body["versions"]] == ["amended", "in_force", "not_yet_effective"]


def test_versions_are_listed_oldest_first(client):
    body = client.get("/api/v1/documents/law-2025/versions", params={"valid_on": "2027-02-01"}).json()
    assert body["family_id"] == "urban-planning-law"
    assert [(v["id"], v["is_current"]) for v in body["versions"]] == [
        ("law-2010", False), ("law-2018", False), ("law-2025", True)]


def test_health_and_generated_api_description(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/search" in spec["paths"] and "/api/v1/documents/{doc_id}" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_highlighting_escapes_the_documents_own_html(tmp_path):
    store = SQLiteStore(tmp_path / "escape.db")
    Indexer(store, progress=False).index_documents([
        Document(id="x", title="关于<script>alert(1)</script>政务公开的通知", body="正文 <b>政务公开</b> & 其他"),
    ])
    client = TestClient(create_app(Settings(), store=store))
    hit = client.get("/api/v1/search", params={"q": "政务公开"}).json()["results"][0]
    assert hit["title_html"] == "关于&lt;script&gt;alert(1)&lt;/script&gt;<mark>政务公开</mark>的通知"
    assert hit["snippet_html"] == "正文 &lt;b&gt;<mark>政务公开</mark>&lt;/b&gt; &amp; 其他"


def test_a_store_without_an_index_is_unavailable_not_an_error(tmp_path):
    client = TestClient(create_app(Settings(), store=SQLiteStore(tmp_path / "never-indexed.db")))
    assert client.get("/readyz").status_code == 503
    response = client.get("/api/v1/search", params={"q": "政务公开"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert "Traceback" not in response.text


def test_an_index_file_from_another_schema_version_is_refused_with_the_way_out(tmp_path):
    path = tmp_path / "old.db"
    Indexer(SQLiteStore(path), progress=False).index_documents([Document(id="x", title="关于政务公开的通知")])
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    client = TestClient(create_app(Settings(), store=SQLiteStore(path)))
    response = client.get("/api/v1/search", params={"q": "政务公开"})
    assert response.status_code == 503
    assert "delete the file and index again" in response.json()["error"]["message"]
    with pytest.raises(StoreUnavailable, match="schema version 1"):
        SQLiteStore(path).create()


def test_the_server_opens_a_missing_index_file_read_only_and_never_creates_it(tmp_path):
    path = tmp_path / "not-yet" / "policies.db"
    client = TestClient(create_app(Settings(store=f"sqlite:///{path}")))
    assert client.get("/readyz").status_code == 503
    response = client.get("/api/v1/search", params={"q": "政务公开"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "store_unavailable" and "policy-search index" in error["message"]
    assert str(tmp_path) not in response.text and "policies.db" not in response.text  # no path to clients
    assert not path.parent.exists()  # neither the file nor its folder was made
    # an index run (another process in practice) makes the file: the same server answers from it
    Indexer(SQLiteStore(path), progress=False).index_documents([Document(id="x", title="关于政务公开的通知")])
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/v1/search", params={"q": "政务公开"}).json()["total"] == 1
