"""What an attacker or a careless client meets: security headers, escaping of hostile
documents and parameters, errors without internals, strict dates, HEAD and 405, rate limits
and request size limits (the last through a real uvicorn server on loopback, as
`policy-search serve` runs it). The same in a browser: test_browser.py."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import time
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi import Request
from fastapi.testclient import TestClient
from support.documents import PAYLOAD, hostile_documents
from support.servers import ServedApp
from support.stores import make_store

from indexer import Indexer
from policy_search.schema import Document
from policy_search.settings import Settings
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore
from search_api import create_app
from search_api.limits import TokenBuckets, client_key
from search_api.server import server_options


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path_factory.mktemp("hostile") / "hostile.db")
    Indexer(store, progress=False).index_documents(hostile_documents())
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(hostile_store) -> TestClient:
    return TestClient(create_app(Settings(), store=hostile_store))


def _no_live_markup(html: str) -> None:
    """Nothing of the payload became markup: no script element, no event handler, and the
    only <img> elements are none at all."""
    page = BeautifulSoup(html, "lxml")
    assert [s.get("src") for s in page.find_all("script")] in ([], ["/static/search.js"], ["/static/document.js"])
    assert page.find("img") is None
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.lower().startswith("on")], element


# --- security headers --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/?q=政务公开", "/documents/xss-title", "/documents/nothing-here",
                                  "/api/v1/search?q=政务公开", "/api/v1/documents/nothing-here", "/widget.js",
                                  "/static/style.css", "/docs", "/openapi.json", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_an_unexpected_error_carries_them_too_and_no_trace(hostile_store):
    app = create_app(Settings(), store=hostile_store)

    def broken() -> dict:
        raise RuntimeError("internal detail /srv/secret.db")

    app.add_api_route("/test-broken", broken)
    response = TestClient(app, raise_server_exceptions=False).get("/test-broken")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "an unexpected error occurred"}}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/?q=政务公开", "/documents/xss-title", "/docs", "/documents/nothing-here"):
        page = BeautifulSoup(client.get(path).text, "lxml")
        assert all(script.get("src") for script in page.find_all("script")), path
        assert page.find("style") is None and page.find(style=True) is None, path


def test_listed_origins_may_frame_the_pages(hostile_store):
    portal = "https://www.example.gov.cn"
    response = TestClient(create_app(Settings(frame_ancestors=portal), store=hostile_store)).get("/")
    assert f"frame-ancestors {portal}" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers  # it cannot name an origin


def test_docs_are_served_from_the_package_not_a_cdn(client):
    page = BeautifulSoup(client.get("/docs").text, "lxml")
    assets = [tag.get("src") or tag.get("href") for tag in page.find_all(["script", "link"])]
    assert assets and all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200 and response.content, url
    assert client.get("/redoc").status_code == 404  # FastAPI's default ReDoc page loads from a CDN


# --- XSS -----------------------------------------------------------------------------------


def test_hostile_fields_are_escaped_on_the_document_page(client):
    response = client.get("/documents/xss-title")
    assert response.status_code == 200
    _no_live_markup(response.text)
    page = BeautifulSoup(response.text, "lxml")
    assert PAYLOAD in page.select_one("h1").text  # shown as text, as the source wrote it
    assert PAYLOAD in page.select_one(".full-text").text


@pytest.mark.parametrize("doc_id, url", [(d.id, d.source_url) for d in hostile_documents()])
def test_only_http_source_urls_become_links(client, doc_id, url):
    # a javascript: or data: "URL" is refused when the document is made (schema.Document);
    # the page links only http(s) addresses whatever is stored
    stored = client.get(f"/api/v1/documents/{doc_id}").json()["source_url"]
    page = BeautifulSoup(client.get(f"/documents/{doc_id}").text, "lxml")
    rows = [tr for tr in page.select(".metadata tr") if tr.th.text == "来源"]
    if url and url.startswith("https://"):
        assert stored == url
        assert [a["href"] for a in rows[0].td.find_all("a")] == [url]
    else:
        assert stored is None and rows == []
    assert not page.select('a[href^="javascript"], a[href^="data"], a[href^=" "]')


def test_hostile_fields_are_escaped_in_results_on_the_page_and_in_the_api(client):
    response = client.get("/", params={"q": "政务公开"})
    assert response.status_code == 200
    _no_live_markup(response.text)
    hits = client.get("/api/v1/search", params={"q": "政务公开"}).json()["results"]
    hostile = next(hit for hit in hits if hit["id"] == "xss-title")
    assert "<script" not in hostile["title_html"] and "<img" not in hostile["title_html"]
    assert "&lt;script&gt;" in hostile["title_html"] and "<mark>政务公开</mark>" in hostile["title_html"]
    for hit in hits:
        for field in ("title_html", "snippet_html"):
            without_marks = hit[field].replace("<mark>", "").replace("</mark>", "")
            assert "<" not in without_marks and ">" not in without_marks, (field, hit[field])


@pytest.mark.parametrize("params", [
    {"q": PAYLOAD},
    {"q": '"><script>alert(1)</script>'},
    {"q": "政务公开", "sort": '"><script>alert(1)</script>'},
    {"q": "政务公开", "field": "'><img src=x onerror=alert(1)>"},
    {"q": "政务公开", "issuer": PAYLOAD},
    {"q": "政务公开", "date_from": PAYLOAD},
    {"page": PAYLOAD},
])
def test_reflected_parameters_are_escaped_on_the_search_page(client, params):
    response = client.get("/", params=params)
    assert response.status_code in (200, 400)
    _no_live_markup(response.text)


def test_reflected_parameters_are_not_markup_in_api_errors(client):
    response = client.get("/api/v1/search", params={"sort": PAYLOAD})
    assert response.status_code == 422 and response.headers["content-type"] == "application/json"
    response = client.get(f"/api/v1/documents/{PAYLOAD}")
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    missing = client.get("/documents/" + PAYLOAD)
    assert missing.status_code == 404
    _no_live_markup(missing.text)


# --- errors --------------------------------------------------------------------------------


def _unavailable_message(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 503, response.text
    return response.text


def test_unavailable_store_messages_do_not_show_the_file_or_internals(tmp_path):
    unreadable = tmp_path / "secret-folder" / "garbage.db"
    unreadable.parent.mkdir()
    unreadable.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    old = tmp_path / "secret-folder" / "old.db"
    Indexer(SQLiteStore(old), progress=False).index_documents([Document(id="x", title="关于政务公开的通知")])
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    for path in (unreadable, old, tmp_path / "secret-folder" / "never-indexed.db"):
        client = TestClient(create_app(Settings(), store=SQLiteStore(path)))
        for url in ("/api/v1/search?q=政务公开", "/?q=政务公开", "/api/v1/suggest?q=政务"):
            text = _unavailable_message(client, url)
            assert "secret-folder" not in text and str(tmp_path) not in text, text
            assert "Traceback" not in text and "sqlite3" not in text.lower(), text
        assert client.get("/api/v1/search").json()["error"]["code"] == "store_unavailable"


def test_elasticsearch_unreachable_is_a_503_without_its_address():
    store = ElasticsearchStore("http://127.0.0.1:9", index="secret-alias", request_timeout=2)
    response = TestClient(create_app(Settings(), store=store)).get("/api/v1/search")
    assert response.status_code == 503 and response.json()["error"]["code"] == "store_unavailable"
    assert "127.0.0.1" not in response.text and "secret-alias" not in response.text
    store.close()


@pytest.mark.elasticsearch
def test_a_missing_elasticsearch_index_is_named_to_the_operator_only(tmp_path):
    store = make_store("elasticsearch", tmp_path)  # never created
    response = TestClient(create_app(Settings(), store=store)).get("/api/v1/search")
    assert response.status_code == 503 and "policy-search index" in response.json()["error"]["message"]
    assert store.alias not in response.text
    store.close()


def test_a_non_ascii_digit_page_number_is_a_400_page_not_a_500(client):
    for value in ("²", "١", "①", "-1", "1.5"):
        response = client.get("/", params={"page": value})
        assert response.status_code == 400, value
        assert "请求参数有误" in response.text and "page" in response.text


@pytest.mark.parametrize("name, path", [("valid_on", "/api/v1/search"), ("date_from", "/api/v1/search"),
                                        ("date_to", "/api/v1/search"), ("on", "/api/v1/current"),
                                        ("valid_on", "/api/v1/documents/xss-title"),
                                        ("valid_on", "/api/v1/documents/xss-title/versions")])
@pytest.mark.parametrize("value", ["0", "1700000000", "20210101", "2021-W01-1", "2021-1-1", "2021-02-30",
                                   "2021-01-01T00:00:00", " 2021-01-01"])
def test_dates_are_strictly_yyyy_mm_dd(client, name, path, value):
    response = client.get(path, params={name: value, "title": "政务公开"})
    assert response.status_code == 422, (name, value, response.text)
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["message"].startswith(name)
    assert "YYYY-MM-DD" in error["message"]


def test_the_search_page_takes_the_same_strict_dates(client):
    assert client.get("/", params={"date_from": "20210101"}).status_code == 400
    assert client.get("/", params={"date_from": "2021-01-01"}).status_code == 200


def test_head_is_answered_like_get(client):
    # a search's answer says how long it took (took_ms): its length moves by a few digits
    searches = ("/?q=政务公开", "/api/v1/search?q=政务公开")
    for path in ("/", "/documents/xss-title", "/widget.js", "/static/style.css", "/healthz",
                 "/api/v1/documents/nothing-here", *searches):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        lengths = int(head.headers["content-length"]), int(get.headers["content-length"])
        assert lengths[0] == lengths[1] if path not in searches else abs(lengths[0] - lengths[1]) <= 4, (path, lengths)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/documents/xss-title", "/", "/widget.js",
                                  "/static/style.css"])
def test_other_methods_get_a_405_that_says_what_is_allowed(client, method, path):
    writable = {"PUT", "DELETE"} if path.startswith("/api/v1/documents/") else set()  # the write API's
    response = client.request(method, path)
    if method in writable:
        assert response.status_code == 401  # a route, for a client with a key
        return
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"} | writable
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "method_not_allowed"


# --- the API description -------------------------------------------------------------------


def test_the_description_declares_errors_enums_and_dates(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def parameter(path: str, name: str) -> dict:
        found = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)
        schema = found["schema"]
        return next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)

    def resolve(schema: dict) -> dict:
        if "$ref" in schema:
            return schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    assert resolve(parameter("/api/v1/search", "sort"))["enum"] == ["relevance", "date", "date_asc", "effective"]
    assert set(resolve(parameter("/api/v1/search", "status")["items"])["enum"]) == {
        "in_force", "not_yet_effective", "amended", "repealed", "expired"}
    assert resolve(parameter("/api/v1/search", "kind")["items"])["enum"] == ["policy", "interpretation", "other"]
    assert resolve(parameter("/api/v1/search", "field"))["enum"] == ["all", "title"]
    for path, name in (("/api/v1/search", "valid_on"), ("/api/v1/search", "date_from"),
                       ("/api/v1/current", "on")):
        assert parameter(path, name) == {"type": "string", "format": "date"}
    for path, statuses in (("/api/v1/search", {"422", "429", "503"}), ("/api/v1/suggest", {"422", "429", "503"}),
                           ("/api/v1/documents/{doc_id}", {"404", "422", "503"}),
                           ("/api/v1/current", {"404", "422", "429", "503"})):
        responses = spec["paths"][path]["get"]["responses"]
        assert statuses <= set(responses), (path, set(responses))
        for status in statuses:
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is not what is answered


# --- rate limits ---------------------------------------------------------------------------


def _limited_app(store, **limits):
    return create_app(Settings(rate_limit_loopback=True, **limits), store=store)


def test_search_is_rate_limited_per_client_with_retry_after(hostile_store):
    app = _limited_app(hostile_store, rate_limit_search=3)
    now = [1000.0]
    app.state.rate_limits["search"].clock = lambda: now[0]
    client = TestClient(app, client=("203.0.113.7", 50000))
    assert [client.get("/api/v1/search", params={"q": "政务公开"}).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/search", params={"q": "政务公开"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "20"  # 3 a minute: one every 20 s
    page = client.get("/", params={"q": "政务公开"})  # the page is a search too, and says so in Chinese
    assert page.status_code == 429 and "请求过于频繁" in page.text and page.headers["retry-after"] == "20"
    other = TestClient(app, client=("203.0.113.8", 50000))  # another client has its own bucket
    assert other.get("/api/v1/search", params={"q": "政务公开"}).status_code == 200
    assert client.get("/api/v1/documents/xss-title").status_code == 200  # documents are not limited
    now[0] += 20
    assert client.get("/api/v1/search", params={"q": "政务公开"}).status_code == 200
    assert client.get("/api/v1/search", params={"q": "政务公开"}).status_code == 429


def test_suggest_has_its_own_limit(hostile_store):
    app = _limited_app(hostile_store, rate_limit_search=1, rate_limit_suggest=2)
    client = TestClient(app, client=("198.51.100.1", 50000))
    assert client.get("/api/v1/search").status_code == 200
    assert client.get("/api/v1/search").status_code == 429
    assert [client.get("/api/v1/suggest", params={"q": "关于"}).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/current", params={"title": "政务公开"}).status_code == 429  # a search


def test_loopback_clients_are_not_limited_unless_asked(hostile_store):
    app = create_app(Settings(rate_limit_search=1), store=hostile_store)
    local = TestClient(app, client=("127.0.0.1", 50000))
    assert {local.get("/api/v1/search").status_code for _ in range(5)} == {200}
    remote = TestClient(app, client=("192.0.2.10", 50000))
    assert [remote.get("/api/v1/search").status_code for _ in range(2)] == [200, 429]
    off = TestClient(create_app(Settings(rate_limit_search=0, rate_limit_loopback=True), store=hostile_store),
                     client=("192.0.2.10", 50000))
    assert {off.get("/api/v1/search").status_code for _ in range(5)} == {200}


def test_behind_a_proxy_on_loopback_the_forwarded_client_is_limited(hostile_store):
    """uvicorn takes the client's address from X-Forwarded-For sent from 127.0.0.1."""
    app = create_app(Settings(rate_limit_search=1), store=hostile_store)
    with ServedApp(app) as service:
        def search(forwarded_for: str) -> int:
            connection = http.client.HTTPConnection(*service.address, timeout=10)
            connection.request("GET", "/api/v1/search", headers={"X-Forwarded-For": forwarded_for})
            status = connection.getresponse().status
            connection.close()
            return status

        assert [search("203.0.113.9"), search("203.0.113.9"), search("203.0.113.10")] == [200, 429, 200]


