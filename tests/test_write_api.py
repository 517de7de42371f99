"""The write API on both stores: keys and scopes, idempotent puts, deletes, batches, pages
pushed by a CMS, versions after a newer version arrives, bad input, the audit log."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.paths import FIXTURES
from support.servers import free_port

from policy_search.cli import main
from policy_search.keys import InvalidKey, KeyStore, Scope
from policy_search.settings import Settings
from policy_search.stores.elastic import ElasticsearchStore
from search_api import create_app

PUTIAN = "莆田市人民政府办公室"
PAGES = FIXTURES / "portal"
LIST_PAGE = FIXTURES.parent / "tests" / "data" / "portal-list" / "rsj.gz.gov.cn" / "20b_广州劳动仲裁服务指南_目录.html"


def notice(title: str = "莆田市人民政府办公室关于推进政务公开标准化工作的通知", **fields) -> dict:
    return {"title": title, "issuers": [PUTIAN], "doc_number": "莆政办〔2024〕5号", "publish_date": "2024-03-01",
            "body": "各县（区）人民政府：为推进政务公开标准化规范化工作，现将有关事项通知如下。", **fields}


@pytest.fixture
def service(empty_store, tmp_path):
    """The app over an empty store of each kind, its keys file, and keys of each kind."""
    settings = Settings(keys_file=str(tmp_path / "keys.db"), max_write_bytes=200_000)
    app = create_app(settings, store=empty_store)
    keys = KeyStore(settings.keys_file)
    tokens = {
        "write": keys.create(Scope.WRITE)[1],
        "admin": keys.create(Scope.ADMIN)[1],
        "putian": keys.create(Scope.WRITE, issuer=PUTIAN)[1],
    }
    client = TestClient(app)
    client.keys, client.tokens, client.keys_file = keys, tokens, Path(settings.keys_file)
    return client


def auth(client, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.tokens[name]}"}


def put(client, source_id: str, record: dict, key: str = "write"):
    return client.put(f"/api/v1/documents/{source_id}", json=record, headers=auth(client, key))


def test_keys_are_shown_once_stored_hashed_listed_and_revoked(tmp_path):
    keys = KeyStore(tmp_path / "keys.db")
    key, token = keys.create(Scope.WRITE, issuer=PUTIAN, note="CMS")
    assert token.startswith(f"ps_{key.id}_")
    assert keys.authenticate(token).issuer == PUTIAN
    listed = {k.id: k for k in keys.all()}
    assert listed[key.id].scope is Scope.WRITE and listed[key.id].active
    secret = token.rsplit("_", 1)[1]
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert secret.encode() not in stored and token.encode() not in stored
    assert (tmp_path / "keys.db").stat().st_mode & 0o077 == 0  # the service's user's alone
    with pytest.raises(InvalidKey):
        keys.authenticate(token[:-4] + "0000")
    assert keys.revoke(key.id).revoked
    with pytest.raises(InvalidKey, match="revoked"):
        keys.authenticate(token)


def _cli(*args: str, keys_file: Path) -> subprocess.CompletedProcess:
    """`policy-search keys …` in this process (a new one costs seconds of imports)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["keys", "--keys-file", str(keys_file), *args])
        except SystemExit as error:  # argparse's refusals
            status = int(error.code or 0)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def test_the_keys_commands(tmp_path):
    keys_file = tmp_path / "keys.db"
    # as staff run it: the console command, the file named by the environment
    created = subprocess.run([sys.executable, "-m", "policy_search.cli", "keys", "create", "--scope", "write",
                              "--issuer", PUTIAN], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "POLICY_SEARCH_KEYS_FILE": str(keys_file)})
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    key_id = token.split("_")[1]
    assert "shown only now" in created.stderr
    listed = _cli("list", keys_file=keys_file)
    assert key_id in listed.stdout and PUTIAN in listed.stdout and "active" in listed.stdout
    assert token not in listed.stdout
    assert _cli("revoke", key_id, keys_file=keys_file).returncode == 0
    assert "revoked" in _cli("list", keys_file=keys_file).stdout
    missing = _cli("revoke", "nosuchkey", keys_file=keys_file)
    assert missing.returncode == 1 and "no key" in missing.stderr
    bad_scope = _cli("create", "--scope", "root", keys_file=keys_file)
    assert bad_scope.returncode == 2 and "invalid choice" in bad_scope.stderr


