"""Articles (条) as units of search, on both stores: found on their own with the headings
they stand under and their document's fields, in step with their documents, and the
questions citizens type answered with them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from fastapi.testclient import TestClient

from indexer.pipeline import Indexer
from policy_search.articles import search_articles
from policy_search.schema import Article, Document
from policy_search.search import make_article_request, make_request, search_response
from policy_search.settings import Settings
from search_api.app import create_app
from tests.conftest import STORE_KINDS, make_store

CIVIL_BODY = """第一编 总则
第二章 自然人
第四节 个体工商户和农村承包经营户
第五十四条 自然人从事工商业经营，经依法登记，为个体工商户。个体工商户可以起字号。
第五十六条 个体工商户的债务，个人经营的，以个人财产承担；家庭经营的，以家庭财产承担；无法区分的，以家庭财产承担。
第五编 婚姻家庭
第三章 家庭关系
第一节 夫妻关系
第一千零六十四条 夫妻双方共同签名或者夫妻一方事后追认等共同意思表示所负的债务，属于夫妻共同债务。"""

LABOUR_2008 = """第一章 总则
第一条 为了完善劳动合同制度，明确劳动合同双方当事人的权利和义务，制定本法。
第四章 劳动合同的解除和终止
第三十八条 用人单位未及时足额支付劳动报酬的，或者未依法为劳动者缴纳社会保险费的，劳动者可以解除劳动合同。
第四十六条 有下列情形之一的，用人单位应当向劳动者支付经济补偿。"""

LABOUR_2012 = LABOUR_2008.replace("制定本法。", "构建和发展和谐稳定的劳动关系，制定本法。")


def _law(id: str, title: str, body: str, published: str, family: str | None = None) -> Document:
    articles = [Article(number=line.split(" ", 1)[0], text=line.split(" ", 1)[1])
                for line in body.splitlines() if line.startswith("第") and line.split(" ", 1)[0].endswith("条")]
    return Document(id=id, title=title, issuers=["全国人民代表大会"], level="法律", region="国家",
                    publish_date=date.fromisoformat(published), effective_date=date.fromisoformat(published),
                    family_id=family, body=body, articles=articles)


def article_documents() -> list[Document]:
    return [
        _law("civil-code", "中华人民共和国民法典", CIVIL_BODY, "2020-05-28"),
        _law("labour-2008", "中华人民共和国劳动合同法", LABOUR_2008, "2007-06-29", family="labour-contract"),
        _law("labour-2012", "中华人民共和国劳动合同法", LABOUR_2012, "2012-12-28", family="labour-contract"),
        Document(id="notice", title="关于做好农民工工资支付工作的通知", issuers=["人力资源社会保障部"],
                 publish_date=date(2022, 1, 5), body="各地要督促用人单位按时足额支付工资，不得拖欠。"),
    ]


@pytest.fixture(scope="module", params=STORE_KINDS)
def store(request, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp("articles"))
    Indexer(store, progress=False).index_documents(article_documents())
    store.refresh()
    yield store
    store.drop()
    store.close()


def _articles(store, q: str, **options) -> list[tuple[str, str]]:
    request = make_article_request(q, analyzer=store.analyzer, **options)
    return [(hit.document.id, hit.number) for hit in search_articles(store, request).hits]


def test_an_article_is_found_on_its_own_with_its_headings_and_law(store):
    request = make_article_request("个体工商户的债务", analyzer=store.analyzer)
    first = search_articles(store, request).hits[0]
    assert (first.document.id, first.number) == ("civil-code", "第五十六条")
    assert first.headings == "第一编 总则 第二章 自然人 第四节 个体工商户和农村承包经营户"
    assert first.text.startswith("个体工商户的债务")
    assert first.document.title == "中华人民共和国民法典" and first.document.level == "法律"
    assert first.url == "/documents/civil-code#第五十六条"


def test_a_question_is_answered_though_most_of_its_words_occur_nowhere(store):
    found = _articles(store, "夫妻一方经营个体工商户欠的债谁来还？")
    assert found, "a question whose content words occur must never return nothing"
    assert found[0] == ("civil-code", "第五十六条")  # 经营, 个体工商户, 债 together
    assert ("civil-code", "第一千零六十四条") in found[:3]  # 夫妻一方 … 债务


def test_the_headings_an_article_stands_under_count_for_it(store):
    # 夫妻关系 is only in the heading of 第一千零六十四条, not in its text
    assert _articles(store, "夫妻关系 共同签名")[0] == ("civil-code", "第一千零六十四条")


def test_only_articles_of_versions_in_force_by_default(store):
    found = _articles(store, "劳动者可以解除劳动合同吗")
    assert ("labour-2012", "第三十八条") in found
    assert not any(doc_id == "labour-2008" for doc_id, _ in found)
    older = _articles(store, "劳动者可以解除劳动合同吗", current=False)
    assert ("labour-2008", "第三十八条") in older


def test_filters_apply_to_the_articles_documents(store):
    assert _articles(store, "债务", filters={"level": ["法律"]})
    assert _articles(store, "债务", filters={"level": ["地方性法规"]}) == []


def test_a_question_of_function_words_only_finds_nothing_and_says_so(store):
    request = make_article_request("怎么办？", analyzer=store.analyzer)
    assert search_articles(store, request).hits == []


def test_search_results_show_the_articles_where_they_answer(store):
    q = "用人单位未缴纳社会保险费劳动者能解除劳动合同吗"
    body = search_response(store, q, make_request(q, analyzer=store.analyzer))
    assert body["question"] is True
    first = body["results"][0]
    assert first["id"] == "labour-2012"
    assert first["articles"][0]["number"] == "第三十八条"
    assert first["articles"][0]["url"] == "/documents/labour-2012#第三十八条"
    assert "<mark>" in first["articles"][0]["text_html"]


def test_keywords_that_never_occur_together_are_read_as_a_question(store):
    q = "拖欠 个体工商户"  # no document holds both
    body = search_response(store, q, make_request(q, analyzer=store.analyzer))
    assert body["question"] is True
    assert {result["id"] for result in body["results"]} >= {"notice", "civil-code"}


def test_short_keyword_queries_keep_requiring_every_word(store):
    q = "劳动合同 社会保险费"
    body = search_response(store, q, make_request(q, analyzer=store.analyzer, current=True))
    assert body["question"] is False
    assert [result["id"] for result in body["results"]] == ["labour-2012"]


def test_every_document_result_shows_its_articles_though_another_has_many_more(empty_store):
    # 200 articles of one law say 工资 twice; the other law's one article says it once, in a
    # longer text: an article search over both must not fill its page with the first's alone
    wages = "\n".join(f"第{number}条 用人单位应当按月支付工资，工资不得低于当地最低工资标准{number}。"
                      for number in range(1, 201))
    store = empty_store
    Indexer(store, progress=False).index_documents([
        _law("wages", "工资支付条例", wages, "2020-01-01"),
        _law("wage-rules", "农民工权益保障规定", "第一条 各地要督促用人单位按时足额支付工资，健全农民工权益保障长效机制，"
             "畅通举报投诉渠道，加强劳动保障监察执法，依法查处违法行为，切实维护农民工合法权益。", "2022-01-05"),
    ])
    store.refresh()
    q = "工资"
    body = search_response(store, q, make_request(q, analyzer=store.analyzer))
    shown = {result["id"]: [article["number"] for article in result["articles"]] for result in body["results"]}
    assert shown == {"wages": ["第1条", "第2条", "第3条"], "wage-rules": ["第一条"]}
    # the store itself: within documents, each brings its share of the page
    within = replace(make_article_request(q, analyzer=store.analyzer), doc_ids=("wages", "wage-rules"), size=2,
                     with_total=True)
    found = store.search_articles(within)
    assert sorted(hit.document.id for hit in found.hits) == ["wage-rules", "wages"]
    assert found.total == 201  # every match counted, not only the page's shares


def test_a_long_page_of_results_shows_the_articles_of_every_result(empty_store):
    # 39 results of five matching articles each and one whose only matching article is long:
    # every one of a page of 40 shows its articles (the weak one's is not crowded out)
    store = empty_store
    Indexer(store, progress=False).index_documents([
        *(_law(f"wages-{city}", f"第{city}市工资支付规定", "\n".join(
            f"第{number}条 用人单位应当按时支付工资{city}。" for number in ("一", "二", "三", "四", "五")), "2020-01-01")
          for city in range(39)),
        _law("migrants", "农民工权益保障规定", "第一条 各地要督促用人单位按时足额支付农民工劳动报酬，健全农民工权益保障"
             "长效机制，畅通举报投诉渠道，加强劳动保障监察执法，依法查处拖欠工资等违法行为。", "2022-01-05"),
    ])
    store.refresh()
    body = search_response(store, "工资", make_request("工资", size=40, analyzer=store.analyzer))
    shown = {result["id"]: len(result["articles"]) for result in body["results"]}
    assert len(shown) == 40 and shown.pop("migrants") == 1
    assert set(shown.values()) == {3}


def test_a_result_found_by_a_common_word_alone_still_shows_its_articles(empty_store):
    # 工资 in 5,100 articles: past the embedded store's budget of matches for a question's
    # candidates, which are then the articles of its rarer words (商号, 字号). A result that
    # holds only 工资 must still show the articles that hold it.
    wages = "\n".join(f"第{number}条 用人单位应当按月支付工资{number}。" for number in range(1, 5101))
    store = empty_store
    Indexer(store, progress=False).index_documents([
        _law("wages", "工资支付条例", wages, "2020-01-01"),
        _law("names", "企业名称登记管理规定", "第一条 企业只能使用一个商号，个体工商户可以起字号。", "2020-01-01"),
        _law("migrants", "农民工权益保障规定", "第一条 各地要督促用人单位按时足额支付农民工劳动报酬，不得拖欠工资。",
             "2022-01-05"),
    ])
    store.refresh()
    q = "商号 字号 工资"
    body = search_response(store, q, make_request(q, analyzer=store.analyzer))
    assert body["question"] is True
    shown = {result["id"]: [article["number"] for article in result["articles"]] for result in body["results"]}
    assert shown["names"] == ["第一条"] and shown["migrants"] == ["第一条"]
    assert len(shown["wages"]) == 3


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_articles_follow_their_document_on_update_and_delete(kind, tmp_path):
    store = make_store(kind, tmp_path)
    indexer = Indexer(store, progress=False)
    indexer.index_documents(article_documents())
    changed = _law("civil-code", "中华人民共和国民法典", CIVIL_BODY.replace("可以起字号", "可以使用商号"), "2020-05-28")
    changed.articles = changed.articles[:2]  # one article fewer
    Indexer(store, progress=False).index_documents([changed])
    store.refresh()
    assert _articles(store, "商号") == [("civil-code", "第五十四条")]
    assert _articles(store, "字号") == []
    assert ("civil-code", "第一千零六十四条") not in _articles(store, "夫妻共同债务")
    store.delete(["civil-code"])
    store.refresh()
    assert _articles(store, "个体工商户") == []
    store.drop()
    store.close()


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(Settings(), store=store)) as client:
        yield client


def test_the_article_api_answers_with_the_article_and_its_law(client):
    response = client.get("/api/v1/articles", params={"q": "个体工商户欠的债谁来还"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first["number"] == "第五十六条"
    assert first["url"] == "/documents/civil-code#第五十六条"
    assert first["document"]["title"] == "中华人民共和国民法典"
    assert first["document"]["status"] == "in_force" and first["document"]["status_label"] == "现行有效"
    assert "<mark>个体工商户</mark>" in first["text_html"]


@pytest.mark.parametrize("q", ["怎么办？", "😀😀 个体工商户 🏠", "债" * 256, "a' OR 1=1 --", '"未闭合的引号'])
def test_the_article_api_answers_odd_questions_without_failing(client, q):
    response = client.get("/api/v1/articles", params={"q": q})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["results"], list)


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "债" * 257}, {"q": "债", "size": 0}, {"q": "债", "level": []},
                                    {"q": "债", "valid_on": "0"}, {"q": "债", "status": "gone"}])
def test_the_article_api_refuses_bad_parameters_with_a_message(client, params):
    response = client.get("/api/v1/articles", params=params)
    if params.get("level") == []:  # an empty repeat is no filter
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert "message" in response.text or "detail" in response.text


def test_a_cited_article_comes_first_with_a_link_to_it(client):
    body = client.get("/api/v1/articles", params={"q": "民法典第56条"}).json()
    assert body["citation"]["found"] is True
    assert body["citation"]["url"] == "/documents/civil-code#第五十六条"
    assert (body["results"][0]["number"], body["results"][0]["document"]["id"]) == ("第五十六条", "civil-code")
    assert body["results"][0]["url"] == "/documents/civil-code#第五十六条"
    search = client.get("/api/v1/search", params={"q": "民法典 第五十六条"}).json()
    assert search["citation"]["url"] == "/documents/civil-code#第五十六条"


def test_a_citation_of_an_article_the_law_lacks_says_so_with_the_law(client):
    body = client.get("/api/v1/articles", params={"q": "民法典第9999条"}).json()
    assert body["citation"]["found"] is False and body["citation"]["url"] is None
    assert body["citation"]["law"]["id"] == "civil-code"
    assert "没有第九千九百九十九条" in body["citation"]["message"]
    assert client.get("/api/v1/articles", params={"q": "个体工商户"}).json()["citation"] is None