def test_clients_are_keyed_by_address_and_ipv6_by_its_64_block():
    assert client_key("127.0.0.1", False) is None and client_key("::1", False) is None
    assert client_key("127.0.0.1", True) == "127.0.0.1"
    assert client_key("testclient", True) is None and client_key(None, True) is None
    assert client_key("2001:db8:1:2:aaaa::1", False) == client_key("2001:db8:1:2:bbbb::9", False)
    assert client_key("2001:db8:1:2::1", False) != client_key("2001:db8:1:3::1", False)
    assert client_key("::ffff:192.0.2.1", False) == "192.0.2.1"


def test_a_token_bucket_refills_at_its_rate_and_never_beyond_a_minutes_worth():
    now = [0.0]
    buckets = TokenBuckets(60, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(60)] == [0.0] * 60
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] += 3600  # an idle hour refills a minute's worth, not an hour's
    assert sum(1 for _ in range(100) if buckets.take("a") == 0) == 60


# --- request size limits -------------------------------------------------------------------


def test_an_announced_over_large_body_is_refused_before_it_is_read(client):
    response = client.post("/api/v1/search", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_body_sent_without_a_length_is_cut_off_at_the_limit(hostile_store):
    """For the routes that read bodies (the write API): chunked bodies are counted as read."""
    app = create_app(Settings(max_body_bytes=1000), store=hostile_store)

    async def echo(request: Request) -> dict:
        return {"length": len(await request.body())}

    app.add_api_route("/test-echo", echo, methods=["POST"])
    client = TestClient(app)
    assert client.post("/test-echo", content=iter([b"x" * 600])).json() == {"length": 600}
    response = client.post("/test-echo", content=iter([b"x" * 600, b"x" * 600]))
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


@pytest.fixture(scope="module")
def server(hostile_store) -> Iterator[tuple[str, int]]:
    """The app in uvicorn with the protocol and limits `policy-search serve` uses."""
    with ServedApp(create_app(Settings(), store=hostile_store)) as service:
        yield service.address


def _send_until_answered(address: tuple[str, int], head: bytes, filler: bytes, limit: int) -> tuple[bytes, int]:
    """Send `head`, then `filler` a chunk at a time until the server answers (or `limit`
    bytes are sent); return the answer's first bytes and how much was sent."""
    sent = 0
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(head)
        sent += len(head)
        connection.setblocking(False)
        answer = b""
        chunk = filler * (65536 // len(filler))
        while sent < limit:
            try:
                answer = connection.recv(65536)
                if answer:
                    break
            except BlockingIOError:
                pass
            try:
                sent += connection.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)  # the server is not reading: wait for its answer
            except (BrokenPipeError, ConnectionResetError):
                break
        connection.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                more = connection.recv(65536)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def test_a_64_mb_header_is_refused_after_the_first_kilobytes(server):
    answer, sent = _send_until_answered(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", b"a", 64 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"request_too_large"' in answer or b"\r\n\r\n" in answer
    # answered long before the whole header is sent (the socket buffers on the way hold some
    # megabytes; plain httptools reads all 64 MB, about 20 s here, and answers nothing)
    assert sent < 32 * 1024 * 1024, f"{sent} bytes were sent before the refusal"


def test_many_headers_adding_up_past_the_limit_are_refused(server):
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(400))
    answer, _ = _send_until_answered(server, head + b"\r\n", b"\r\n", 1)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_an_over_long_url_is_a_414(server):
    connection = http.client.HTTPConnection(*server, timeout=10)
    connection.request("GET", "/api/v1/search?q=" + "a" * 10_000)
    response = connection.getresponse()
    assert response.status == 414
    assert json.loads(response.read())["error"]["code"] == "request_too_large"
    connection.close()


def test_an_announced_64_mb_body_is_refused_without_reading_it(server):
    head = b"POST /api/v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n"
    answer, sent = _send_until_answered(server, head, b"x", 64 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 32 * 1024 * 1024


def test_ordinary_requests_still_pass_through_the_limited_server(server):
    connection = http.client.HTTPConnection(*server, timeout=10)
    for _ in range(3):  # keep-alive: the head counter starts again for each request
        connection.request("GET", "/api/v1/search?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80",
                           headers={"Cookie": "c=" + "v" * 8000, "User-Agent": "test"})
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["total"] >= 1
    connection.close()


def test_the_limits_come_from_the_settings():
    defaults = Settings()
    assert (defaults.max_url_bytes, defaults.max_header_bytes, defaults.max_body_bytes) == (8192, 32768, 1048576)
    assert server_options()["h11_max_incomplete_event_size"] == defaults.max_header_bytes
