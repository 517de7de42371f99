"""A run that dies half way is completed by the next one: every status and link as an
uninterrupted run leaves them, on both stores."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import date

from support.paths import FIXTURES
from support.stores import make_store

from indexer import Indexer
from policy_search.schema import status_on

DAY = date(2026, 1, 1)

# The child writes every document, then dies where families and links were to be brought
# up to date: the moment that left regulations 现行有效 where they are 已被修改.
_DIES_BEFORE_FAMILIES = """
import os, pickle, sys
from indexer import Indexer
store = pickle.loads(sys.stdin.buffer.read())
indexer = Indexer(store, progress=False, workers=1)
indexer.refresh_families = lambda *args, **kwargs: os._exit(9)
indexer.index_paths(sys.argv[1:])
"""


def run_killed_before_families(store, *paths) -> None:
    child = subprocess.run([sys.executable, "-c", _DIES_BEFORE_FAMILIES, *map(str, paths)],
                           input=pickle.dumps(store), capture_output=True, timeout=120)
    assert child.returncode == 9, child.stderr.decode()[-2000:]


def state(store) -> dict:
    """What a user sees of each document that a run derives: status, links."""
    docs = store.get_many(store.ids(), with_body=False)
    return {doc_id: (status_on(doc, DAY), doc.interprets, doc.interpretations) for doc_id, doc in docs.items()}


def test_a_rerun_after_a_killed_run_leaves_what_an_uninterrupted_run_does(empty_store, tmp_path, request):
    reference = make_store(request.node.callspec.params["empty_store"], tmp_path)
    try:
        Indexer(reference, progress=False).index_paths([FIXTURES])
        expected = state(reference)
    finally:
        reference.drop()
        reference.close()

    run_killed_before_families(empty_store, FIXTURES)
    empty_store.refresh()
    assert empty_store.count() == len(expected)
    assert state(empty_store) != expected  # the kill left statuses or links stale

    rerun = Indexer(empty_store, progress=False).index_paths([FIXTURES])
    assert (rerun.added, rerun.updated, rerun.unchanged) == (0, 0, len(expected))
    assert rerun.recovered == len(expected) and "an earlier run was interrupted" in rerun.describe()
    assert state(empty_store) == expected

    again = Indexer(empty_store, progress=False).index_paths([FIXTURES])
    assert again.recovered == 0 and state(empty_store) == expected
