"""One conformance suite for both stores: the same documents give the same answers."""

from __future__ import annotations

from datetime import date

import pytest
from support.documents import law, sample_documents
from support.paths import FIXTURES
from support.stores import STORE_KINDS, make_store

from indexer import Indexer
from policy_search.fields import field_names
from policy_search.schema import Article, Document
from policy_search.search import make_request
from policy_search.stores import Store

DAY = date(2024, 1, 1)


def request(q: str = "", **kwargs):
    """A search request; filter fields may be given as keywords (issuer=[…])."""
    filters = {name: kwargs.pop(name) for name in field_names() if name in kwargs}
    kwargs.setdefault("valid_on", DAY)
    return make_request(q, filters=filters, **kwargs)


def ids(store: Store, q: str = "", **kwargs) -> list[str]:
    kwargs.setdefault("size", 100)
    kwargs.setdefault("analyzer", store.analyzer)
    return [hit.document.id for hit in store.search(request(q, **kwargs)).hits]


def facet(store: Store, field: str, q: str = "", **kwargs) -> dict[str, int]:
    result = store.search(request(q, facets=[field], **kwargs))
    return {count.value: count.count for count in result.facets[field]}


def test_get_returns_every_field(sample_store):
    doc = sample_store.get("joint-notice")
    expected = {d.id: d for d in sample_documents()}["joint-notice"]
    assert doc.title == expected.title
    assert doc.issuers == ["莆田市人民政府办公室", "莆田市司法局"]
    assert doc.doc_number == "莆政办〔2021〕20号"
    assert doc.publish_date == date(2021, 9, 1)
    assert doc.topics == ["机关工作", "司法"]
    assert doc.body == expected.body
    assert sample_store.get("no-such-id") is None
    assert sample_store.count() == len(sample_documents())


def test_get_many_leaves_out_what_it_is_asked_to(fixture_store):
    law_id = fixture_store.search(request("专利法实施细则", facets=[])).hits[0].document.id
    law = fixture_store.get(law_id)
    assert len(law.articles) > 10 and law.body
    light = fixture_store.get_many([law_id], with_articles=False)[law_id]
    assert light.body == law.body and light.articles == []
    bare = fixture_store.get_many([law_id], with_body=False)[law_id]
    assert bare.body == "" and bare.articles == [] and bare.title == law.title


def test_search_many_answers_each_request_as_search_does(sample_store):
    requests = [request("城乡规划"), request("城乡规划", field="title", facets=[]), request("", level=["法律"])]
    together = sample_store.search_many(requests)
    for alone, batched in zip([sample_store.search(r) for r in requests], together, strict=True):
        assert batched.total == alone.total
        assert [hit.document.id for hit in batched.hits] == [hit.document.id for hit in alone.hits]
        assert batched.facets == alone.facets


def test_shared_families_are_those_of_several_versions(sample_store):
    families = {doc.family for doc in sample_documents()}
    assert sample_store.shared_families([*families, "no-such-family"]) == {"urban-planning-law"}


def test_chinese_words_match_as_words(sample_store):
    assert set(ids(sample_store, "政务公开")) == {"expired-notice"}
    assert set(ids(sample_store, "依申请公开")) == {"joint-notice"}
    # every word must occur, in the title or the body
    assert set(ids(sample_store, "解读 范围")) == {"putian-notice", "putian-interpretation"}
    assert ids(sample_store, "解读 拆迁") == []


def test_full_width_and_case_are_folded(sample_store):
    assert ids(sample_store, "２０２７年") == ["law-2025"]


def test_title_matches_rank_above_body_matches(sample_store):
    found = ids(sample_store, "政策文件解读", sort="relevance")
    assert found[0] in {"putian-notice", "putian-interpretation"}
    assert set(found[:2]) == {"putian-notice", "putian-interpretation"}


