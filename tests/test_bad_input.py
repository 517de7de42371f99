"""Hostile and odd input files: no crash, every bad file reported, every good one indexed.

The corpus is made by tests/support/fuzz_corpus.py (run it by hand to look at it).
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from support.fuzz_corpus import make_corpus, nested_markup
from support.paths import FIXTURES

from indexer import FileLimits, Indexer, RunFailed
from indexer.files import display_path
from policy_search import search as search_service
from policy_search.cli import main

# a short parse limit keeps the suite quick where a page is slow to parse; not so short that
# a megabyte-long line (1-2 s here) passes it on a busy two-core CI machine (it once did at 5 s)
LIMITS = FileLimits(parse_seconds=15)


@pytest.fixture(scope="module")
def fuzz_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "corpus"
    cases = make_corpus(root)
    return root, cases


def titles_in(store) -> list[str]:
    return [hit.document.title for hit in store.search(search_service.make_request(size=100)).hits]


def fixture_documents(tmp_path) -> int:
    from policy_search.stores.sqlite import SQLiteStore

    return Indexer(SQLiteStore(tmp_path / "fixtures-only.db"), progress=False).index_paths([FIXTURES]).documents


@pytest.mark.parametrize("workers", [1, 2])
def test_hostile_files_are_reported_and_the_good_ones_indexed(empty_store, fuzz_corpus, tmp_path, workers):
    root, cases = fuzz_corpus
    summary = Indexer(empty_store, progress=False, workers=workers, limits=LIMITS).index_paths([root, FIXTURES])

    failed = {failure.path: failure.reason for failure in summary.failed}
    expected_failures = {display_path(root / case.name) for case in cases if case.expect == "fail"}
    assert set(failed) == expected_failures
    assert all(reason.strip() for reason in failed.values())
    valid_titles = [case.title for case in cases if case.expect == "index"]
    titles = titles_in(empty_store)
    missing = [title for title in valid_titles if title not in titles]
    assert not missing, f"valid files not indexed: {missing}"
    # nothing of the fixtures lost beside the bad files
    assert summary.documents == empty_store.count() == fixture_documents(tmp_path) + len(valid_titles)

    again = Indexer(empty_store, progress=False, workers=workers, limits=LIMITS).index_paths([root, FIXTURES])
    assert (again.added, again.updated) == (0, 0) and {f.path for f in again.failed} == expected_failures


def test_the_reasons_say_what_is_wrong(fuzz_corpus, tmp_path):
    from policy_search.stores.sqlite import SQLiteStore

    root, _ = fuzz_corpus
    summary = Indexer(SQLiteStore(tmp_path / "x.db"), progress=False, limits=LIMITS).index_paths([root / "broken"])
    reasons = {os.path.basename(f.path): f.reason for f in summary.failed}
    assert "over the limit of 20 MB" in reasons["oversize.html"]
    assert reasons["dev-zero.html"] == reasons["named-pipe.json"] == "not a regular file"
    assert "symbolic links" in reasons["loop-a.json"]
    assert reasons["issuers-number.json"] == "record 1: issuers: must be text or a list of texts"
    assert reasons["title-number-no-id.json"] == "record 1: title: must be text"
    assert "nested too deeply" in reasons["deep-nesting.json"]
    assert "lone surrogate" in reasons["surrogate.json"]
    assert "not a date: 2021-13-45" in reasons["日期错误条例(2021-13-45).md"]


def test_a_file_name_that_is_not_utf8_is_stored_as_shown(fuzz_corpus, tmp_path):
    from policy_search.stores.sqlite import SQLiteStore

    root, _ = fuzz_corpus
    store = SQLiteStore(tmp_path / "x.db")
    Indexer(store, progress=False).index_paths([root / "valid"])
    [hit] = [h for h in store.search(search_service.make_request("文件名不是UTF8的记录")).hits]
    assert hit.document.source_path.endswith("\\xff\\xfe-latin1-\\xe9.json")


@pytest.mark.parametrize("page", [nested_markup(10_000), nested_markup(1_000, "table", ""),
                                  "<html><body>" + "<table><tr><td>" * 1_000 + "正文" + "</td></tr></table>" * 1_000])
def test_deeply_nested_markup_ends_in_a_record_or_a_reason(tmp_path, page):
    from policy_search.stores.sqlite import SQLiteStore

    (tmp_path / "nested.html").write_text(page, encoding="utf-8")
    summary = Indexer(SQLiteStore(tmp_path / "x.db"), progress=False, limits=LIMITS).index_paths([tmp_path])
    assert summary.documents + len(summary.failed) == 1
    assert all(f.reason for f in summary.failed)


def test_cli_exit_status_tells_failed_files_from_a_failed_run(fuzz_corpus, tmp_path, capsys):
    root, cases = fuzz_corpus
    store = f"sqlite:///{tmp_path}/cli.db"
    report = tmp_path / "report.json"
    assert main(["index", "--store", store, "--quiet", "--report", str(report), str(root), str(FIXTURES)]) == 1
    listed = {entry["path"] for entry in json.loads(report.read_text(encoding="utf-8"))}
    assert listed == {display_path(root / case.name) for case in cases if case.expect == "fail"}
    capsys.readouterr()
    # no store to write to: the run itself failed, not some files
    assert main(["index", "--store", "http://127.0.0.1:9", "--quiet", str(FIXTURES)]) == 3
    err = capsys.readouterr().err
    assert "the indexing run stopped: the store failed: Elasticsearch cannot be reached" in err
    assert "Traceback" not in err


def test_paths_that_do_not_exist_and_folders_with_nothing_to_index(tmp_path, capsys):
    store = f"sqlite:///{tmp_path}/cli.db"
    assert main(["index", "--store", store, "--quiet", str(tmp_path / "nowhere")]) == 1
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "minutes.docx").write_bytes(b"PK\x03\x04")
    assert main(["index", "--store", store, "--quiet", str(tmp_path / "docs")]) == 1
    assert "nothing to index" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder: an unreadable folder needs another user")
def test_an_unreadable_folder_is_reported(tmp_path):
    from policy_search.stores.sqlite import SQLiteStore

    locked = tmp_path / "feed" / "locked"
    locked.mkdir(parents=True)
    (locked / "a.json").write_text('{"title": "锁住的记录"}', encoding="utf-8")
    locked.chmod(0)
    try:
        summary = Indexer(SQLiteStore(tmp_path / "x.db"), progress=False).index_paths([tmp_path / "feed"])
    finally:
        locked.chmod(0o755)
    assert [(f.path, f.reason) for f in summary.failed] == [(str(locked), "folder not read: Permission denied")]


def test_a_store_that_fails_ends_the_run_with_what_was_done(tmp_path):
    from policy_search.stores.elastic import ElasticsearchStore

    store = ElasticsearchStore("http://127.0.0.1:9", index="nowhere", request_timeout=1)
    with pytest.raises(RunFailed) as raised:
        Indexer(store, progress=False).index_paths([FIXTURES])
    assert raised.value.reason == "the store failed: Elasticsearch cannot be reached"
    assert raised.value.summary.files > 10 and raised.value.summary.documents == 0


if sys.platform == "win32":  # symlinks and FIFOs
    pytestmark = pytest.mark.skip("POSIX file system behaviour")
