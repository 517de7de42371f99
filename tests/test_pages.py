"""The pages and the widget as served (both stores): what works without a browser's
JavaScript, errors as pages, caching headers and CORS. Browser behaviour: test_browser.py."""

from __future__ import annotations

import gzip
import re

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from policy_search.settings import Settings
from policy_search.stores.sqlite import SQLiteStore
from search_api import create_app

PORTAL = "https://www.example.gov.cn"


@pytest.fixture(scope="module")
def client(fixture_store) -> TestClient:
    return TestClient(create_app(Settings(cors_origins=PORTAL), store=fixture_store))


def _page(client: TestClient, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params=params) if params else client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "lxml")


def _facet_counts(page: BeautifulSoup, field: str) -> dict[str, int]:
    return {box.find("input")["value"]: int(box.select_one(".count").text)
            for box in page.select(f'[data-facet="{field}"] label.check')}


def test_the_search_page_renders_the_apis_results_with_highlights(client):
    page = _page(client, "/", q="政府信息公开")
    api = client.get("/api/v1/search", params={"q": "政府信息公开"}).json()
    assert [a.text for a in page.select(".result-title a")] == [hit["title"] for hit in api["results"]]
    assert int(page.select_one("#total").text) == api["total"]
    first = page.select_one(".result")
    assert first.select_one(".result-title mark") is not None
    assert first.select_one(".badge").text == api["results"][0]["status_label"]
    assert page.select_one("#q")["value"] == "政府信息公开"
    assert page.find("html")["lang"] == "zh-CN"


def test_filters_in_the_url_narrow_results_and_facet_counts(client):
    everything = _page(client, "/")
    levels = _facet_counts(everything, "level")
    narrowed = _page(client, "/", level="行政法规")
    assert int(narrowed.select_one("#total").text) == levels["行政法规"]
    assert narrowed.select_one('[data-facet="level"] input[value="行政法规"]').has_attr("checked")
    # a facet's own counts ignore its own filter (multi-select); the others count what is left
    assert _facet_counts(narrowed, "level") == levels
    assert sum(_facet_counts(narrowed, "kind").values()) == levels["行政法规"]
    two = _page(client, "/", level=["行政法规", "司法解释"])
    assert int(two.select_one("#total").text) == levels["行政法规"] + levels["司法解释"]


def test_the_in_force_toggle_and_date_range(client):
    page = _page(client, "/", q="专利法实施细则", current="true")
    assert [b.text for b in page.select(".result .badge")] == ["现行有效"]
    ranged = _page(client, "/", date_from="2019-01-01", date_to="2019-12-31")
    dates = [re.search(r"发布 (\S+)", meta.text).group(1) for meta in ranged.select(".result .result-meta")]
    assert dates and all("2019-01-01" <= d <= "2019-12-31" for d in dates)
    # an empty field from the form means "not given", not an error
    assert _page(client, "/", q="政务公开", date_from="", date_to="", sort="")


def test_pagination_links_keep_the_query_and_filters(client):
    page = _page(client, "/", kind="policy")
    total = int(page.select_one("#total").text)
    assert total > 10
    next_link = page.select_one('.pagination a[rel="next"]')["href"]
    assert "kind=policy" in next_link and "page=2" in next_link
    second = _page(client, next_link)
    assert len(second.select(".result")) == total - 10
    assert second.select_one(".result-list")["start"] == "11"


def test_interpretations_and_policies_link_to_each_other(client):
    page = _page(client, "/", q="深圳市人民政府办公厅关于进一步做好政策解读工作的通知")
    links = {a.text: a["href"] for a in page.select(".result .links a")}
    assert "图解：深圳市人民政府办公厅关于进一步做好政策解读工作的通知" in links
    interpretation = _page(client, links["图解：深圳市人民政府办公厅关于进一步做好政策解读工作的通知"])
    assert "本文是对以下文件的解读" in interpretation.select_one(".links").text


def test_a_document_page_has_every_field_the_source_gave(client):
    found = client.get("/api/v1/search", params={"q": "滁政办电〔2019〕23号"}).json()["results"][0]
    page = _page(client, f"/documents/{found['id']}")
    rows = {th.text: td.text for th, td in zip(page.select(".metadata th"), page.select(".metadata td"), strict=True)}
    assert rows["索引号"] == "11341100003132496A/201906-00023"
    assert rows["发文字号"] == "滁政办电〔2019〕23号"
    assert rows["发布机关"] == "滁州市人民政府办公室"
    assert rows["公开形式"] == "政府网站" and rows["公开时限"] == "自生成之日起20个工作日内"
    assert rows["责任部门"] == "市政府办公室"
    assert [a.text for a in page.select(".interpretations a")] == [i["title"] for i in found["interpretations"]]