def test_status_depends_on_the_day_asked_about(sample_store):
    def statuses(day: date) -> dict[str, str]:
        return {
            doc_id: status
            for status in ("in_force", "amended", "not_yet_effective", "repealed", "expired")
            for doc_id in ids(sample_store, status=[status], valid_on=day)
        }

    assert statuses(date(2015, 6, 1))["law-2010"] == "in_force"
    on_2024 = statuses(DAY)
    assert on_2024["law-2010"] == "amended"
    assert on_2024["law-2018"] == "in_force"
    assert on_2024["law-2025"] == "not_yet_effective"
    assert on_2024["repealed-rule"] == "repealed"
    assert on_2024["expired-notice"] == "expired"
    assert statuses(date(2010, 1, 15))["law-2010"] == "not_yet_effective"
    assert statuses(date(2027, 1, 1))["law-2018"] == "amended"
    assert statuses(date(2027, 1, 1))["law-2025"] == "in_force"
    assert statuses(date(2005, 1, 1))["repealed-rule"] == "in_force"
    assert statuses(date(2021, 1, 1))["expired-notice"] == "in_force"
    # every document has exactly one status on a day
    assert len(on_2024) == len(sample_documents())


def test_current_gives_the_version_in_force(sample_store):
    assert ids(sample_store, "城乡规划", current=True, valid_on=date(2015, 1, 1)) == ["law-2010"]
    assert ids(sample_store, "城乡规划", current=True, valid_on=DAY) == ["law-2018"]
    assert ids(sample_store, "城乡规划", current=True, valid_on=date(2027, 6, 1)) == ["law-2025"]
    assert ids(sample_store, "城乡规划", current=True, valid_on=date(2009, 1, 1)) == []


def test_filters_or_within_a_field_and_across_fields(sample_store):
    assert set(ids(sample_store, issuer=["国务院"])) == {"repealed-rule"}
    assert set(ids(sample_store, issuer=["国务院", "莆田市司法局"])) == {"repealed-rule", "joint-notice"}
    assert set(ids(sample_store, issuer=["莆田市人民政府办公室"], kind=["interpretation"])) == {"putian-interpretation"}
    assert set(ids(sample_store, level=["法律"], status=["in_force", "not_yet_effective"])) == {"law-2018", "law-2025"}
    assert set(ids(sample_store, topic=["司法"])) == {"joint-notice"}
    assert set(ids(sample_store, year=["2021"])) == {"joint-notice", "putian-notice", "putian-interpretation"}
    assert set(ids(sample_store, doc_type=["条例"], region=["国家"])) == {"repealed-rule"}


def test_date_range_is_inclusive(sample_store):
    found = ids(sample_store, date_from=date(2021, 4, 12), date_to=date(2021, 9, 1))
    assert set(found) == {"putian-notice", "putian-interpretation", "joint-notice"}


def test_facet_counts_add_up_and_leave_their_own_filter_out(sample_store):
    total = len(sample_documents())
    assert sum(facet(sample_store, "status").values()) == total
    assert sum(facet(sample_store, "kind").values()) == total
    assert facet(sample_store, "status") == {
        "in_force": 4, "amended": 1, "not_yet_effective": 1, "repealed": 1, "expired": 1,
    }
    issuers = facet(sample_store, "issuer")
    assert issuers["莆田市人民政府办公室"] == 4
    assert issuers["莆田市司法局"] == 1
    # the issuer facet ignores the issuer filter but applies the level filter
    narrowed = facet(sample_store, "issuer", issuer=["国务院"], level=["地方规范性文件"])
    assert narrowed == {"莆田市人民政府办公室": 3, "莆田市司法局": 1}
    # other facets apply the issuer filter
    assert facet(sample_store, "level", issuer=["国务院"]) == {"行政法规": 1}
    assert facet(sample_store, "year", q="城乡规划") == {"2010": 1, "2018": 1, "2025": 1}


