"""Search statistics on both stores: each search recorded without anything personal, the
figures staff read (`policy-search stats`), retention, and a search never failing for them."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from policy_search.cli import main
from policy_search.settings import Settings
from search_api import create_app


@pytest.fixture
def service(sample_store, tmp_path):
    settings = Settings(stats_file=str(tmp_path / "stats.db"), keys_file=str(tmp_path / "keys.db"))
    client = TestClient(create_app(settings, store=sample_store))
    client.stats, client.stats_file = client.app.state.search_stats, tmp_path / "stats.db"
    return client


def rows(client) -> list[dict]:
    client.stats.flush()
    with sqlite3.connect(client.stats_file) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM searches ORDER BY rowid")]


def test_each_search_is_recorded_as_understood_with_where_it_came_from(service):
    personal = {"User-Agent": "Mozilla/5.0 (Secret Phone)", "Cookie": "session=s3cr3t-cookie",
                "X-Forwarded-For": "203.0.113.77"}
    service.get("/api/v1/search", params={"q": "  政務公開  ", "issuer": "莆田市人民政府办公室", "current": "true"},
                headers=personal)
    service.get("/", params={"q": "城乡规划"}, headers=personal)
    service.get("/api/v1/search", params={"q": "城乡规划"},
                headers={**personal, "Origin": "https://www.example.gov.cn"})
    service.get("/api/v1/search", params={"q": "不存在的词语组合"})
    service.get("/api/v1/search", params={"q": "x", "date_from": "bad"})  # refused: no search
    recorded = rows(service)
    assert [(r["query"], r["source"], r["origin"]) for r in recorded] == [
        ("政务公开", "api", None), ("城乡规划", "page", None),
        ("城乡规划", "widget", "https://www.example.gov.cn"), ("不存在的词语组合", "api", None)]
    assert json.loads(recorded[0]["filters"]) == {"issuer": ["莆田市人民政府办公室"], "current": True}
    assert recorded[1]["results"] == 3 and recorded[3]["results"] == 0  # the three versions of the law
    assert all(r["took_ms"] >= 0 and r["page"] == 1 for r in recorded)
    stored = b"".join(path.read_bytes() for path in service.stats_file.parent.glob("stats.db*"))
    for secret in ("Secret Phone", "s3cr3t-cookie", "203.0.113.77", "testclient"):
        assert secret.encode() not in stored


def test_stats_show_top_queries_and_queries_without_results(service, capsys):
    for q in ["城乡规划"] * 3 + ["政务公开"] * 2 + ["没有结果的查询"] * 2 + ["另一个没有结果的词"] + [""]:
        service.get("/api/v1/search", params={"q": q})
    service.get("/api/v1/search", params={"q": "政务公开", "page": 2})  # a page turned: no new search
    service.stats.flush()
    report = service.stats.report(days=30)
    assert report.searches == 9 and report.zero_result_searches == 3
    assert [(row.query, row.searches) for row in report.top] == [
        ("城乡规划", 3), ("政务公开", 2), ("没有结果的查询", 2), ("另一个没有结果的词", 1)]
    assert [(row.query, row.searches) for row in report.zero_results] == [("没有结果的查询", 2), ("另一个没有结果的词", 1)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["stats", "--days", "30", "--stats-file", str(service.stats_file)]) == 0
    text = out.getvalue()
    assert "9 searches, 3 with no result" in text
    top, zero = text.split("queries with no result:")
    assert top.index("城乡规划") < top.index("政务公开") and "没有结果的查询" in zero and "城乡规划" not in zero
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["stats", "--json", "--stats-file", str(service.stats_file)])
    assert json.loads(out.getvalue())["top"][0] == {"query": "城乡规划", "searches": 3, "results": 3}


def test_searches_past_the_retention_are_removed(service):
    service.get("/api/v1/search", params={"q": "城乡规划"})
    service.stats.flush()
    old = (datetime.now(UTC) - timedelta(days=181)).isoformat(timespec="seconds")
    recent = (datetime.now(UTC) - timedelta(days=179)).isoformat(timespec="seconds")
    with sqlite3.connect(service.stats_file) as connection:
        connection.executemany("INSERT INTO searches VALUES (?, ?, '{}', 1, 1, 1, 'api', NULL)",
                               [(old, "旧的查询"), (recent, "近的查询")])
    assert service.stats.retention_days == 180  # the default
    assert service.stats.purge() == 1
    assert {r["query"] for r in rows(service)} == {"城乡规划", "近的查询"}
    assert [row.query for row in service.stats.report(days=7).top] == ["城乡规划"]


def test_recording_off_or_failing_never_costs_a_search(sample_store, tmp_path):
    off = TestClient(create_app(Settings(search_stats=False, stats_file=str(tmp_path / "off.db")), store=sample_store))
    assert off.get("/api/v1/search", params={"q": "城乡规划"}).status_code == 200
    assert not (tmp_path / "off.db").exists()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    broken = TestClient(create_app(Settings(stats_file=str(blocked / "stats.db")), store=sample_store))
    assert broken.get("/api/v1/search", params={"q": "城乡规划"}).status_code == 200
    broken.app.state.search_stats.flush()  # says so in the log, raises nothing
    assert broken.get("/", params={"q": "城乡规划"}).status_code == 200
