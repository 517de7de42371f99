"""相关法条 on the pages as served, on both stores: the articles that answer a question above
the documents, each document's matching articles under it, and the anchors they link to.
In a browser (scrolling to and marking the article, the widget): test_browser.py."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from support.documents import hostile_law

from indexer.pipeline import Indexer
from policy_search.settings import Settings
from search_api.app import create_app
from tests.conftest import STORE_KINDS, make_store
from tests.test_articles import article_documents

QUESTION = "个体工商户欠的债谁来还？"
LABOUR_QUESTION = "公司不给交社保我可以辞职吗"


@pytest.fixture(scope="module", params=STORE_KINDS)
def client(request, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp("article-pages"))
    Indexer(store, progress=False).index_documents([*article_documents(), hostile_law()])
    store.refresh()
    yield TestClient(create_app(Settings(), store=store))
    store.drop()
    store.close()


def _page(client: TestClient, url: str, **params) -> BeautifulSoup:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "lxml")


def _related(page: BeautifulSoup) -> list[dict[str, str]]:
    return [{"href": unquote(item.select_one("h3 a")["href"]), "link": item.select_one("h3 a").text,
             "status": item.select_one(".badge").text, "meta": item.select_one(".result-meta").text,
             "passage": item.select_one(".snippet").decode_contents()}
            for item in page.select(".related-articles .article-hit")]


def test_a_question_shows_the_articles_that_answer_it_above_the_documents(client):
    page = _page(client, "/", q=QUESTION)
    section = page.select_one("section.related-articles")
    assert section is not None and section.find("h2").text == "相关法条"
    assert section.find_next("section", class_="results") is not None  # the documents come after it
    related = _related(page)
    assert 1 <= len(related) <= 5
    first = related[0]
    assert first["href"] == "/documents/civil-code#第五十六条"
    assert "中华人民共和国民法典" in first["link"] and "第五十六条" in first["link"]  # says where it goes
    assert first["status"] == "现行有效"
    assert "第四节 个体工商户和农村承包经营户" in first["meta"]
    assert "<mark>个体工商户</mark>" in first["passage"]
    # the same articles, in the same order, as the article search answers
    api = client.get("/api/v1/articles", params={"q": QUESTION, "size": 5}).json()
    assert [r["href"] for r in related] == [hit["url"] for hit in api["results"]]


def test_the_articles_shown_are_from_versions_in_force_and_follow_the_filters(client):
    related = _related(_page(client, "/", q=LABOUR_QUESTION))
    assert related and related[0]["href"] == "/documents/labour-2012#第三十八条"
    assert all(r["href"].startswith("/documents/labour-2012#") for r in related if "劳动合同法" in r["link"])
    assert {r["status"] for r in related} == {"现行有效"}
    # an issuer whose documents hold no such article: no 相关法条, the documents still shown
    narrowed = _page(client, "/", q=LABOUR_QUESTION, issuer="人力资源社会保障部")
    assert narrowed.select_one(".related-articles") is None
    assert narrowed.select(".result")


def test_the_articles_shown_follow_the_pages_publish_dates(client):
    assert _related(_page(client, "/", q=QUESTION, date_from="2020-01-01"))
    before_the_code = _page(client, "/", q=QUESTION, date_to="2019-12-31")
    assert before_the_code.select_one(".related-articles") is None


@pytest.mark.parametrize("q", ["怎么办？", "😀😀怎么办😀", "民法典第9999条", "个体工商户" * 40 + "的债务谁来还？" * 8])
def test_odd_questions_get_a_page_not_an_error(client, q):
    page = _page(client, "/", q=q[:256])  # 256 characters is the longest query allowed
    assert page.select_one("#total") is not None
    assert len(page.select(".related-articles .article-hit")) <= 5


def test_a_keyword_query_and_later_pages_show_no_related_articles(client):
    assert _page(client, "/", q="劳动合同法").select_one(".related-articles") is None
    assert _page(client, "/", q=QUESTION, page="2").select_one(".related-articles") is None


def test_each_document_result_lists_its_matching_articles_as_links(client):
    page = _page(client, "/", q=QUESTION)
    api = client.get("/api/v1/search", params={"q": QUESTION}).json()
    assert api["question"] is True
    for result, hit in zip(page.select(".result-list > .result"), api["results"], strict=True):
        links = result.select(".result-articles a")
        assert [unquote(a["href"]) for a in links] == [article["url"] for article in hit["articles"]]
        for link, article in zip(links, hit["articles"], strict=True):
            assert link.text.startswith(article["number"]) and hit["title"] in link.text  # its law, for readers
    civil = page.select_one(".result-list > .result")
    assert civil.select_one(".result-articles a").text.startswith("第五十六条")


def test_the_document_page_has_an_anchor_for_every_article(client):
    page = _page(client, "/documents/civil-code")
    numbers = [section["id"] for section in page.select("section.article")]
    assert numbers == ["第五十四条", "第五十六条", "第一千零六十四条"]
    assert unquote(page.select_one('section.article[id="第五十六条"] h3 a')["href"]) == "#第五十六条"
    assert page.select_one('script[src="/static/document.js"]') is not None  # marks the linked article


def test_hostile_articles_stay_text_on_the_search_page(client):
    page = _page(client, "/", q="经营者的债务由谁承担？")
    related = page.select(".related-articles .article-hit")
    assert related, "the hostile law's article should be found"
    assert page.select(".related-articles script, .related-articles img, .result-articles script") == []
    assert any("<script>" in item.get_text() for item in related)