def test_facet_values_are_ordered_by_count_then_value(sample_store):
    result = sample_store.search(make_request(facets=["issuer"], valid_on=DAY))
    counts = [(c.count, c.value) for c in result.facets["issuer"]]
    assert counts == sorted(counts, key=lambda pair: (-pair[0], pair[1]))


def test_pages_cover_the_results_once_in_date_order(sample_store):
    everything = ids(sample_store, sort="date")
    pages = [ids(sample_store, sort="date", page=page, size=3) for page in (1, 2, 3)]
    assert [doc_id for page in pages for doc_id in page] == everything
    dates = [sample_store.get(doc_id).publish_date for doc_id in everything]
    assert dates == sorted(dates, reverse=True)
    assert ids(sample_store, sort="date_asc") == everything[::-1]
    result = sample_store.search(make_request(page=2, size=3, valid_on=DAY))
    assert result.total == len(sample_documents())


def test_upserting_the_same_id_keeps_one_document(empty_store):
    docs = sample_documents()
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents(docs)
    changed = docs[3].model_copy(update={"title": "城市房屋拆迁管理条例（修订稿）"})
    summary = indexer.index_documents([changed])
    assert (summary.added, summary.updated) == (0, 1)
    assert empty_store.count() == len(docs)
    assert empty_store.get(changed.id).title == "城市房屋拆迁管理条例（修订稿）"
    assert ids(empty_store, "修订稿") == [changed.id]
    again = indexer.index_documents(docs)
    assert (again.added, again.updated, again.unchanged) == (0, 1, len(docs) - 1)


def test_an_updated_document_is_found_by_its_new_words_only(empty_store):
    docs = sample_documents()
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents(docs)
    before = len(ids(empty_store, "城乡规划"))
    assert docs[0].id in ids(empty_store, "适用")
    changed = docs[0].model_copy(update={"body": "第一条 为了保护湿地生态，制定本法。"})
    indexer.index_documents([changed])
    assert ids(empty_store, "湿地") == [changed.id]
    assert changed.id in ids(empty_store, "城乡规划")  # still in its title
    assert len(ids(empty_store, "城乡规划")) == before
    assert changed.id not in ids(empty_store, "适用")


def test_delete_removes_a_document_everywhere(empty_store):
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents(sample_documents())
    indexer.delete(["law-2018"])
    assert empty_store.get("law-2018") is None
    assert "law-2018" not in ids(empty_store, "城乡规划")
    assert empty_store.count() == len(sample_documents()) - 1
    # with the 2018 version gone, the 2010 version is in force again until 2027
    assert ids(empty_store, "城乡规划", current=True) == ["law-2010"]


@pytest.mark.parametrize("order", ["oldest_first", "newest_first"])
def test_versions_get_the_same_statuses_whatever_the_indexing_order(empty_store, order):
    versions = [d for d in sample_documents() if d.family_id == "urban-planning-law"]
    if order == "newest_first":
        versions.reverse()
    indexer = Indexer(empty_store, progress=False)
    for doc in versions:
        indexer.index_documents([doc])
    assert ids(empty_store, status=["amended"]) == ["law-2010"]
    assert ids(empty_store, status=["in_force"]) == ["law-2018"]


def test_a_version_moved_to_another_family_frees_the_old_one(empty_store):
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents(sample_documents())
    moved = law("law-2018", "2018-06-01", "2019-01-01", "主席令第二十九号", "另一部法律的文本")
    moved.family_id = "another-law"
    indexer.index_documents([moved])
    assert set(ids(empty_store, status=["in_force"], level=["法律"])) == {"law-2018", "law-2010"}


def test_a_stored_version_written_back_alone_is_in_force(empty_store):
    # a caller reads the amended version back and files it as a law of its own: the
    # supersession date it was read with is the old family's, not its own
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents(sample_documents())
    stored = empty_store.get("law-2010")
    assert stored is not None and stored.superseded_date is not None
    indexer.index_documents([stored.model_copy(update={"family_id": "a-law-of-its-own"})])
    assert empty_store.get("law-2010").superseded_date is None
    assert set(ids(empty_store, status=["in_force"], level=["法律"])) == {"law-2018", "law-2010"}