def test_a_repealed_documents_page_names_what_repealed_it(tmp_path):
    from datetime import date

    from indexer import Indexer
    from policy_search.schema import Document

    store = SQLiteStore(tmp_path / "repeals.db")
    old = Document(id="old", title="某市旧办法", publish_date=date(2015, 1, 1), body="第一条 旧办法。")
    new = Document(id="new", title="某市新办法", publish_date=date(2020, 1, 1), effective_date=date(2020, 3, 1),
                   body="第一条 新办法。第二条 本办法自2020年3月1日起施行。《某市旧办法》同时废止。")
    Indexer(store, progress=False).index_documents([old, new])
    client = TestClient(create_app(Settings(), store=store))
    page = _page(client, "/documents/old")
    assert page.select_one(".badge").text == "已废止"
    notice = page.select_one(".notice")
    assert "已被《某市新办法》废止（自2020-03-01起）" in notice.text
    assert notice.find("a")["href"] == "/documents/new"
    assert [a["href"] for a in _page(client, "/documents/new").select(".repeals a")] == ["/documents/old"]
    assert client.get("/api/v1/documents/old").json()["repealed_by"] == {
        "id": "new", "title": "某市新办法", "on": "2020-03-01"}
    assert client.get("/api/v1/documents/old", params={"valid_on": "2020-02-29"}).json()["status"] == "in_force"
    # the version in force of the repealed one: none, and the answer says what repealed it
    current = client.get("/api/v1/current", params={"title": "某市旧办法"})
    assert current.status_code == 404
    assert "repealed on 2020-03-01 by 某市新办法 (id new)" in current.json()["error"]["message"]


def test_a_law_page_has_an_anchor_per_article_and_its_chapters(client):
    found = client.get("/api/v1/current", params={"title": "专利法实施细则"}).json()
    page = _page(client, f"/documents/{found['id']}")
    anchors = [section["id"] for section in page.select("section.article")]
    assert anchors == [article["number"] for article in found["articles"]]
    assert page.select_one('section.article[id="第一条"] p').text == found["articles"][0]["text"]
    assert any(p.text.startswith("第一章") for p in page.select(".full-text .plain"))
    assert page.select_one(".notice") is None  # the version in force needs no pointer


def test_errors_are_pages_in_chinese(client, tmp_path):
    missing = client.get("/documents/no-such-document")
    assert missing.status_code == 404 and "未找到页面" in missing.text and "<html" in missing.text
    bad = client.get("/", params={"date_from": "2021-13-45"})
    assert bad.status_code == 400 and "请求参数有误" in bad.text and "date_from" in bad.text
    assert "日期应写作" in bad.text and "is not a date" not in bad.text
    long = client.get("/", params={"q": "政务公开" * 70})
    assert long.status_code == 400 and "检索词过长，最多 256 个字" in long.text and "characters long" not in long.text
    unindexed = TestClient(create_app(Settings(), store=SQLiteStore(tmp_path / "never-indexed.db")))
    down = unindexed.get("/", params={"q": "政务公开"})
    assert down.status_code == 503 and "检索服务暂时不可用" in down.text and "Traceback" not in down.text
    # the API keeps its JSON errors
    assert client.get("/api/v1/documents/no-such-document").json()["error"]["code"] == "not_found"


def test_document_pages_and_the_widget_are_cached_by_entity_tag(client):
    doc_id = client.get("/api/v1/search", params={"q": "政务公开"}).json()["results"][0]["id"]
    for url, cache_control in ((f"/documents/{doc_id}", "no-cache"), ("/widget.js", "public, max-age=3600")):
        first = client.get(url)
        assert first.headers["cache-control"] == cache_control
        tag = first.headers["etag"]
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_widget_is_small_and_defines_its_element(client):
    response = client.get("/widget.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert len(gzip.compress(response.content)) <= 15 * 1024
    assert b'customElements.define("policy-search-box"' in response.content


def test_cors_allows_only_the_listed_origins(client, fixture_store):
    allowed = client.get("/api/v1/search", params={"q": "政务公开"}, headers={"Origin": PORTAL})
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    other = client.get("/api/v1/search", params={"q": "政务公开"}, headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options("/api/v1/search", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 400
    closed = TestClient(create_app(Settings(), store=fixture_store))  # the default: no origin allowed
    response = closed.get("/api/v1/search", params={"q": "政务公开"}, headers={"Origin": PORTAL})
    assert "access-control-allow-origin" not in response.headers
