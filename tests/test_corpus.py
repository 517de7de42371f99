"""The real law corpus indexed with the fixtures, on both stores: the project's sample of it
(tests/data/corpus_sample) always, the whole of ../shared/corpus/lawrefbook where present.

Expectations were read off the source files: titles, levels, numbers of *this* version,
effective dates from 施行 lines or closing articles, replaced and not-yet-effective versions.
"""

from __future__ import annotations

from datetime import date

import pytest
from support.paths import CORPUS_SAMPLE

from policy_search.documents import versions_view
from policy_search.schema import make_id
from policy_search.search import make_request

# Markdown documents in the corpus (its README says 3,475; the sidecars list 3,471 of them),
# the eight files of the Civil Code's 编 being one document (the sample holds one of them)
CORPUS_VERSIONS = {"full": 3475 - 7, "sample": sum(1 for _ in CORPUS_SAMPLE.rglob("*.md"))}


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
    assert summary.documents >= CORPUS_VERSIONS[corpus_store.corpus]
    result = corpus_store.search(make_request(facets=["status", "kind", "level", "region"], valid_on=date(2025, 1, 1)))
    assert result.total == corpus_store.count()
    for field in ("status", "kind"):
        assert sum(c.count for c in result.facets[field]) == result.total, field


# The day on which the statuses below hold (the corpus's newest version is from 2024).
STATUS_DAY = date(2026, 1, 1)

LAW, REGULATION, JUDICIAL, LOCAL = "法律", "行政法规", "司法解释", "地方性法规"
NPCSC, STATE_COUNCIL, COURT = "全国人民代表大会常务委员会", "国务院", "最高人民法院"

