"""Query understanding and ranking on the real corpus, on both stores: what a citizen or a
clerk types, and what must come first."""

from __future__ import annotations

import re
from datetime import date

import pytest

from analyzers import normalize_text
from policy_search.search import make_request, ranked_search, search_response

TODAY = date(2026, 1, 1)


def top(store, q: str, **options) -> list:
    request = make_request(q, valid_on=options.pop("valid_on", TODAY), **options)
    return [hit.document for hit in ranked_search(store, request).hits]


def test_a_short_title_finds_the_law_in_force_first(corpus_store):
    docs = top(corpus_store, "公司法")
    assert docs[0].title == "中华人民共和国公司法" and docs[0].publish_date == date(2023, 12, 29)
    # the replaced version stays findable, right below the one in force
    assert docs[1].title == "中华人民共和国公司法" and docs[1].publish_date == date(2018, 10, 26)


def test_the_version_in_force_on_a_past_day_comes_first(corpus_store):
    docs = top(corpus_store, "公司法", valid_on=date(2024, 3, 1))
    assert docs[0].publish_date == date(2018, 10, 26)


def test_an_exact_full_title_comes_first(corpus_store):
    title = "最高人民法院关于审理政府信息公开行政案件若干问题的规定"
    assert top(corpus_store, title)[0].title == title


@pytest.mark.parametrize("typed, title", [
    ("道交法", "中华人民共和国道路交通安全法"),
    ("民诉法", "中华人民共和国民事诉讼法"),
    ("治安法", "中华人民共和国治安管理处罚法"),
    ("个保法", "中华人民共和国个人信息保护法"),
])
def test_abbreviations_find_the_law(corpus_store, typed, title):
    assert top(corpus_store, typed)[0].title == title


def test_synonym_file_added_by_staff(corpus_store, tmp_path):
    from analyzers import AnalyzerConfig, analyzer_for

    extra = tmp_path / "synonyms.txt"
    extra.write_text("# our own\n营商条例 => 优化营商环境条例\n", encoding="utf-8")
    ours = analyzer_for(AnalyzerConfig(synonym_files=(extra,)))
    assert top(corpus_store, "营商条例", analyzer=ours)[0].title == "优化营商环境条例"
    assert "营商条例" not in top(corpus_store, "营商条例")[0].title  # the shipped rules do not know it


@pytest.mark.parametrize("typed", ["個人信息保護法", "中華人民共和國個人信息保護法"])
def test_traditional_characters_find_simplified_text(corpus_store, typed):
    assert top(corpus_store, typed)[0].title == "中华人民共和国个人信息保护法"


@pytest.mark.parametrize("typed", ["国务院令第711号", "国务院令第７１１号", "国务院令 第711号", "国务院令第711"])
def test_order_numbers_in_any_width_find_the_regulation(corpus_store, typed):
    assert top(corpus_store, typed)[0].title == "中华人民共和国政府信息公开条例"


def test_a_quoted_phrase_must_occur_in_sequence(corpus_store):
    # as in web search, punctuation between the words of a phrase does not count
    loose = ranked_search(corpus_store, make_request("信息 公开", size=100, valid_on=TODAY))
    phrase = ranked_search(corpus_store, make_request('"信息公开"', size=100, valid_on=TODAY))
    assert 0 < phrase.total < loose.total
    for hit in phrase.hits:
        text = re.sub(r"[^\w]", "", normalize_text(hit.document.title + hit.document.body))
        assert "信息公开" in text


def test_an_excluded_word_removes_documents(corpus_store):
    with_word = ranked_search(corpus_store, make_request("政府信息公开", size=100, valid_on=TODAY))
    without = ranked_search(corpus_store, make_request("政府信息公开 -条例", size=100, valid_on=TODAY))
    assert 0 < without.total < with_word.total
    for hit in without.hits:
        assert "条例" not in hit.document.title + hit.document.body


def test_title_scope_matches_titles_only(corpus_store):
    anywhere = ranked_search(corpus_store, make_request("个人信息", size=100, valid_on=TODAY))
    titles = ranked_search(corpus_store, make_request("个人信息", size=100, valid_on=TODAY, field="title"))
    assert 0 < titles.total < anywhere.total
    assert all("个人信息" in hit.document.title for hit in titles.hits)


def test_a_law_snippet_names_its_article(corpus_store):
    request = make_request("个人信息 处理者 告知", valid_on=TODAY)
    response = search_response(corpus_store, "个人信息 处理者 告知", request)
    law = next(r for r in response["results"] if r["title"] == "中华人民共和国个人信息保护法")
    assert law["snippet_html"].lstrip("…").startswith("第") and "条" in law["snippet_html"][:8]