def test_lookup_by_document_number(sample_store):
    from analyzers import doc_number_key

    key = doc_number_key("莆政办网传[2021]13号")
    assert sample_store.lookup("doc_number_key", [key]) == {key: ["putian-notice"]}


def test_a_word_added_to_the_dictionary_is_found_in_documents_indexed_before(empty_store, tmp_path):
    """Staff add a word to the user dictionary: the next indexing run segments what is
    already indexed again, so that the word is found as the query now cuts it."""
    from analyzers import AnalyzerConfig, analyzer_for
    from policy_search.schema import Document

    notice = Document(id="wetland-bank", title="关于湿地保护的通知", body="第一条 设立湿地银行，统筹湿地占补。")
    Indexer(empty_store, progress=False).index_documents([*sample_documents(), notice])
    dictionary = tmp_path / "user_dict.txt"
    dictionary.write_text("湿地银行 100000 n\n", encoding="utf-8")
    store = empty_store.with_analyzer(analyzer_for(AnalyzerConfig(user_dicts=(dictionary,))))
    indexer = Indexer(store, progress=False)
    assert ids(store, "湿地银行") == []  # the query is one word now; the index holds 湿地 / 银行
    summary = indexer.index_documents([])
    assert summary.resegmented == len(sample_documents()) + 1
    assert ids(store, "湿地银行") == [notice.id]
    assert ids(store, "城乡规划") != []
    assert indexer.index_documents([]).resegmented == 0


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_field_declared_once_filters_and_facets_on_both_stores(kind, tmp_path, monkeypatch):
    """Adding a filter field is one entry in policy_search/fields.py: the stores index it,
    the search route and its description take it, facets count it."""
    from fastapi.testclient import TestClient

    from policy_search import fields
    from policy_search.settings import Settings
    from search_api.app import create_app

    monkeypatch.setattr(fields, "FIELDS", [*fields.FIELDS, fields.Field("index_no", "index_no", "索引号")])
    store = make_store(kind, tmp_path)
    try:
        store.create()
        docs = sample_documents()
        numbered = {doc.id: f"MB-{i % 2}" for i, doc in enumerate(docs)}
        Indexer(store, progress=False).index_documents(
            [doc.model_copy(update={"index_no": numbered[doc.id]}) for doc in docs])
        assert facet(store, "index_no") == {"MB-0": 4, "MB-1": 4}
        assert set(ids(store, index_no=["MB-1"])) == {doc_id for doc_id, n in numbered.items() if n == "MB-1"}

        client = TestClient(create_app(Settings(), store=store))
        body = client.get("/api/v1/search", params={"index_no": "MB-0", "facets": "index_no,kind", "size": 100}).json()
        assert {r["id"] for r in body["results"]} == {doc_id for doc_id, n in numbered.items() if n == "MB-0"}
        assert body["facets"]["index_no"] == [
            {"value": "MB-0", "label": "MB-0", "count": 4, "selected": True},
            {"value": "MB-1", "label": "MB-1", "count": 4, "selected": False}]
        parameters = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]["parameters"]
        assert "index_no" in {p["name"] for p in parameters}
    finally:
        store.drop()
        store.close()



