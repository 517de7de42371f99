"""Ingestion of real source formats, checked on both stores."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from support.paths import FIXTURES, ROOT
from support.stores import make_store

from indexer import Indexer
from indexer.dates import parse_date
from indexer.encoding import decode
from indexer.portal_html import parse_portal_html
from policy_search import search as search_service
from policy_search.schema import Kind, public_fields

MALFORMED = ROOT / "tests" / "data" / "malformed"
PUTIAN_TITLE = "莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知"


def by_title(store, title: str):
    docs = [h.document for h in store.search(search_service.make_request(size=100)).hits]
    found = [d for d in docs if d.title == title]
    assert len(found) == 1, f"{title!r} indexed {len(found)} times"
    return store.get(found[0].id)


def test_fixtures_index_without_failure_and_again_unchanged(empty_store):
    indexer = Indexer(empty_store, progress=False)
    first = indexer.index_paths([FIXTURES])
    assert first.failed == [] and first.added == first.documents > 10
    again = indexer.index_paths([FIXTURES])
    assert (again.added, again.updated, again.unchanged) == (0, 0, first.documents)
    assert empty_store.count() == first.documents


@pytest.mark.parametrize("written", ["莆政办网传〔2021〕13号", "莆政办网传[2021]13号", "莆政办网传（2021）13号",
                                     "莆政办网传(2021)13", "莆政办网传【2021】13号"])
def test_seed_notice_is_found_by_its_number_in_any_bracket_style(fixture_store, written):
    request = search_service.make_request(written, valid_on=date(2026, 1, 1))
    response = search_service.search_response(fixture_store, written, request)
    assert response["total"] == 1
    hit = response["results"][0]
    assert hit["title"] == PUTIAN_TITLE
    assert hit["doc_number"] == "莆政办网传〔2021〕13号"
    assert hit["issuers"] == ["莆田市人民政府办公室"]
    assert hit["publish_date"] == "2021-04-12"
    assert hit["level"] == "地方规范性文件"
    assert hit["topics"] == ["机关工作"]
    assert hit["status"] == "in_force"


def test_portal_pages_metadata_by_label(fixture_store):
    notice = by_title(fixture_store, "滁州市人民政府办公室关于认真做好新修订的《中华人民共和国政府信息公开条例》宣传贯彻工作的通知")
    assert notice.index_no == "11341100003132496A/201906-00023"
    assert notice.doc_number == "滁政办电〔2019〕23号"
    assert notice.issuers == ["滁州市人民政府办公室"]
    assert notice.written_date == date(2019, 6, 18) and notice.publish_date == date(2019, 6, 18)
    assert notice.topics == ["机关工作"]
    assert notice.disclosure == {"公开形式": "政府网站", "公开时限": "自生成之日起20个工作日内", "责任部门": "市政府办公室"}
    assert notice.source_url == "https://www.chuzhou.gov.cn/zwgk/2019/0618/notice23.html"
    # the body is the text proper: no navigation, share buttons, footer or metadata
    assert "新修订的《中华人民共和国政府信息公开条例》" in notice.body
    for chrome in ("当前位置", "分享到", "网站标识码", "互动交流", "索引号", "相关文件"):
        assert chrome not in notice.body


def test_gbk_pages_declared_or_not_read_without_mojibake(fixture_store):
    notice = by_title(fixture_store, "巩义市人民政府办公室关于规范政策文件解读工作流程的通知")
    assert notice.issuers == ["巩义市人民政府办公室"] and notice.publish_date == date(2020, 3, 18)
    assert notice.doc_number is None  # the page says 文号：无
    assert "解读文本与政策文件应同步起草" in notice.body
    interpretation = by_title(fixture_store, "关于《巩义市人民政府办公室关于规范政策文件解读工作流程的通知》的解读")
    assert "谁起草、谁解读" in interpretation.body


def test_a_wrong_charset_declaration_is_not_trusted():
    page = (FIXTURES / "portal" / "wrong-declared-charset.html")
    assert b"charset=gbk" in page.read_bytes()
    (doc,) = parse_portal_html(page)
    assert doc.title == "关于做好政府信息主动公开工作的通知"
    assert doc.issuers == ["示例县人民政府办公室"]


def test_decode_tells_the_encodings_apart():
    text = "政务公开信息发布规范（试行）"
    for encoding in ("utf-8", "gbk", "gb2312", "gb18030"):
        assert decode(("<p>" + text + "</p>").encode(encoding)) == "<p>" + text + "</p>"


@pytest.mark.parametrize("written, expected", [
    ("2021.04.12", date(2021, 4, 12)), ("2021年4月12日", date(2021, 4, 12)), ("2021-4-12", date(2021, 4, 12)),
    ("２０２１年０４月１２日", date(2021, 4, 12)), ("2017 - 12 - 20发布", date(2017, 12, 20)),
    ("二〇二一年四月十二日", date(2021, 4, 12)), ("2021/04/12 10:00", date(2021, 4, 12)), ("无", None),
])
def test_dates_in_every_common_form(written, expected):
    assert parse_date(written) == expected


def test_every_interpretation_points_to_its_policy_and_back(fixture_store):
    interpretations = [h.document for h in fixture_store.search(
        search_service.make_request(filters={"kind": ["interpretation"]}, size=100)).hits]
    assert len(interpretations) == 3
    for interpretation in interpretations:
        assert interpretation.interprets is not None, interpretation.title
        policy = fixture_store.get(interpretation.interprets.id)
        assert policy.kind is Kind.POLICY
        assert interpretation.id in [link.id for link in policy.interpretations]


@pytest.mark.parametrize("first", ["interpretations", "policies"])
def test_linking_works_in_either_indexing_order_and_survives_reindexing(empty_store, tmp_path, first):
    pages = sorted((FIXTURES / "portal").glob("*.html"))
    policies, interpretations = tmp_path / "policies", tmp_path / "interpretations"
    policies.mkdir(), interpretations.mkdir()
    for page in pages:
        (interpretations if "interpretation" in page.name else policies).joinpath(page.name).write_bytes(page.read_bytes())
    indexer = Indexer(empty_store, progress=False)
    order = [interpretations, policies] if first == "interpretations" else [policies, interpretations]
    for folder in order:
        assert indexer.index_paths([folder]).failed == []
    # a policy indexed again (its page changed) keeps its interpretations
    changed = policies / "shenzhen-notice.html"
    changed.write_text(changed.read_text(encoding="utf-8").replace("做好“策中解读”。", "做好“策中解读”（更新）。"), encoding="utf-8")
    assert indexer.index_paths([policies]).updated == 1
    docs = [h.document for h in empty_store.search(search_service.make_request(size=100)).hits]
    linked = {d.title: d for d in docs}
    for doc in docs:
        if doc.kind is Kind.INTERPRETATION:
            assert doc.interprets is not None, doc.title
            assert [link.id for link in empty_store.get(doc.interprets.id).interpretations] == [doc.id]
    assert len([d for d in linked.values() if d.interpretations]) == 3


def test_broken_files_are_reported_and_the_rest_indexed(empty_store, tmp_path):
    shutil.copytree(MALFORMED, tmp_path / "malformed")
    shutil.copytree(FIXTURES / "records", tmp_path / "records")
    summary = Indexer(empty_store, progress=False).index_paths([tmp_path])
    reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in summary.failed}
    assert reasons == {
        "binary-junk.html": "binary data, not text",
        "broken-records.jsonl": "invalid JSON in line 1: Expecting ',' delimiter (line 1, column 18)",
        "empty.html": "empty file",
        "not-a-record.txt": "the 文章属性 block has no 【label】 items",
        "truncated.html": "the page has no body",
    }
    assert summary.added == 3 and empty_store.count() == 3


def test_worker_processes_index_what_one_process_indexes(empty_store, tmp_path):
    parallel = Indexer(empty_store, progress=False, workers=2)
    parallel.PARALLEL_MIN_FILES = 0  # the fixtures are fewer files than make workers worth it
    summary = parallel.index_paths([FIXTURES])
    reference = make_store("sqlite", tmp_path / "one-process")
    Indexer(reference, progress=False, workers=1).index_paths([FIXTURES])
    everything = search_service.make_request(size=100)
    ids = [h.document.id for h in reference.search(everything).hits]
    assert summary.documents == len(ids) == empty_store.count()
    expected, actual = reference.get_many(ids), empty_store.get_many(ids)
    for doc_id in ids:
        assert public_fields(actual[doc_id], date.today()) == public_fields(expected[doc_id], date.today())
    assert any(doc.articles for doc in actual.values())


def test_an_id_in_several_files_ends_as_it_last_appears_whichever_worker_writes_first(empty_store, tmp_path):
    """Workers write their chunks in any order; the run still ends with each document as
    the last file names it, and counts it once."""
    import json

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for day in range(1, 9):  # eight files, one chunk each: the two workers race
        record = {"id": "notice-1", "title": f"关于第{day}次调整的通知", "publish_date": f"2024-01-0{day}",
                  "body": f"第{day}版正文"}
        other = {"id": f"notice-day-{day}", "title": f"第{day}日其他通知", "body": "正文"}
        (feeds / f"day-{day}.jsonl").write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in (record, other)), encoding="utf-8")
    parallel = Indexer(empty_store, progress=False, workers=2)
    parallel.PARALLEL_MIN_FILES = 0
    summary = parallel.index_paths([feeds])
    assert empty_store.get("notice-1").title == "关于第8次调整的通知"
    assert (summary.added, summary.updated, summary.unchanged) == (9, 0, 0)
    again = parallel.index_paths([feeds])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 9)
    assert empty_store.get("notice-1").title == "关于第8次调整的通知"


def test_a_run_rewrites_an_id_that_chunks_wrote_out_of_order(empty_store, tmp_path):
    """The race above, made to happen: the chunk holding the last appearance is written
    first, the earlier one after it; the run puts the last appearance back."""
    import json

    from indexer import IndexSummary
    from indexer.writing import RunWriter, index_chunk

    files = []
    for day in (1, 2):
        path = tmp_path / f"day-{day}.jsonl"
        path.write_text(json.dumps({"id": "notice-1", "title": f"第{day}版通知", "body": "正文"}, ensure_ascii=False),
                        encoding="utf-8")
        files.append(path)
    empty_store.create()
    later = index_chunk(empty_store, [(1, files[1])])
    earlier = index_chunk(empty_store, [(0, files[0])])
    assert empty_store.get("notice-1").title == "第1版通知"  # as the race left it
    run = RunWriter(empty_store)
    run.add_chunk(earlier)
    run.add_chunk(later)
    run.rewrite_out_of_order(files)
    summary = IndexSummary()
    run.count_into(summary)
    empty_store.refresh()
    assert empty_store.get("notice-1").title == "第2版通知"
    assert (summary.added, summary.updated, summary.unchanged) == (1, 0, 0)


def test_an_article_with_a_stray_space_before_tiao_is_kept():
    from indexer.lawrefbook import body_and_articles

    # as the corpus's 刑事诉讼法(2018) prints its 第一百二十八条
    _, articles = body_and_articles("第一百二十七条 前一条。\n\n第一百二十八 条侦查人员应当进行勘验。\n\n第一百二十九条 后一条。")
    assert [a.number for a in articles] == ["第一百二十七条", "第一百二十八条", "第一百二十九条"]
    assert articles[1].text == "侦查人员应当进行勘验。"
