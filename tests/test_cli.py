"""The command line: index, search, exit statuses and failure reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from support.paths import FIXTURES

from policy_search.cli import main


def test_index_then_search_the_fixtures(tmp_path, capsys):
    store = f"sqlite:///{tmp_path}/cli.db"
    assert main(["index", "--store", store, "--quiet", str(FIXTURES)]) == 0
    first = capsys.readouterr().out
    assert "0 failed" in first and "added" in first
    assert main(["index", "--store", store, "--quiet", str(FIXTURES)]) == 0
    assert " 0 added, 0 updated" in capsys.readouterr().out
    assert main(["search", "--store", store, "政务公开"]) == 0
    out = capsys.readouterr().out
    assert "河北省人力资源和社会保障厅关于推进政务公开的意见" in out
    assert main(["search", "--store", store, "--json", "--level", "行政法规", "专利"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [(r["title"], r["publish_date"], r["status"]) for r in body["results"]] == [
        ("中华人民共和国专利法实施细则", "2023-12-11", "in_force"), ("中华人民共和国专利法实施细则", "2010-01-09", "amended")]


def test_a_broken_file_is_reported_and_the_others_indexed(tmp_path, capsys):
    source = tmp_path / "feed"
    source.mkdir()
    shutil.copy(FIXTURES / "records" / "feed.jsonl", source / "good.jsonl")
    (source / "broken.json").write_text('{"title": "未完', encoding="utf-8")
    (source / "no-title.jsonl").write_text('{"id": "a", "title": ""}\n', encoding="utf-8")
    report = tmp_path / "report.json"
    store = f"sqlite:///{tmp_path}/cli.db"
    assert main(["index", "--store", store, "--quiet", "--report", str(report), str(source)]) == 1
    captured = capsys.readouterr()
    assert "1 added" in captured.out and "2 failed" in captured.out
    assert "broken.json: invalid JSON" in captured.err
    assert "no-title.jsonl: record 1: title" in captured.err
    failures = json.loads(report.read_text(encoding="utf-8"))
    assert sorted(f["path"].rsplit("/", 1)[-1] for f in failures) == ["broken.json", "no-title.jsonl"]


def test_bad_store_url_and_bad_parameters_are_clear_errors(tmp_path, capsys):
    assert main(["search", "--store", "ftp://example", "x"]) == 3
    assert "unsupported store URL" in capsys.readouterr().err
    assert main(["search", "--store", f"sqlite:///{tmp_path}/x.db", "--status", "valid", "x"]) == 2
    assert "status: unknown value 'valid'" in capsys.readouterr().err


def test_the_console_script_is_installed(tmp_path):
    script = shutil.which("policy-search", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert script, "policy-search is not on the virtual environment's PATH"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("policy-search ")


def test_serve_with_several_worker_processes_answers_on_one_port(tmp_path):
    import http.client
    import os
    import socket
    import time

    store = f"sqlite:///{tmp_path}/serve.db"
    assert main(["index", "--store", store, "--quiet", str(FIXTURES)]) == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "policy_search.cli", "serve", "--store", store, "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/readyz")
                ready = connection.getresponse()
                ready.read()
                if ready.status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        for _ in range(4):  # several requests on one keep-alive connection
            connection.request("GET", "/api/v1/search?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80")
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["total"] == 4
    finally:
        server.terminate()
        server.wait(15)


def _run(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """`policy-search ARGS…` as a separate process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "policy_search.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def indexed_fixtures(tmp_path_factory) -> str:
    store = f"sqlite:///{tmp_path_factory.mktemp('cli')}/fixtures.db"
    assert main(["index", "--store", store, "--quiet", str(FIXTURES)]) == 0
    return store


def test_current_answers_a_title_match_or_says_there_is_none(indexed_fixtures):
    # every word of 不存在的法 occurs in the text of the 政府信息公开条例, none in a title
    missing = _run("current", "--store", indexed_fixtures, "不存在的法")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == "policy-search: no regulation's title matches '不存在的法'\n"
    short = _run("current", "--store", indexed_fixtures, "--on", "2024-01-01", "专利法实施细则")  # no 中华人民共和国
    assert short.returncode == 0, short.stderr
    assert short.stdout.startswith("中华人民共和国专利法实施细则 (现行有效 on 2024-01-01)")
    full = _run("current", "--store", indexed_fixtures, "--json", "中华人民共和国政府信息公开条例")
    assert full.returncode == 0 and json.loads(full.stdout)["title"] == "中华人民共和国政府信息公开条例"


def test_search_and_current_never_create_a_store_and_say_which_file_they_looked_for(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_SEARCH_")}
    relative = _run("search", "--store", "sqlite:///tmp/x.db", "政务公开", cwd=tmp_path, env=env)
    assert relative.returncode == 3 and relative.stdout == ""
    assert relative.stderr == (
        f"policy-search: no index at {tmp_path}/tmp/x.db: run `policy-search index` first"
        " (sqlite:///tmp/x.db names a path relative to the working directory; for /tmp/x.db write sqlite:////tmp/x.db)\n")
    absolute = _run("current", "--store", f"sqlite:///{tmp_path}/none.db", "公司法", cwd=tmp_path, env=env)
    assert absolute.returncode == 3
    assert absolute.stderr == f"policy-search: no index at {tmp_path}/none.db: run `policy-search index` first\n"
    default = _run("search", "政务公开", cwd=tmp_path, env=env)  # sqlite:///var/policy-search.db
    assert default.returncode == 3
    assert default.stderr == f"policy-search: no index at {tmp_path}/var/policy-search.db: run `policy-search index` first\n"
    assert list(tmp_path.iterdir()) == []  # no file, no folder



@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_on_a_port_in_use_says_so_and_exits_non_zero(indexed_fixtures, workers):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--store", indexed_fixtures, "--port", str(port), "--workers", workers)
    assert result.returncode == 1
    assert result.stderr == (f"policy-search: cannot listen on 127.0.0.1:{port}: the port is in use"
                             " (another server is running there?): choose another with --port\n")


@pytest.mark.parametrize("arguments, message", [
    (["serve", "--workers", "abc"], "argument --workers: 'abc' is not a whole number"),
    (["serve", "--workers", "0"], "argument --workers: 0 is too small: use 1 or more"),
    (["serve", "--port", "99999"], "argument --port: 99999 is out of range: use 1–65535"),
    (["serve", "--port", "http"], "argument --port: 'http' is not a whole number"),
    (["index", "--workers", "-2", "fixtures"], "argument --workers: -2 is too small: use 1 or more"),
    (["search", "--page", "二", "x"], "argument --page: '二' is not a whole number"),
    (["search", "--size", "101", "x"], "argument --size: 101 is out of range: use 1–100"),
    (["search", "--size", "1.5", "x"], "argument --size: '1.5' is not a whole number"),
])
def test_number_options_say_what_is_wrong(arguments, message):
    result = _run(*arguments)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.endswith(f"policy-search {arguments[0]}: error: {message}\n")
    assert "Traceback" not in result.stderr



@pytest.mark.parametrize("command", [["search", "--size", "50", ""], ["current", "专利法实施细则"]])
def test_output_to_a_reader_that_went_away_ends_quietly(indexed_fixtures, command):
    # as `policy-search search … | head -1` once head has exited: stdout is a pipe nobody reads
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([sys.executable, "-m", "policy_search.cli", command[0], "--store", indexed_fixtures,
                                 *command[1:]], stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert result.stderr == ""  # no traceback, no "Exception ignored"
    assert result.returncode == 141
