"""The ranking rules both stores share (policy_search/ranking.py), on documents made here."""

from __future__ import annotations

from datetime import date

from policy_search.ranking import COMMON_TERM_WEIGHT, in_force_first, rarity_weights, rerank, title_tier
from policy_search.schema import Document
from policy_search.search import make_request
from policy_search.store_query import Hit

DAY = date(2026, 1, 1)


def doc(doc_id: str, title: str, published: date = date(2020, 1, 1), **fields) -> Document:
    return Document(id=doc_id, title=title, publish_date=published, effective_date=published, **fields)


def hit(document: Document, score: float) -> Hit:
    return Hit(document=document, score=score)


def ids(hits: list[Hit]) -> list[str]:
    return [h.document.id for h in hits]


def test_title_tiers_exact_then_phrase_then_all_words_then_the_rest():
    request = make_request("公司法", valid_on=DAY)
    tiers = {title: title_tier(title, "公司法", request.terms)
             for title in ("中华人民共和国公司法", "《公司法》", "公司法实施条例", "关于公司的若干办法", "合伙企业法")}
    assert tiers["中华人民共和国公司法"] == tiers["《公司法》"] == 0  # the short title is the title
    assert tiers["公司法实施条例"] == 1
    assert tiers["合伙企业法"] == 3
    assert tiers["关于公司的若干办法"] in (2, 3)  # holds some of the words at most
    assert title_tier("任何标题", "", []) == 3  # no words: no tier above another


def test_an_exact_title_outranks_a_higher_body_score():
    request = make_request("公司法", valid_on=DAY)
    hits = [hit(doc("rules", "公司登记管理条例"), 50.0), hit(doc("body", "合伙企业法"), 40.0),
            hit(doc("law", "中华人民共和国公司法"), 1.0), hit(doc("phrase", "公司法实施细则"), 2.0)]
    assert ids(rerank(hits, request)) == ["law", "phrase", "rules", "body"]


def test_recency_breaks_near_ties_only():
    request = make_request("条例", valid_on=DAY)
    new, old = doc("new", "甲条例", date(2025, 6, 1)), doc("old", "乙条例", date(1990, 1, 1))
    assert ids(rerank([hit(old, 10.0), hit(new, 9.9)], request)) == ["new", "old"]  # within a few percent
    assert ids(rerank([hit(old, 10.0), hit(new, 8.0)], request)) == ["old", "new"]  # not beyond that


def test_the_version_in_force_takes_its_familys_first_place():
    family = {"family_id": "road-rules"}
    old = doc("v2019", "道路运输条例", date(2019, 3, 2), superseded_date=date(2022, 3, 29), **family)
    mid = doc("v2022", "道路运输条例", date(2022, 3, 29), superseded_date=date(2023, 7, 20), **family)
    new = doc("v2023", "道路运输条例", date(2023, 7, 20), **family)
    other = doc("other", "道路交通安全法", date(2021, 4, 29))
    hits = [hit(old, 9.0), hit(other, 8.0), hit(mid, 7.0), hit(new, 1.0)]
    assert ids(in_force_first(hits, DAY)) == ["v2023", "v2019", "other", "v2022"]
    # on a day when the 2022 version was in force, it leads instead
    assert ids(in_force_first(hits, date(2022, 6, 1))) == ["v2022", "v2019", "other", "v2023"]


def test_a_family_with_no_version_in_force_keeps_its_order():
    family = {"family_id": "gone"}
    first = doc("a", "已废止的办法", date(2001, 1, 1), declared_status="repealed", repealed_date=date(2010, 1, 1), **family)
    second = doc("b", "已废止的办法", date(2005, 1, 1), declared_status="repealed", repealed_date=date(2010, 1, 1), **family)
    assert ids(in_force_first([hit(first, 2.0), hit(second, 1.0)], DAY)) == ["a", "b"]


def test_a_questions_terms_weigh_by_their_rarity():
    request = make_request("邻居家的狗把小区的孩子咬伤了怎么办", valid_on=DAY)
    assert request.terms == ["邻居家", "狗", "小区", "孩子", "咬伤"]
    counts = {"邻居家": 40, "狗": 5, "小区": 600, "孩子": 300, "咬伤": 3}
    weights = dict(zip(request.terms, rarity_weights(request, 1000, counts), strict=True))
    assert weights["咬伤"] == 1.0  # the rarest
    assert weights["咬伤"] > weights["狗"] > weights["邻居家"] > weights["孩子"] > weights["小区"] >= COMMON_TERM_WEIGHT
    # a term the collection lacks counts fully (it is found through no text anyway)
    assert dict(zip(request.terms, rarity_weights(request, 1000, {**counts, "狗": 0}), strict=True))["狗"] == 1.0
    assert rarity_weights(request, 1000, {}) == ()  # nothing known: every term alike