@pytest.mark.parametrize("budget", [1, 2000])
def test_a_question_counts_and_facets_the_same_documents_on_every_store(tmp_path, monkeypatch, budget):
    """A question's candidates, so its total and facets, are the documents holding its rarer
    terms (`candidates.finding_terms`), chosen from the same document frequencies on every
    store: the same count on both, whatever the budget (1: the two rarest terms only)."""
    from policy_search import candidates

    monkeypatch.setattr(candidates, "DOCUMENT_MATCH_BUDGET", budget)
    stores = [make_store(kind, tmp_path) for kind in ("sqlite", "elasticsearch")]
    questions = ["政府信息公开申请人要求提供个人信息怎么办", "城乡规划管理部门拆迁房屋不给补偿可以起诉吗",
                 "莆田市政务公开专项检查的通知什么时候失效了"]
    try:
        answers = []
        for store in stores:
            Indexer(store, progress=False).index_documents(sample_documents())
            Indexer(store, progress=False).index_paths([FIXTURES])
            answers.append([])
            for q in questions:
                question = make_request(q, valid_on=DAY, facets=["level", "status"], analyzer=store.analyzer)
                assert question.any_terms and len(question.terms) > 2
                result = store.search(question)
                assert sum(c.count for c in result.facets["status"]) == result.total
                answers[-1].append((result.total, {f: sorted((c.value, c.count) for c in counts)
                                                   for f, counts in result.facets.items()}))
        assert all(answer == answers[0] for answer in answers), answers
        assert all(total for total, _ in answers[0])
    finally:
        for store in stores:
            store.drop()
            store.close()


def test_document_frequencies_count_the_documents_holding_each_word(sample_store):
    total, counts = sample_store.document_frequencies(["公开", "解读", "湿地银行"])
    assert total == sample_store.count() == len(sample_documents())
    assert counts == {"公开": len(ids(sample_store, "公开")), "解读": len(ids(sample_store, "解读")), "湿地银行": 0}
    assert 0 < counts["解读"] < total and 0 < counts["公开"] < total


def test_a_questions_rare_words_outweigh_its_common_ones(empty_store):
    # 小区, 物业, 邻居 and 孩子 are in every residential rule; 咬伤 in one article: the article
    # that holds the rare word answers, not those that hold more of the common words
    from policy_search.articles import search_articles
    from policy_search.search import make_article_request

    def rules(doc_id: str, title: str, *articles: str) -> Document:
        numbered = [Article(number=f"第{'一二三'[n]}条", text=f"第{'一二三'[n]}条 {text}") for n, text in enumerate(articles)]
        return Document(id=doc_id, title=title, publish_date=date(2020, 1, 1),
                        body="\n".join(a.text for a in numbered), articles=numbered)

    common = [rules(f"rules-{n}", f"住宅小区管理规定{n}", "小区物业服务应当规范。", "小区物业应当关心邻居家的孩子。") for n in range(12)]
    bite = rules("dogs", "养犬管理规定", "养犬人应当束犬链。", "犬只咬伤他人的，养犬人依法承担责任。")
    Indexer(empty_store, progress=False).index_documents([*common, bite])
    question = make_article_request("小区物业不管 邻居的犬咬伤了我孩子怎么办", size=5, analyzer=empty_store.analyzer)
    assert question.any_terms
    first = search_articles(empty_store, question).hits[0]
    assert (first.document.id, first.number) == ("dogs", "第二条")


def _regulation(doc_id: str, title: str, published: str, body: str, **fields) -> Document:
    day = date.fromisoformat(published)
    fields = {"issuers": ["国务院"], "level": "行政法规", "region": "国家", "effective_date": day, **fields}
    return Document(id=doc_id, title=title, publish_date=day, body=body, **fields)


OLD_RULES = _regulation("old-rules", "个体经营条例", "2011-04-16", "第一条 为了保护个体经营者的合法权益，制定本条例。")
NEW_RULES = _regulation(
    "new-rules", "促进个体经营发展条例", "2022-10-01",
    "第一条 为了鼓励、支持和引导个体经营健康发展，制定本条例。"
    "第四十条 本条例自2022年11月1日起施行。2011年4月16日国务院公布的《个体经营条例》同时废止。",
    effective_date=date(2022, 11, 1))