def test_writes_need_a_valid_key_and_reads_stay_open(service):
    record = notice()
    without = service.put("/api/v1/documents/cms-1", json=record)
    assert without.status_code == 401 and without.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in without.json()["error"]["message"]
    for bad in ("Bearer nonsense", "Bearer ps_000000000000_" + "0" * 64, "Basic dXNlcjpwYXNz"):
        answer = service.put("/api/v1/documents/cms-1", json=record, headers={"Authorization": bad})
        assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers
    assert service.get("/api/v1/documents/cms-1").status_code == 404  # nothing was written
    assert put(service, "cms-1", record).status_code == 201
    assert service.get("/api/v1/documents/cms-1").status_code == 200  # read without a key
    key_id = service.tokens["write"].split("_")[1]
    service.keys.revoke(key_id)
    revoked = put(service, "cms-1", notice(body="改过的正文。"))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]["message"]


def test_a_key_of_the_wrong_scope_is_refused_with_403(service):
    answer = service.get("/api/v1/admin/audit", headers=auth(service, "write"))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert service.get("/api/v1/admin/audit", headers=auth(service, "admin")).status_code == 200
    assert put(service, "cms-1", notice(), key="admin").status_code == 201  # admin implies write


def test_the_same_put_twice_changes_nothing_the_second_time(service):
    first = put(service, "cms-1", notice())
    assert first.status_code == 201 and first.json() == {"id": "cms-1", "result": "created"}
    stored = service.get("/api/v1/documents/cms-1").json()
    again = put(service, "cms-1", notice())
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    assert service.get("/api/v1/documents/cms-1").json() == stored
    changed = put(service, "cms-1", notice(body="各县（区）人民政府：现就政务公开标准化工作补充通知如下。"))
    assert changed.json()["result"] == "updated"
    assert "补充通知" in service.get("/api/v1/documents/cms-1").json()["body"]
    hits = service.get("/api/v1/search", params={"q": "政务公开标准化"}).json()
    assert [hit["id"] for hit in hits["results"]] == ["cms-1"]


def test_what_the_service_derives_is_not_taken_from_a_record(service):
    # a record copied from another index's API answer names a supersession date and links:
    # the document is still the only version of its family, in force, and explains nothing
    record = notice(superseded_date="2025-01-01", interprets={"id": "elsewhere", "title": "某通知"},
                    interpretations=[{"id": "gone", "title": "某解读"}])
    assert put(service, "cms-copied", record).status_code == 201
    stored = service.get("/api/v1/documents/cms-copied").json()
    assert stored["status"] == "in_force" and stored["interprets"] is None and stored["interpretations"] == []


def test_a_record_may_only_repeat_the_source_id(service):
    answer = put(service, "cms-1", notice(id="other-id"))
    assert answer.status_code == 422 and "source_id" in answer.json()["error"]["message"]
    assert put(service, "cms-1", notice(id="cms-1")).status_code == 201
    bad_id = service.put("/api/v1/documents/bad%20id", json=notice(), headers=auth(service, "write"))
    assert bad_id.status_code == 422