@pytest.mark.parametrize("typed", ['"未闭合的引号', "-", "--条例", '""', "AND OR NOT", "(政府", "*", "title:政府", "^~"])
def test_no_query_syntax_is_an_error(corpus_store, typed):
    response = search_response(corpus_store, typed, make_request(typed, valid_on=TODAY))
    assert response["total"] >= 0


def test_current_version_today_and_on_a_past_day(corpus_store):
    from policy_search.documents import current_document

    assert current_document(corpus_store, "公司法", TODAY).publish_date == date(2023, 12, 29)
    assert current_document(corpus_store, "中华人民共和国公司法", date(2024, 3, 1)).publish_date == date(2018, 10, 26)
    assert current_document(corpus_store, "道路运输条例", date(2022, 6, 1)).publish_date == date(2022, 3, 29)


def test_current_endpoint_answers_404_when_nothing_is_in_force(corpus_store):
    from fastapi.testclient import TestClient

    from policy_search.settings import Settings
    from search_api.app import create_app

    client = TestClient(create_app(Settings(), corpus_store))
    found = client.get("/api/v1/current", params={"title": "个人信息保护法", "on": "2022-01-01"})
    assert found.status_code == 200
    assert found.json()["title"] == "中华人民共和国个人信息保护法" and found.json()["status"] == "in_force"
    # the law was published on 2021-08-20 and took effect on 2021-11-01
    early = client.get("/api/v1/current", params={"title": "个人信息保护法", "on": "2021-09-01"})
    assert early.status_code == 404 and "in force on 2021-09-01" in early.json()["error"]["message"]
    assert client.get("/api/v1/current", params={"title": ""}).status_code == 422



def test_current_endpoint_answers_only_a_title_match(corpus_store):
    from fastapi.testclient import TestClient

    from policy_search.settings import Settings
    from search_api.app import create_app

    client = TestClient(create_app(Settings(), corpus_store))
    # every word of these occurs in the text of some regulation, in no title
    for title in ("不存在的法", "不存在的条例"):
        missing = client.get("/api/v1/current", params={"title": title, "on": "2025-01-01"})
        assert missing.status_code == 404, missing.json().get("title")
        assert missing.json()["error"] == {"code": "not_found", "message": f"no regulation's title matches {title!r}"}
    for typed, expected in (("公司法", "中华人民共和国公司法"),  # a short title
                            ("中华人民共和国民事诉讼法", "中华人民共和国民事诉讼法"),  # a full one
                            ("民诉法", "中华人民共和国民事诉讼法"),  # an abbreviation (synonyms.txt)
                            ("道交法", "中华人民共和国道路交通安全法")):
        found = client.get("/api/v1/current", params={"title": typed, "on": "2025-01-01"})
        assert found.status_code == 200 and found.json()["title"] == expected, typed
        assert found.json()["status"] == "in_force"

@pytest.mark.parametrize("typed, expected", [
    ("公司", "中华人民共和国公司法"),          # a prefix of the short title
    ("中华人民共和国个人信", "中华人民共和国个人信息保护法"),
    ("北京市物业", "北京市物业管理条例"),
    ("政府信息公开", "中华人民共和国政府信息公开条例"),
    ("道交法", "中华人民共和国道路交通安全法"),  # an abbreviation
    ("個人信息", "中华人民共和国个人信息保护法"),  # traditional characters
])
def test_suggestions_complete_titles(corpus_store, typed, expected):
    from fastapi.testclient import TestClient

    from policy_search.settings import Settings
    from search_api.app import create_app

    client = TestClient(create_app(Settings(), corpus_store))
    response = client.get("/api/v1/suggest", params={"q": typed, "size": 8})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    texts = [s["text"] for s in suggestions]
    assert expected in texts and len(texts) == len(set(texts)) <= 8
    chosen = next(s for s in suggestions if s["text"] == expected)
    # a title of several versions points at the one in force
    assert client.get(f"/api/v1/documents/{chosen['id']}").json()["is_current"]


def test_government_terms_stay_whole_words(corpus_store):
    # 政务公开 is one word of the shipped user dictionary: titles holding it come first and
    # it is marked as one word, not as 政务 and 公开 apart
    response = search_response(corpus_store, "政务公开", make_request("政务公开", valid_on=TODAY))
    first = response["results"][0]
    assert "政务公开" in first["title"]
    assert "<mark>政务公开</mark>" in first["title_html"]