# (source path, title, level, doc number, publish date, effective date, an issuer, status on STATUS_DAY)
CASES = [
    # national laws
    ("民法商法/公司法(2023-12-29).md", "中华人民共和国公司法", LAW, None, date(2023, 12, 29), date(2024, 7, 1),
     NPCSC, "in_force"),
    ("民法商法/公司法(2018-10-26).md", "中华人民共和国公司法", LAW, None, date(2018, 10, 26), date(2018, 10, 26),
     NPCSC, "amended"),  # an amendment whose article keeps the 2006 date
    ("行政法/个人信息保护法(2021-08-20).md", "中华人民共和国个人信息保护法", LAW, None, date(2021, 8, 20),
     date(2021, 11, 1), NPCSC, "in_force"),
    ("刑法/刑法修正案（十一）.md", "中华人民共和国刑法修正案（十一）", LAW, None, date(2020, 12, 26),
     date(2021, 3, 1), NPCSC, "in_force"),
    # revised by the Standing Committee: this version's body, not the 1996 plenary session
    ("行政法/行政处罚法(2021-01-22).md", "中华人民共和国行政处罚法", LAW, None, date(2021, 1, 22),
     date(2021, 7, 15), NPCSC, "in_force"),
    # administrative regulations
    ("行政法规/政府信息公开条例(2019-04-03).md", "中华人民共和国政府信息公开条例", REGULATION, "国务院令第711号",
     date(2019, 4, 3), date(2019, 5, 15), STATE_COUNCIL, "in_force"),
    ("行政法规/专职守护押运人员枪支使用管理条例(2002-07-27).md", "专职守护押运人员枪支使用管理条例", REGULATION,
     "国务院令第356号", date(2002, 7, 27), date(2002, 7, 27), STATE_COUNCIL, "in_force"),  # 自公布之日起施行
    ("行政法规/道路运输条例(2023-07-20).md", "中华人民共和国道路运输条例", REGULATION, None, date(2023, 7, 20),
     date(2023, 7, 20), STATE_COUNCIL, "in_force"),
    ("行政法规/道路运输条例(2019-03-02).md", "中华人民共和国道路运输条例", REGULATION, None, date(2019, 3, 2),
     date(2019, 3, 2), STATE_COUNCIL, "amended"),
    ("行政法规/优化营商环境条例(2019-10-22).md", "优化营商环境条例", REGULATION, "国务院令第722号",
     date(2019, 10, 22), date(2020, 1, 1), STATE_COUNCIL, "in_force"),
    ("行政法规/土地管理法实施条例(2021-07-02).md", "中华人民共和国土地管理法实施条例", REGULATION, "国务院令第743号",
     date(2021, 7, 2), date(2021, 9, 1), STATE_COUNCIL, "in_force"),
    ("行政法规/行政区划管理条例(2018-10-10).md", "行政区划管理条例", REGULATION, "国务院令第704号",
     date(2018, 10, 10), date(2019, 1, 1), STATE_COUNCIL, "in_force"),  # a 施行 history line
    ("行政法规/政府督查工作条例(2020-12-26).md", "政府督查工作条例", REGULATION, None, date(2020, 12, 26),
     date(2021, 2, 1), STATE_COUNCIL, "in_force"),  # no history lines: the closing article
    # judicial interpretations
    ("司法解释/最高人民法院关于审理政府信息公开行政案件若干问题的规定(2011-07-29).md",
     "最高人民法院关于审理政府信息公开行政案件若干问题的规定", JUDICIAL, None, date(2011, 7, 29), date(2011, 8, 13),
     COURT, "in_force"),
    ("司法解释/人民法院在线诉讼规则(2021-06-16).md", "人民法院在线诉讼规则", JUDICIAL, None, date(2021, 6, 16),
     date(2021, 8, 1), COURT, "in_force"),
    ("司法解释/最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释(2017-05-08).md",
     "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释", JUDICIAL, None,
     date(2017, 5, 8), date(2017, 6, 1), "最高人民检察院", "in_force"),  # joint: issuers from the title
    # local regulations of six provinces
    ("DLC/浙江地方法规/地方性法规/浙江/浙江省绿色建筑条例(2020-09-24).md", "浙江省绿色建筑条例", LOCAL, None,
     date(2020, 9, 24), date(2020, 9, 24), "浙江省人民代表大会常务委员会", "in_force"),  # article keeps 2016-05-01
    ("DLC/北京地方法规/地方性法规/北京/北京市物业管理条例(2024-03-29).md", "北京市物业管理条例", LOCAL, None,
     date(2024, 3, 29), date(2024, 3, 29), "北京市人民代表大会常务委员会", "in_force"),
    ("DLC/北京地方法规/地方性法规/北京/北京市优化营商环境条例(2020-03-27).md", "北京市优化营商环境条例", LOCAL, None,
     date(2020, 3, 27), date(2020, 4, 28), "北京市人民代表大会常务委员会", "amended"),
    ("DLC/北京地方法规/地方性法规/北京/北京市优化营商环境条例(2024-11-29).md", "北京市优化营商环境条例", LOCAL, None,
     date(2024, 11, 29), date(2024, 11, 29), "北京市人民代表大会常务委员会", "in_force"),  # 自公布之日起施行
    ("DLC/重庆地方法规/地方性法规/重庆/中国（重庆）自由贸易试验区条例(2019-09-26).md", "中国（重庆）自由贸易试验区条例",
     LOCAL, None, date(2019, 9, 26), date(2019, 11, 1), "重庆市人民代表大会常务委员会", "in_force"),
    ("DLC/山东地方法规/地方性法规/山东/东营市养犬管理条例(2017-10-11).md", "东营市养犬管理条例", LOCAL, None,
     date(2017, 10, 11), date(2018, 5, 1), "东营市人民代表大会常务委员会", "in_force"),
    ("DLC/河南地方法规/地方性法规/河南/三门峡市山体保护条例(2021-11-12).md", "三门峡市山体保护条例", LOCAL, None,
     date(2021, 11, 12), date(2022, 1, 1), "三门峡市人民代表大会常务委员会", "in_force"),
    ("DLC/广东地方法规/地方性法规/广东/东莞市文明行为促进条例(2023-02-23).md", "东莞市文明行为促进条例", LOCAL, None,
     date(2023, 2, 23), date(2023, 5, 1), "东莞市人民代表大会常务委员会", "in_force"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0].rsplit("/", 1)[-1] for c in CASES])
def test_metadata_of_real_documents(corpus_store, case):
    path, title, level, number, published, effective, issuer, status_then = case
    doc = version(corpus_store, path)
    assert doc.title == title
    assert doc.level == level
    assert doc.doc_number == number
    assert doc.publish_date == published
    assert doc.effective_date == effective
    assert issuer in doc.issuers
    assert status(corpus_store, doc, STATUS_DAY) == status_then


def test_local_regulations_carry_their_region(corpus_store):
    assert version(corpus_store, "DLC/浙江地方法规/地方性法规/浙江/浙江省绿色建筑条例(2020-09-24).md").region == "浙江省"
    assert version(corpus_store, "DLC/北京地方法规/地方性法规/北京/北京市物业管理条例(2024-03-29).md").region == "北京市"
    assert version(corpus_store, "行政法规/政府信息公开条例(2019-04-03).md").region == "国家"
    assert version(corpus_store, "DLC/山东地方法规/地方性法规/山东/东营市养犬管理条例(2017-10-11).md").region == "山东省东营市"


def test_a_local_regulation_approved_but_not_yet_effective(corpus_store):
    doc = version(corpus_store, "DLC/河南地方法规/地方性法规/河南/三门峡市山体保护条例(2021-11-12).md")
    assert status(corpus_store, doc, date(2021, 12, 1)) == "not_yet_effective"
    assert status(corpus_store, doc, date(2022, 1, 1)) == "in_force"


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
