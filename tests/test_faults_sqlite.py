"""The embedded store under faults: an indexing run killed with SIGKILL at several points,
and searches from a server while another process indexes.

Real `policy-search index` and `policy-search serve` processes over generated records
(tests/support/faults.py; no ../shared needed). The run is killed with its worker processes (the
whole process group, as a crash or the OOM killer of the machine's job leaves it).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from support.faults import Load, checksum, cli_env, get, index_command, serve, state_of, stop_server, write_records
from support.paths import FIXTURES

from policy_search import search as search_service
from policy_search.stores.sqlite import SQLiteStore

pytestmark = pytest.mark.faults

RECORDS, FILES = 6000, 80  # 80 files: the run uses its worker processes (64 or more)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    """The generated records, and what an uninterrupted run leaves (the reference)."""
    folder = tmp_path_factory.mktemp("records")
    write_records(folder, RECORDS, FILES)
    reference = folder.parent / "reference.db"
    subprocess.run(index_command(f"sqlite:///{reference}", "policies", folder), env=cli_env(),
                   check=True, timeout=300, capture_output=True)
    store = SQLiteStore(reference)
    state = state_of(store)
    store.close()
    assert len(state) == RECORDS
    return folder, state


def _documents(db: Path) -> int | None:
    """Documents the file holds, read as another process would (None: no table yet)."""
    if not db.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return connection.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None


KILL_POINTS = {
    # the schema made, nothing written yet
    "schema-made": lambda count: count is not None,
    # workers writing their batches
    "quarter-written": lambda count: (count or 0) >= RECORDS // 4,
    # every document written: supersession and links being brought up to date
    "all-written": lambda count: (count or 0) >= RECORDS,
}


def _consistent_counts(db: Path) -> int:
    """What a search sees in the file: totals equal to the sums of single-valued facets."""
    store = SQLiteStore(db)
    try:
        documents = store.count()
        for q in ("", "政务公开"):
            result = store.search(search_service.make_request(q, facets=["kind", "status"]))
            for facet in ("kind", "status"):
                assert sum(c.count for c in result.facets[facet]) == result.total, (q, facet, result.facets)
            if not q:
                assert result.total == documents
        return documents
    finally:
        store.close()


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_an_indexing_run_killed_with_sigkill_leaves_a_sound_file_and_a_rerun_completes(corpus, tmp_path, point):
    folder, reference = corpus
    db = tmp_path / "index.db"
    run = subprocess.Popen(index_command(f"sqlite:///{db}", "policies", folder), env=cli_env(),
                           start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    reached = KILL_POINTS[point]
    while not reached(_documents(db)):
        assert run.poll() is None, f"the run ended before the kill point {point}: {run.stderr.read()[-2000:]!r}"
        assert time.monotonic() < deadline, f"the kill point {point} was not reached within 120 s"
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(30)
    assert run.returncode == -signal.SIGKILL

    # the file opens, is sound, and a search's counts agree with each other
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    left = _consistent_counts(db)
    assert left <= RECORDS

    # a rerun completes, and every document is there as an uninterrupted run leaves it
    rerun = subprocess.run(index_command(f"sqlite:///{db}", "policies", folder), env=cli_env(),
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _consistent_counts(db) == RECORDS
    store = SQLiteStore(db)
    try:
        state = state_of(store)
    finally:
        store.close()
    assert checksum(state) == checksum(reference)
    wrong = {doc_id for doc_id in reference if state[doc_id] != reference[doc_id]}
    assert not wrong, f"{len(wrong)} documents differ from an uninterrupted run, e.g. {sorted(wrong)[:3]}"


def test_searches_from_a_server_never_fail_while_another_process_indexes(corpus, tmp_path):
    folder, _ = corpus
    db = tmp_path / "index.db"
    subprocess.run(index_command(f"sqlite:///{db}", "policies", FIXTURES), env=cli_env(), check=True,
                   timeout=120, capture_output=True)
    log = tmp_path / "server.log"
    process, port = serve(f"sqlite:///{db}", "policies", log)
    paths = ["/api/v1/search?" + urlencode({"q": "政务公开"}), "/api/v1/search?" + urlencode({"q": "示范办法"}),
             "/api/v1/suggest?" + urlencode({"q": "第1"}), "/?" + urlencode({"q": "城乡规划"}),
             "/api/v1/search?" + urlencode({"status": "in_force"})]
    try:
        assert get(port, paths[0])[0] == 200
        with Load(port, lambda n: paths[n % len(paths)], clients=4) as load:
            indexing = subprocess.run(index_command(f"sqlite:///{db}", "policies", folder), env=cli_env(),
                                      capture_output=True, text=True, timeout=300)
        assert indexing.returncode == 0, indexing.stderr[-2000:]
    finally:
        stop_server(process)
    assert len(load.answers) > 50
    failed = [a for a in load.answers if a.status != 200]
    assert not failed, f"{len(failed)} of {len(load.answers)} failed, e.g. {failed[0].status} {failed[0].body[:200]!r}"
    assert "database is locked" not in log.read_text(errors="replace")
    print(f"measured: {len(load.answers)} requests during the run, none failed")
