"""Citations of articles (民法典第1062条, 个保法第13条, 刑法 133条之一) resolve to the article, on
both stores."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from analyzers import shipped_analyzer
from analyzers.numerals import article_number, article_value, chinese_to_int, int_to_chinese
from indexer import Indexer
from policy_search.citations import parse_citation, resolve_citation
from policy_search.schema import Article, Document
from policy_search.settings import Settings
from search_api import create_app

DAY = date(2024, 6, 1)
CODE = "中华人民共和国民法典"
PIPL = "中华人民共和国个人信息保护法"


@pytest.mark.parametrize(("number", "words"), [
    (1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (56, "五十六"), (100, "一百"), (101, "一百零一"),
    (110, "一百一十"), (133, "一百三十三"), (1001, "一千零一"), (1010, "一千零一十"), (1062, "一千零六十二"),
    (1100, "一千一百"), (1260, "一千二百六十"),
])
def test_article_numerals_both_ways(number, words):
    assert int_to_chinese(number) == words
    assert chinese_to_int(words) == number


def test_article_numbers_as_the_corpus_writes_them():
    assert article_number(1062) == "第一千零六十二条"
    assert article_number(133, 1) == "第一百三十三条之一"
    assert article_value("第一百三十三条之一") == (133, 1)
    assert article_value("第五条") == (5, 0)
    assert article_value("第五章") is None


@pytest.mark.parametrize(("query", "name", "number"), [
    ("民法典第1062条", "民法典", "第一千零六十二条"),
    ("《民法典》第577条", "民法典", "第五百七十七条"),
    ("中华人民共和国民法典第一千零八十四条", "中华人民共和国民法典", "第一千零八十四条"),
    ("民法典1165", "民法典", "第一千一百六十五条"),
    ("民法典 第五十四条", "民法典", "第五十四条"),
    ("民法典继承编第1127条", "民法典", "第一千一百二十七条"),
    ("劳动合同法 第三十九条", "劳动合同法", "第三十九条"),
    ("劳动合同法 87", "劳动合同法", "第八十七条"),
    ("个保法第13条", "个人信息保护法", "第十三条"),
    ("刑法第二百六十四条", "刑法", "第二百六十四条"),
    ("刑法 133条之一", "刑法", "第一百三十三条之一"),
    ("中华人民共和国刑法第253条之一", "中华人民共和国刑法", "第二百五十三条之一"),
    ("道交法第76条第一款", "道路交通安全法", "第七十六条"),
    ("社保法第58条", "社会保险法", "第五十八条"),
    ("电商法第３８条", "电子商务法", "第三十八条"),
    ("政府信息公开条例 第十四条的规定", "政府信息公开条例", "第十四条"),
    ("劳动仲裁法第27条", "劳动争议调解仲裁法", "第二十七条"),
    ("反家暴法 第二十三条", "反家庭暴力法", "第二十三条"),
    ("工伤条例第十四条", "工伤保险条例", "第十四条"),
])
def test_citations_in_every_form_are_read(query, name, number):
    cited = parse_citation(query, shipped_analyzer())
    assert cited is not None, query
    assert (cited.name, cited.number) == (name, number)


@pytest.mark.parametrize("query", [
    "2021年13号文件", "莆政办〔2021〕13号", "国务院令第711号", "民法典", "个人信息保护", "公司法2023",
    "第1062条", "1062", "怎么办？", "夫妻一方欠的债要不要一起还", "十四五规划", "😀😀", "民法典第1062条" * 20,
    "关于做好2021年政务公开工作的通知",
])
def test_queries_that_are_not_citations(query, fixture_store):
    assert parse_citation(query, shipped_analyzer()) is None
    assert resolve_citation(fixture_store, query, DAY, fixture_store.analyzer) is None


@pytest.mark.parametrize(("query", "title", "number", "starts"), [
    ("民法典第1062条", CODE, "第一千零六十二条", "夫妻在婚姻关系存续期间所得的下列财产"),
    ("《中华人民共和国民法典》第一千零六十二条", CODE, "第一千零六十二条", "夫妻在婚姻关系存续期间所得的下列财产"),
    ("民法典 54", CODE, "第五十四条", "自然人从事工商业经营"),
    ("民法典婚姻家庭编第1043条", CODE, "第一千零四十三条", "家庭应当树立优良家风"),
    ("个保法第13条", PIPL, "第十三条", "符合下列情形之一的"),
    ("个人信息保护法 第二十八条", PIPL, "第二十八条", "敏感个人信息是"),
    ("政府信息公开条例第三十三条", "中华人民共和国政府信息公开条例", "第三十三条", "行政机关收到政府信息公开申请"),
])
def test_a_citation_resolves_to_the_article(fixture_store, query, title, number, starts):
    citation = resolve_citation(fixture_store, query, DAY, fixture_store.analyzer)
    assert citation is not None and citation.law is not None
    assert citation.law.title == title and citation.number == number
    assert citation.article is not None and citation.article.number == number
    assert citation.article.text.startswith(starts)
    assert citation.anchor == f"/documents/{citation.law.id}#{number}"


def test_the_anchor_is_the_article_on_the_document_page(fixture_store):
    citation = resolve_citation(fixture_store, "民法典第1062条", DAY, fixture_store.analyzer)
    assert citation is not None and citation.anchor is not None
    page, fragment = citation.anchor.split("#")
    response = TestClient(create_app(Settings(), store=fixture_store)).get(page)
    assert response.status_code == 200
    assert f'id="{fragment}"' in response.text


def test_a_missing_article_is_said_with_the_law_found(fixture_store):
    for query, title in (("民法典第9999条", CODE), ("个保法第七十五条", PIPL)):
        citation = resolve_citation(fixture_store, query, DAY, fixture_store.analyzer)
        assert citation is not None and citation.law is not None and citation.law.title == title
        assert citation.article is None


def test_an_unknown_law_is_said_as_such(fixture_store):
    citation = resolve_citation(fixture_store, "劳动合同法第三十九条", DAY, fixture_store.analyzer)
    assert citation is not None
    assert (citation.name, citation.number, citation.law, citation.article, citation.anchor) == (
        "劳动合同法", "第三十九条", None, None, None)


def test_the_version_in_force_on_the_day_is_cited(fixture_store):
    # 专利法实施细则: the 2010 text (123 articles), replaced by the 2023 text (149 articles)
    old = resolve_citation(fixture_store, "专利法实施细则第149条", date(2020, 6, 1), fixture_store.analyzer)
    new = resolve_citation(fixture_store, "专利法实施细则第149条", DAY, fixture_store.analyzer)
    assert old is not None and new is not None and old.law is not None and new.law is not None
    assert old.law.publish_date == date(2010, 1, 9) and old.article is None
    assert new.law.publish_date == date(2023, 12, 11) and new.article is not None


def test_an_article_numbered_with_zhi_yi(empty_store):
    body = "第一百三十三条 违反交通运输管理法规……\n第一百三十三条之一 在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金。"
    criminal_law = Document(
        id="criminal-law", title="中华人民共和国刑法", level="法律", publish_date=date(2020, 12, 26), body=body,
        articles=[Article(number="第一百三十三条", text="违反交通运输管理法规……"),
                  Article(number="第一百三十三条之一", text="在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金。")])
    amendment = Document(id="amendment", title="中华人民共和国刑法修正案（十一）", level="法律",
                         publish_date=date(2020, 12, 26), body="第一条 刑法第一百三十三条之一修改为……",
                         articles=[Article(number="第一条", text="刑法第一百三十三条之一修改为……")])
    Indexer(empty_store, progress=False).index_documents([criminal_law, amendment])
    for query in ("刑法 133条之一", "刑法第一百三十三条之一", "《刑法》第133条之一"):
        citation = resolve_citation(empty_store, query, DAY, empty_store.analyzer)
        assert citation is not None and citation.law is not None and citation.law.id == "criminal-law"
        assert citation.article is not None and citation.article.text.startswith("在道路上驾驶机动车")
    amended = resolve_citation(empty_store, "刑法修正案（十一）第一条", DAY, empty_store.analyzer)
    assert amended is not None and amended.law is not None and amended.law.id == "amendment"


@pytest.mark.parametrize("query", ["民法典第1062条" + "的" * 240, "民法典第1062条😀", "民法典第一千零六十二条\u0000"])
def test_odd_input_is_no_citation_and_no_error(fixture_store, query):
    assert resolve_citation(fixture_store, query, DAY, fixture_store.analyzer) is None