def test_an_issuer_key_writes_only_its_issuers_documents(service):
    assert put(service, "own", notice(), key="putian").status_code == 201
    other = put(service, "other", notice(title="福州市人民政府办公厅关于政务公开的通知", issuers=["福州市人民政府办公厅"]),
                key="putian")
    assert other.status_code == 403 and PUTIAN in other.json()["error"]["message"]
    assert service.get("/api/v1/documents/other").status_code == 404
    # a document of another issuer, written with a key of any issuer, is not the issuer key's
    assert put(service, "fuzhou", notice(title="福州市人民政府办公厅关于政务公开的通知", issuers=["福州市人民政府办公厅"]),
               ).status_code == 201
    takeover = put(service, "fuzhou", notice(), key="putian")
    assert takeover.status_code == 403
    deleted = service.delete("/api/v1/documents/fuzhou", headers=auth(service, "putian"))
    assert deleted.status_code == 403
    assert service.get("/api/v1/documents/fuzhou").json()["issuers"] == ["福州市人民政府办公厅"]
    assert service.delete("/api/v1/documents/own", headers=auth(service, "putian")).json()["result"] == "deleted"


def test_delete_removes_the_document_and_a_second_delete_is_404(service):
    put(service, "cms-1", notice())
    answer = service.delete("/api/v1/documents/cms-1", headers=auth(service, "write"))
    assert answer.status_code == 200 and answer.json() == {"id": "cms-1", "result": "deleted"}
    assert service.get("/api/v1/documents/cms-1").status_code == 404
    assert service.get("/api/v1/search", params={"q": "政务公开标准化"}).json()["total"] == 0
    again = service.delete("/api/v1/documents/cms-1", headers=auth(service, "write"))
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


def test_a_newer_version_put_supersedes_the_older_one(service):
    def version(number: str, published: str, effective: str) -> dict:
        return {"title": "莆田市政府信息公开办法", "issuers": [PUTIAN], "doc_number": number, "family_id": "putian-disclosure",
                "publish_date": published, "effective_date": effective, "body": f"第一条 为规范政府信息公开（{number}）。"}

    assert put(service, "rule-2019", version("莆政〔2019〕1号", "2019-01-01", "2019-02-01")).status_code == 201
    assert service.get("/api/v1/documents/rule-2019", params={"valid_on": "2024-06-01"}).json()["status"] == "in_force"
    assert put(service, "rule-2024", version("莆政〔2024〕2号", "2024-01-01", "2024-03-01")).status_code == 201
    old = service.get("/api/v1/documents/rule-2019", params={"valid_on": "2024-06-01"}).json()
    assert old["status"] == "amended"
    assert [v["id"] for v in old["versions"]] == ["rule-2019", "rule-2024"]
    assert service.get("/api/v1/documents/rule-2019", params={"valid_on": "2024-02-01"}).json()["status"] == "in_force"
    current = service.get("/api/v1/current", params={"title": "莆田市政府信息公开办法", "on": "2024-06-01"}).json()
    assert current["id"] == "rule-2024"
    # the newer version withdrawn: the older one is in force again
    service.delete("/api/v1/documents/rule-2024", headers=auth(service, "write"))
    assert service.get("/api/v1/documents/rule-2019", params={"valid_on": "2024-06-01"}).json()["status"] == "in_force"


def put_page(client, source_id: str, page: Path, url: str | None = None, key: str = "write"):
    params = {"url": url} if url else {}
    return client.put(f"/api/v1/documents/{source_id}", content=page.read_bytes(), params=params,
                      headers={**auth(client, key), "Content-Type": "text/html"})