@pytest.mark.parametrize("order", ["repealed_first", "repealing_first"])
def test_a_document_a_later_one_repeals_is_repealed_from_the_day_that_one_takes_effect(empty_store, order):
    indexer = Indexer(empty_store, progress=False)
    for doc in ([OLD_RULES, NEW_RULES] if order == "repealed_first" else [NEW_RULES, OLD_RULES]):
        indexer.index_documents([doc])
    old = empty_store.get("old-rules")
    assert old.repealed_by is not None
    assert (old.repealed_by.id, old.repealed_by.on) == ("new-rules", date(2022, 11, 1))
    assert ids(empty_store, "个体经营", status=["in_force"], valid_on=date(2022, 10, 31)) == ["old-rules"]
    assert ids(empty_store, "个体经营", status=["repealed"], valid_on=date(2022, 11, 1)) == ["old-rules"]
    assert ids(empty_store, "个体经营", current=True, valid_on=date(2023, 1, 1)) == ["new-rules"]
    assert empty_store.get("new-rules").repealed_by is None
    assert [link.id for link in empty_store.get("new-rules").repeals] == ["old-rules"]


def test_a_repeal_is_taken_back_when_the_repealing_text_changes_or_goes(empty_store):
    indexer = Indexer(empty_store, progress=False)
    indexer.index_documents([OLD_RULES, NEW_RULES])
    assert ids(empty_store, "个体经营", current=True) == ["new-rules"]
    indexer.index_documents([NEW_RULES.model_copy(update={"body": "第一条 为了鼓励个体经营发展，制定本条例。"})])
    assert empty_store.get("old-rules").repealed_by is None
    assert empty_store.get("new-rules").repeals == []
    assert set(ids(empty_store, "个体经营", current=True)) == {"old-rules", "new-rules"}
    indexer.index_documents([NEW_RULES])
    assert ids(empty_store, "个体经营", current=True) == ["new-rules"]
    assert [link.id for link in empty_store.get("new-rules").repeals] == ["old-rules"]
    indexer.delete(["new-rules"])
    assert empty_store.get("old-rules").repealed_by is None
    assert ids(empty_store, "个体经营", current=True) == ["old-rules"]
    # and the repealed document deleted leaves the repealing one's list
    indexer.index_documents([NEW_RULES])
    assert [link.id for link in empty_store.get("new-rules").repeals] == ["old-rules"]
    indexer.delete(["old-rules"])
    assert empty_store.get("new-rules").repeals == []


def test_what_a_text_names_as_repealed_is_found_by_number_or_by_its_title_in_its_region(empty_store):
    city_notice = _regulation("city-2018", "某市民政局关于规范救助工作的通知", "2018-03-01", "第一条 规范救助。",
                              doc_number="某民规字〔2018〕11号", region="某省某市", level="规范性文件")
    other_region = _regulation("other-city", "某市旧规定", "2015-01-01", "第一条 旧规定。", region="另一省某市")
    same_region = _regulation("same-city", "某市旧规定", "2015-01-01", "第一条 旧规定。", region="某省某市",
                              family_id="same-city")
    later_namesake = _regulation("namesake-2024", "某市旧规定", "2024-01-01", "第一条 同名的新规定。",
                                 region="某省某市", family_id="namesake")
    repealing = _regulation(
        "city-2021", "某市民政局关于加强救助工作的通知", "2021-05-01",
        "本通知自2021年5月1日起施行。《关于规范救助工作的通知》（某民规字〔2018〕11号）、《某市旧规定》同时废止。",
        region="某省某市", level="规范性文件")
    Indexer(empty_store, progress=False).index_documents([city_notice, other_region, same_region, later_namesake, repealing])
    repealed = {doc_id for doc_id in ids(empty_store, status=["repealed"])}
    # by number, though the title is quoted short; by title only in its own region, and only
    # what was published before it (a later regulation of the same name is not repealed)
    assert repealed == {"city-2018", "same-city"}
    assert {link.id for link in empty_store.get("city-2021").repeals} == {"city-2018", "same-city"}
