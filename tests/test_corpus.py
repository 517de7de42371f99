"""The real corpus (../shared/corpus/lawrefbook) indexed with the fixtures, on both stores.

Expectations were read off the source files: titles, levels, numbers of *this* version,
effective dates from 施行 lines or closing articles, replaced and not-yet-effective versions.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CORPUS, FIXTURES, STORE_KINDS, make_store
from indexer import Indexer
from policy_search.documents import versions_view
from policy_search.schema import make_id
from policy_search.search import make_request

LAWREFBOOK = CORPUS / "lawrefbook"
pytestmark = pytest.mark.skipif(not LAWREFBOOK.is_dir(), reason=f"the corpus is not at {LAWREFBOOK}")

# Markdown documents in the corpus (its README says 3,475; the sidecars list 3,471 of them)
CORPUS_VERSIONS = 3475


@pytest.fixture(scope="module", params=STORE_KINDS)
def corpus_store(request, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp("corpus"))
    store.summary = Indexer(store, progress=False).index_paths([LAWREFBOOK, FIXTURES])
    yield store
    store.drop()
    store.close()


def version(store, source_path: str):
    doc = store.get(make_id("lawrefbook", source_path))
    assert doc is not None, source_path
    return doc


def status(store, doc, day: date) -> str:
    """The status the store gives a document on a day (by its status filter)."""
    for name in ("in_force", "amended", "not_yet_effective", "repealed", "expired"):
        request = make_request(doc.title, filters={"status": [name], "level": [doc.level], "region": [doc.region]},
                               valid_on=day, size=100)
        found = {hit.document.id for hit in store.search(request).hits}
        if doc.id in found:
            return name
    raise AssertionError(f"{doc.title} has no status on {day}")


def test_every_corpus_version_is_a_document_and_facets_add_up(corpus_store):
    summary = corpus_store.summary
    assert summary.failed == []
    assert corpus_store.count() == summary.documents
    assert summary.documents >= CORPUS_VERSIONS
    result = corpus_store.search(make_request(facets=["status", "kind", "level", "region"], valid_on=date(2025, 1, 1)))
    assert result.total == corpus_store.count()
    for field in ("status", "kind"):
        assert sum(c.count for c in result.facets[field]) == result.total, field


# (source path, title, level, doc number, publish date, effective date, issuer)
CASES = [
    ("行政法规/政府信息公开条例(2019-04-03).md", "中华人民共和国政府信息公开条例", "行政法规", "国务院令第711号",
     date(2019, 4, 3), date(2019, 5, 15), "国务院"),
    ("行政法规/专职守护押运人员枪支使用管理条例(2002-07-27).md", "专职守护押运人员枪支使用管理条例", "行政法规",
     "国务院令第356号", date(2002, 7, 27), date(2002, 7, 27), "国务院"),  # 自公布之日起施行
    ("民法商法/公司法(2023-12-29).md", "中华人民共和国公司法", "法律", None, date(2023, 12, 29), date(2024, 7, 1),
     "全国人民代表大会常务委员会"),
    ("民法商法/公司法(2018-10-26).md", "中华人民共和国公司法", "法律", None, date(2018, 10, 26), date(2018, 10, 26),
     "全国人民代表大会常务委员会"),  # an amendment whose article keeps the 2006 date
    ("行政法/个人信息保护法(2021-08-20).md", "中华人民共和国个人信息保护法", "法律", None, date(2021, 8, 20),
     date(2021, 11, 1), "全国人民代表大会常务委员会"),
    ("刑法/刑法修正案（十一）.md", "中华人民共和国刑法修正案（十一）", "法律", None, date(2020, 12, 26),
     date(2021, 3, 1), "全国人民代表大会常务委员会"),
    ("诉讼与非诉讼程序法/民事诉讼法(2021-12-24).md", "中华人民共和国民事诉讼法", "法律", None, date(2021, 12, 24),
     date(2021, 12, 24), "全国人民代表大会"),
    ("司法解释/最高人民法院关于审理政府信息公开行政案件若干问题的规定(2011-07-29).md",
     "最高人民法院关于审理政府信息公开行政案件若干问题的规定", "司法解释", None, date(2011, 7, 29), date(2011, 8, 13),
     "最高人民法院"),
    ("DLC/浙江地方法规/地方性法规/浙江/浙江省绿色建筑条例(2020-09-24).md", "浙江省绿色建筑条例", "地方性法规", None,
     date(2020, 9, 24), date(2020, 9, 24), "浙江省人民代表大会常务委员会"),  # article keeps 2016-05-01
    ("DLC/北京地方法规/地方性法规/北京/北京市物业管理条例(2024-03-29).md", "北京市物业管理条例", "地方性法规", None,
     date(2024, 3, 29), date(2024, 3, 29), "北京市人民代表大会常务委员会"),
    ("行政法规/道路运输条例(2023-07-20).md", "中华人民共和国道路运输条例", "行政法规", None, date(2023, 7, 20),
     date(2023, 7, 20), "国务院"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0].rsplit("/", 1)[-1] for c in CASES])
def test_metadata_of_real_documents(corpus_store, case):
    path, title, level, number, published, effective, issuer = case
    doc = version(corpus_store, path)
    assert doc.title == title
    assert doc.level == level
    assert doc.doc_number == number
    assert doc.publish_date == published
    assert doc.effective_date == effective
    assert issuer in doc.issuers


def test_local_regulations_carry_their_region(corpus_store):
    assert version(corpus_store, "DLC/浙江地方法规/地方性法规/浙江/浙江省绿色建筑条例(2020-09-24).md").region == "浙江省"
    assert version(corpus_store, "DLC/北京地方法规/地方性法规/北京/北京市物业管理条例(2024-03-29).md").region == "北京市"
    assert version(corpus_store, "行政法规/政府信息公开条例(2019-04-03).md").region == "国家"


def test_a_version_not_yet_effective_on_a_past_date(corpus_store):
    new = version(corpus_store, "民法商法/公司法(2023-12-29).md")
    old = version(corpus_store, "民法商法/公司法(2018-10-26).md")
    assert status(corpus_store, new, date(2024, 3, 1)) == "not_yet_effective"
    assert status(corpus_store, old, date(2024, 3, 1)) == "in_force"
    assert status(corpus_store, new, date(2024, 7, 1)) == "in_force"
    assert status(corpus_store, old, date(2024, 7, 1)) == "amended"


def test_versions_replaced_by_newer_ones_are_amended(corpus_store):
    paths = ["行政法规/道路运输条例(2019-03-02).md", "行政法规/道路运输条例(2022-03-29).md",
             "行政法规/道路运输条例(2023-07-20).md"]
    docs = [version(corpus_store, p) for p in paths]
    assert len({d.family_id for d in docs}) == 1
    assert [status(corpus_store, d, date(2025, 1, 1)) for d in docs] == ["amended", "amended", "in_force"]
    assert status(corpus_store, docs[1], date(2022, 6, 1)) == "in_force"
    listed = versions_view(corpus_store, docs[0].id, date(2025, 1, 1))["versions"]
    assert [v["publish_date"] for v in listed][-3:] == ["2019-03-02", "2022-03-29", "2023-07-20"]
    assert [v["is_current"] for v in listed].count(True) == 1


def test_patent_rules_versions_and_current(corpus_store):
    old = version(corpus_store, "行政法规/专利法实施细则(2010-01-09).md")
    new = version(corpus_store, "行政法规/专利法实施细则(2023-12-11).md")
    assert old.family_id == new.family_id
    def current_ids(day: date) -> set[str]:
        request = make_request("专利法实施细则", current=True, valid_on=day, size=100)
        return {hit.document.id for hit in corpus_store.search(request).hits}

    assert new.id in current_ids(date(2025, 1, 1)) and old.id not in current_ids(date(2025, 1, 1))
    assert old.id in current_ids(date(2015, 1, 1)) and new.id not in current_ids(date(2015, 1, 1))


def test_articles_are_split_out(corpus_store):
    doc = version(corpus_store, "行政法规/政府信息公开条例(2019-04-03).md")
    numbers = [a.number for a in doc.articles]
    assert numbers[:3] == ["第一条", "第二条", "第三条"] and numbers[-1] == "第五十六条"
    assert doc.articles[1].text.startswith("本条例所称政府信息")