def test_portal_pages_pushed_by_a_cms_are_read_and_linked_as_when_indexed(service):
    # the interpretation first: it links to its policy when the policy arrives
    answer = put_page(service, "sz-tujie", PAGES / "shenzhen-interpretation.html")
    assert answer.status_code == 201, answer.text
    answer = put_page(service, "sz-notice", PAGES / "shenzhen-notice.html", url="https://www.sz.gov.cn/cms/notice-1.html")
    assert answer.status_code == 201, answer.text
    policy = service.get("/api/v1/documents/sz-notice").json()
    assert policy["title"] == "深圳市人民政府办公厅关于进一步做好政策解读工作的通知"
    assert policy["source_url"] == "https://www.sz.gov.cn/cms/notice-1.html"
    assert policy["issuers"] == ["深圳市人民政府办公厅"]
    assert [link["id"] for link in policy["interpretations"]] == ["sz-tujie"]
    interpretation = service.get("/api/v1/documents/sz-tujie").json()
    assert interpretation["kind"] == "interpretation" and interpretation["interprets"]["id"] == "sz-notice"
    assert put_page(service, "sz-notice", PAGES / "shenzhen-notice.html",
                    url="https://www.sz.gov.cn/cms/notice-1.html").json()["result"] == "unchanged"
    # a GBK page without a declaration is read as a file would be; its address in Content-Location
    gbk = service.put("/api/v1/documents/gongyi", content=(PAGES / "gongyi-interpretation-gbk-undeclared.html").read_bytes(),
                      headers={**auth(service, "write"), "Content-Type": "text/html; charset=gbk",
                               "Content-Location": "http://www.gongyi.gov.cn/zcjd/1.html"})
    assert gbk.status_code == 201
    page = service.get("/api/v1/documents/gongyi").json()
    assert page["issuers"] == ["巩义市人民政府办公室"] and page["source_url"] == "http://www.gongyi.gov.cn/zcjd/1.html"


def test_bad_input_is_a_clear_4xx_and_loses_nothing(service):
    put(service, "cms-1", notice())
    before = service.get("/api/v1/documents/cms-1").json()
    headers = {**auth(service, "write"), "Content-Type": "application/json"}
    cases = [
        (b'{"title": "x",', headers, 422, "invalid JSON"),
        (b'{"issuers": ["x"]}', headers, 422, "title"),
        (b'["not", "an", "object"]', headers, 422, "not a JSON object"),
        (b'{"title": "x", "publish_date": "yesterday"}', headers, 422, "publish_date"),
        (b'{"title": "x", "effective_date": 0}', headers, 422, "YYYY-MM-DD"),  # no Unix timestamps
        (b"\xff\xfe\x00garbage", headers, 422, "UTF-8"),
        (b"<html><body></body></html>", {**headers, "Content-Type": "text/html"}, 422, ""),
        (b"\x00\x01\x02binary" * 10, {**headers, "Content-Type": "text/html"}, 422, "binary"),
        (b"title,body\nx,y", {**headers, "Content-Type": "text/csv"}, 415, "application/json"),
        (b"x" * 300_000, headers, 413, "larger than 200000 bytes"),
    ]
    for body, sent_headers, status, message in cases:
        answer = service.put("/api/v1/documents/cms-1", content=body, headers=sent_headers)
        assert answer.status_code == status, (body[:40], answer.text)
        assert message in answer.json()["error"]["message"], answer.text
    assert service.get("/api/v1/documents/cms-1").json() == before
    list_page = put_page(service, "list", LIST_PAGE)
    assert list_page.status_code == 422 and list_page.json()["error"]["code"] == "not_a_document"
    assert "list page" in list_page.json()["error"]["message"]
    bad_url = put_page(service, "cms-2", PAGES / "shenzhen-notice.html", url="javascript:alert(1)")
    assert bad_url.status_code == 422 and "url" in bad_url.json()["error"]["message"]


def batch(client, lines: list[object | str], key: str = "write"):
    body = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    return client.post("/api/v1/documents:batch", content=body.encode(),
                       headers={**auth(client, key), "Content-Type": "application/x-ndjson"})


