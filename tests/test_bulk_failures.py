"""Records a store may refuse: a huge keyword value is stored by both stores; a document
Elasticsearch refuses is reported with its file and reason, and the run goes on."""

from __future__ import annotations

import json

from indexer import Indexer
from policy_search import search as search_service

# 12,000 characters of three UTF-8 bytes: 36 KB, over Lucene's 32,766-byte term limit
HUGE = "莆" * 12_000


def _records(tmp_path, records):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_keyword_value_over_32_kb_is_stored_and_the_run_goes_on(empty_store, tmp_path):
    path = _records(tmp_path, [
        {"id": "huge-issuer", "title": "关于超长发文机关的通知", "issuers": [HUGE], "doc_number": f"莆{HUGE}〔2021〕1号",
         "topics": [HUGE], "region": HUGE, "body": "政务公开工作要点。"},
        {"id": "plain-1", "title": "关于政务公开的通知", "issuers": ["莆田市人民政府"], "body": "政务公开工作要点。"},
        {"id": "plain-2", "title": "关于政务公开的意见", "issuers": ["莆田市人民政府"], "body": "政务公开工作要点。"},
    ])
    summary = Indexer(empty_store, progress=False).index_paths([path])
    assert summary.failed == [] and summary.added == 3
    found = search_service.search_response(empty_store, "政务公开", search_service.make_request("政务公开"))
    assert found["total"] == 3
    assert empty_store.get("huge-issuer").issuers == [HUGE]


def test_a_refused_document_is_reported_per_document_and_the_others_written(empty_store, tmp_path):
    # Elasticsearch refuses ids over 512 bytes; the embedded store takes them
    long_id = "编号" * 100
    path = _records(tmp_path, [
        {"id": long_id, "title": "关于超长编号的通知", "body": "政务公开工作要点。"},
        *({"id": f"plain-{n}", "title": f"关于政务公开的第{n}号通知", "body": "政务公开工作要点。"} for n in range(5)),
    ])
    summary = Indexer(empty_store, progress=False).index_paths([path])
    found = search_service.search_response(empty_store, "政务公开", search_service.make_request("政务公开"))
    if type(empty_store).__name__ == "SQLiteStore":
        assert summary.failed == [] and found["total"] == 6
        return
    assert found["total"] == 5 and summary.added == 5
    assert len(summary.failed) == 1
    failure = summary.failed[0]
    assert failure.path == str(path)
    assert long_id in failure.reason and "not written" in failure.reason and "512" in failure.reason