def test_a_batch_answers_each_line_and_writes_the_good_ones(service):
    put(service, "old", notice(title="莆田市人民政府办公室关于旧事项的通知"))
    page = (PAGES / "shenzhen-notice.html").read_text(encoding="utf-8")
    answer = batch(service, [
        {"source_id": "b-1", "document": notice()},
        '{"source_id": "b-2", "document": ',
        {"source_id": "b-3", "document": {"issuers": [PUTIAN]}},
        {"source_id": "b-4", "html": page, "url": "https://www.sz.gov.cn/cms/b-4.html"},
        {"source_id": "old", "action": "delete"},
        {"source_id": "nowhere", "action": "delete"},
        {"source_id": "b-1", "document": notice()},
        {"document": notice()},
    ])
    assert answer.status_code == 200
    body = answer.json()
    assert body["errors"] is True
    results = {r["line"]: r for r in body["results"]}
    assert [r["line"] for r in body["results"]] == list(range(1, 9))
    assert results[1]["result"] == "created" and results[1]["status"] == 201
    assert results[2]["result"] == "error" and results[2]["status"] == 422 and "line 2" in results[2]["error"]["message"]
    assert results[3]["result"] == "error" and "title" in results[3]["error"]["message"]
    assert results[4]["result"] == "created"
    assert results[5]["result"] == "deleted"
    assert results[6]["status"] == 404
    assert results[7]["result"] == "unchanged"
    assert results[8]["status"] == 422 and "source_id" in results[8]["error"]["message"]
    assert body["counts"] == {"created": 2, "error": 4, "deleted": 1, "unchanged": 1}
    assert service.get("/api/v1/documents/b-1").status_code == 200
    assert service.get("/api/v1/documents/b-4").json()["source_url"] == "https://www.sz.gov.cn/cms/b-4.html"
    assert service.get("/api/v1/documents/old").status_code == 404
    scoped = batch(service, [{"source_id": "b-4", "action": "delete"}, {"source_id": "b-5", "document": notice()}],
                   key="putian")
    assert [r["status"] for r in scoped.json()["results"]] == [403, 201]
    empty = batch(service, ["", "  "])  # nothing to do: done
    assert empty.status_code == 200 and empty.json() == {"errors": False, "counts": {}, "results": []}
    not_utf8 = service.post("/api/v1/documents:batch", content=b"\xff\xfe{}",
                            headers={**auth(service, "write"), "Content-Type": "application/x-ndjson"})
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["error"]["message"]


def test_every_write_is_audited_without_the_key(service):
    put(service, "cms-1", notice())
    put(service, "cms-1", notice())
    put(service, "other", notice(issuers=["福州市人民政府办公厅"]), key="putian")
    service.delete("/api/v1/documents/cms-1", headers=auth(service, "write"))
    entries = service.get("/api/v1/admin/audit", headers=auth(service, "admin")).json()["entries"]
    write_id, putian_id = (service.tokens[name].split("_")[1] for name in ("write", "putian"))
    assert [(e["key_id"], e["action"], e["document_id"], e["outcome"]) for e in reversed(entries)] == [
        (write_id, "put", "cms-1", "created"), (write_id, "put", "cms-1", "unchanged"),
        (putian_id, "put", "other", "forbidden"), (write_id, "delete", "cms-1", "deleted")]
    assert all(entry["time"].endswith("+00:00") for entry in entries)
    shown = _cli("audit", "--json", "--limit", "10", keys_file=service.keys_file).stdout
    assert len(shown.splitlines()) == 4 and "cms-1" in shown
    stored = b"".join(path.read_bytes() for path in service.keys_file.parent.glob("keys.db*"))
    for token in service.tokens.values():
        assert token not in shown and token not in json.dumps(entries)
        assert token.rsplit("_", 1)[1].encode() not in stored


def test_a_store_that_cannot_be_reached_answers_503(tmp_path):
    store = ElasticsearchStore(f"http://127.0.0.1:{free_port()}", index="gone", request_timeout=1)
    settings = Settings(keys_file=str(tmp_path / "keys.db"))
    client = TestClient(create_app(settings, store=store))
    keys = KeyStore(settings.keys_file)
    token = keys.create(Scope.WRITE)[1]
    answer = client.put("/api/v1/documents/cms-1", json=notice(), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "store_unavailable"
    assert "127.0.0.1" not in answer.text
    assert [(e.action, e.document_id, e.outcome) for e in keys.audit()] == [("put", "cms-1", "store_unavailable")]
    deleted = client.delete("/api/v1/documents/cms-1", headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 503
