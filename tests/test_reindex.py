"""Words that go live without downtime (issue 16, part 2), on both stores: the running
service picks up changed word files, and `policy-search reindex` rebuilds the index online
(searches meanwhile never fail), or leaves the old index serving when it fails half way."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from support.documents import sample_documents
from support.servers import ServedApp
from support.stores import STORE_KINDS, make_store

from analyzers import Analyzer, AnalyzerConfig, analyzer_for
from indexer import Indexer
from policy_search import cli, reindex
from policy_search.schema import Document
from policy_search.settings import Settings, get_settings
from policy_search.stores import Store
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore
from search_api.app import create_app
from search_api.live_words import reload_words

NEW_WORD = "湿地银行"
WETLAND = Document(id="wetland-bank", title="关于湿地保护的通知", body=f"第一条 设立{NEW_WORD}，统筹湿地占补。")


@pytest.fixture(params=STORE_KINDS)
def filled_store(request, tmp_path):
    """A store of each kind holding the sample documents and one that holds NEW_WORD."""
    store = make_store(request.param, tmp_path)
    Indexer(store, progress=False).index_documents([*sample_documents(), WETLAND])
    yield store
    store.drop()
    store.close()


def found(store: Store, query: str) -> list[str]:
    from policy_search.search import make_request

    request = make_request(query, size=50, analyzer=store.analyzer)
    return [hit.document.id for hit in store.search(request).hits]


def reader_of(store: Store, analyzer: Analyzer) -> Store:
    """The store as the server opens it: the embedded store's file read-only."""
    if isinstance(store, SQLiteStore):
        return SQLiteStore(store.path, read_only=True, analyzer=analyzer)
    return store.with_analyzer(analyzer)


def leftovers(store: Store) -> list[str]:
    """What a rebuild could leave beside the serving index."""
    if isinstance(store, SQLiteStore):
        return sorted(p.name for p in store.path.parent.iterdir() if ".rebuild" in p.name)
    assert isinstance(store, ElasticsearchStore)
    names = store.client.indices.get(index=f"{store.alias}-v*,{store.articles_alias}-v*", allow_no_indices=True).body
    serving = {*store.client.indices.get_alias(name=store.alias).body,
               *store.client.indices.get_alias(name=store.articles_alias).body}
    return sorted(set(names) - serving)


def test_searches_run_through_a_dictionary_change_and_a_reindex_without_an_error(filled_store, tmp_path):
    dictionary = tmp_path / "user_dict.txt"
    dictionary.write_text("# staff words\n", encoding="utf-8")
    config = AnalyzerConfig(user_dicts=(dictionary,))
    settings = Settings(user_dict=str(dictionary), words_check_seconds=0.2)
    app = create_app(settings, store=reader_of(filled_store, analyzer_for(config)))
    stable = found(filled_store, "城乡规划")
    assert stable  # the loop checks that these stay found throughout

    answers: list[tuple[int, str, list[str]]] = []
    stop = threading.Event()

    def search_loop(url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(3000):  # bounded in count, and stopped by the test
                if stop.is_set():
                    return
                for query in ("城乡规划", NEW_WORD):
                    response = client.get("/api/v1/search", params={"q": query, "size": 50})
                    ids = [r["id"] for r in response.json()["results"]] if response.status_code == 200 else []
                    answers.append((response.status_code, query, ids))

    with ServedApp(app) as served:
        loop = threading.Thread(target=search_loop, args=(served.url,))
        loop.start()
        try:
            dictionary.write_text(f"# staff words\n{NEW_WORD} 100000 n\n", encoding="utf-8")
            deadline = time.monotonic() + 20
            while app.state.store.analyzer.fingerprint == analyzer_for(AnalyzerConfig()).fingerprint or \
                    not app.state.store.analyzer.segmenter.has_word(NEW_WORD):
                assert time.monotonic() < deadline, "the server did not pick up the new word"
                time.sleep(0.1)
            report = reindex.reindex(filled_store.with_analyzer(Analyzer(config)))
            time.sleep(0.5)  # searches after the swap too
        finally:
            stop.set()
            loop.join(30)
        with httpx.Client(base_url=served.url) as client:
            after = client.get("/api/v1/search", params={"q": NEW_WORD}).json()

    print(f"{len(answers)} searches during the change and the reindex")
    assert answers and not [a for a in answers if a[0] != 200]
    assert all(sorted(ids) == sorted(stable) for _, query, ids in answers if query == "城乡规划")
    # the new word: the document before the change (湿地 and 银行), none between the reload
    # and the reindex (one word now, which the old tokens do not hold), never another one
    assert all(ids in ([], [WETLAND.id]) for _, query, ids in answers if query == NEW_WORD)
    assert [r["id"] for r in after["results"]] == [WETLAND.id]  # an old document, found by the new word
    assert report.documents == len(sample_documents()) + 1
    assert WETLAND.id in report.changed
    texts = {doc.id: doc.title + doc.body for doc in [*sample_documents(), WETLAND]}
    assert all(NEW_WORD in texts[doc_id] for doc_id in report.changed)
    assert leftovers(filled_store) == []


def test_writes_made_while_a_rebuild_runs_are_in_the_index_it_puts_in_place(filled_store, monkeypatch):
    # a CMS pushing documents through the write API during a reindex: an added, a changed
    # and a deleted document, an interpretation linked into the notice it explains, and the
    # newest version of a law pushed again as a family of its own (law-2018 is then superseded
    # by nothing): links and supersession are fields of other documents than those written
    monkeypatch.setattr(reindex, "BATCH_DOCUMENTS", 3)
    writes = Indexer(filled_store, progress=False)
    added = Document(id="wetland-rules", title="湿地保护修复办法", body="第一条 湿地保护修复实行统一规划。")
    answers = Document(id="putian-qa", kind="interpretation", title="莆田市政策文件解读发布工作问答",
                       interprets_ref="莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知",
                       body="问：为什么要加强政策文件解读？")

    batches: list[int] = []

    def write_once(written: int) -> None:
        batches.append(written)
        if len(batches) == 1:
            writes.index_documents([added, answers, WETLAND.model_copy(update={"body": "第一条 设立湿地占补平衡机制。"})])
            writes.delete(["expired-notice"])
        if len(batches) == 2:
            moved = filled_store.get("law-2025").model_copy(update={"family_id": "urban-planning-draft"})
            writes.index_documents([moved])

    assert filled_store.get("law-2018").superseded_date is not None
    reindex.reindex(filled_store, after_batch=write_once)
    filled_store.refresh()
    assert "wetland-rules" in found(filled_store, "湿地保护修复")
    assert found(filled_store, "占补平衡") == ["wetland-bank"] and found(filled_store, NEW_WORD) == []
    assert "expired-notice" not in filled_store.ids()
    assert filled_store.get("law-2018").superseded_date is None
    assert filled_store.get("law-2010").superseded_date == date(2019, 1, 1)  # by law-2018, as before
    assert [link.id for link in filled_store.get("putian-notice").interpretations] == ["putian-qa"]
    assert filled_store.count() == len(sample_documents()) + 2  # WETLAND, two added, one deleted


def test_a_write_made_while_the_new_index_is_put_in_place_waits_and_lands_in_it(filled_store, monkeypatch):
    # the moment no catch-up can cover: after the last one, before the new index serves
    late = Document(id="late-notice", title="关于湿地巡护的通知", body="第一条 湿地巡护实行网格管理。")
    writer = filled_store.clone()  # another writer, as the write API of a running server is
    done = threading.Event()
    errors: list[Exception] = []

    def write() -> None:
        try:
            Indexer(writer, progress=False).index_documents([late])
        except Exception as error:
            errors.append(error)
        finally:
            done.set()

    last_catch_up = reindex.settle_catch_up
    waited: list[bool] = []

    def then_write(store: Store, target: Store, report: reindex.ReindexReport) -> int:
        changed = last_catch_up(store, target, report)
        threading.Thread(target=write, daemon=True).start()
        waited.append(not done.wait(1.0))  # the old index takes no writes now
        return changed

    monkeypatch.setattr(reindex, "settle_catch_up", then_write)
    reindex.reindex(filled_store)
    assert done.wait(40) and errors == []
    assert waited == [True]
    filled_store.refresh()
    assert found(filled_store, "湿地巡护") == ["late-notice"]
    assert filled_store.count() == len(sample_documents()) + 2  # WETLAND and the late one
    writer.close()


def test_a_rebuild_that_fails_half_way_leaves_the_old_index_answering(filled_store, monkeypatch):
    queries = ["城乡规划", "政务公开", "解读", NEW_WORD]
    before = {query: found(filled_store, query) for query in queries}
    count = filled_store.count()
    monkeypatch.setattr(reindex, "BATCH_DOCUMENTS", 3)

    def fail_after_first_batch(written: int) -> None:
        raise RuntimeError(f"injected failure after {written} documents")

    reader = reader_of(filled_store, filled_store.analyzer)
    with pytest.raises(RuntimeError, match="injected failure"):
        reindex.reindex(filled_store, after_batch=fail_after_first_batch)
    for store in (filled_store, reader):
        assert {query: found(store, query) for query in queries} == before
        assert store.count() == count
    assert leftovers(filled_store) == []
    # and the next rebuild, run again, completes
    assert reindex.reindex(filled_store).documents == count
    assert {query: found(reader, query) for query in queries} == before


def test_the_server_uses_a_changed_synonyms_file_without_a_restart(filled_store, tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# staff short forms\n", encoding="utf-8")
    settings = Settings(synonyms=str(synonyms), words_check_seconds=0.1)
    store = reader_of(filled_store, analyzer_for(AnalyzerConfig(synonym_files=(synonyms,))))
    client = TestClient(create_app(settings, store=store))

    def ids(query: str) -> list[str]:
        response = client.get("/api/v1/search", params={"q": query, "size": 50})
        assert response.status_code == 200
        return sorted(r["id"] for r in response.json()["results"])

    long_form = ids("湿地保护")
    assert long_form and ids("湿保") == []
    synonyms.write_text("# staff short forms\n湿保 => 湿地保护\n", encoding="utf-8")
    deadline = time.monotonic() + 15
    while ids("湿保") != long_form:
        assert time.monotonic() < deadline, "the new short form was not used within 15 s"
        time.sleep(0.1)

    # a broken file keeps the words in use, and says why
    synonyms.write_text("湿保 => 湿地保护\n这一行没有箭头\n", encoding="utf-8")
    outcome = reload_words(client.app)  # type: ignore[arg-type]
    assert outcome["reloaded"] is False and "synonyms.txt" in outcome["error"]
    assert ids("湿保") == long_form


def test_reload_words_says_when_the_index_needs_a_reindex(filled_store, tmp_path):
    dictionary = tmp_path / "user_dict.txt"
    dictionary.write_text("", encoding="utf-8")
    settings = Settings(user_dict=str(dictionary), words_check_seconds=0)
    app = create_app(settings, store=reader_of(filled_store, analyzer_for(AnalyzerConfig(user_dicts=(dictionary,)))))
    assert reload_words(app)["reindex_needed"] is False
    dictionary.write_text(f"{NEW_WORD} 100000 n\n", encoding="utf-8")
    outcome = reload_words(app)
    assert outcome["reloaded"] and outcome["reindex_needed"] is True
    assert found(app.state.store, NEW_WORD) == []  # the old documents hold 湿地 / 银行 until reindexed
    assert app.state.writer.store.analyzer is app.state.store.analyzer  # the write API cuts as queries do
    reindex.reindex(filled_store.with_analyzer(app.state.store.analyzer))
    assert reload_words(app)["reindex_needed"] is False
    assert found(app.state.store, NEW_WORD) == [WETLAND.id]


def test_tokens_digests_are_those_of_the_tokens_written(filled_store):
    from policy_search.stores import IndexRecord

    digests = filled_store.tokens_digests([WETLAND.id, "law-2010", "no-such-document"])
    assert set(digests) == {WETLAND.id, "law-2010"}
    assert digests[WETLAND.id] == IndexRecord.of(WETLAND, filled_store.analyzer).tokens_digest


def test_the_reindex_command_reports_the_documents_whose_tokens_changed(filled_store, tmp_path, monkeypatch):
    dictionary = tmp_path / "user_dict.txt"
    dictionary.write_text(f"{NEW_WORD} 100000 n\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_SEARCH_USER_DICT", str(dictionary))
    if isinstance(filled_store, ElasticsearchStore):
        monkeypatch.setenv("POLICY_SEARCH_INDEX", filled_store.alias)
    get_settings.cache_clear()
    report_file: Path = tmp_path / "report.json"
    try:
        assert cli.main(["reindex", "--store", filled_store.url, "--report", str(report_file)]) == 0
    finally:
        get_settings.cache_clear()
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["documents"] == filled_store.count()
    assert WETLAND.id in report["changed"] and report["changed_count"] == len(report["changed"])
    assert found(filled_store.with_analyzer(Analyzer(AnalyzerConfig(user_dicts=(dictionary,)))), NEW_WORD) == [WETLAND.id]


def test_reindex_of_an_index_that_does_not_exist_says_so_and_makes_nothing(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert cli.main(["reindex", "--store", f"sqlite:///{missing}"]) == 3
    assert "run `policy-search index` first" in capsys.readouterr().err
    assert not missing.exists()


def test_reindex_removes_what_a_killed_rebuild_left(filled_store):
    """A rebuild killed half way (SIGKILL, a power cut) leaves its new file or indexes; the
    old index serves all along, and the next rebuild removes them."""
    if isinstance(filled_store, SQLiteStore):
        left = filled_store.path.with_name(filled_store.path.name + ".rebuild")
        left.write_bytes(b"half written")
        left.with_name(left.name + "-wal").write_bytes(b"")
    else:
        assert isinstance(filled_store, ElasticsearchStore)
        filled_store.client.indices.create(index=f"{filled_store.alias}-v7")
    assert leftovers(filled_store) != []
    before = found(filled_store, "城乡规划")
    assert reindex.reindex(filled_store).documents == filled_store.count()
    assert leftovers(filled_store) == []
    assert found(filled_store, "城乡规划") == before


def test_a_rebuild_started_while_another_runs_leaves_a_whole_index_serving(filled_store):
    """The embedded store refuses the second; on Elasticsearch the second completes and the
    first then fails at its swap (the indexes it would take the aliases from are gone)."""
    from policy_search.stores import StoreError

    before = sorted(found(filled_store, "城乡规划"))
    count = filled_store.count()
    second = filled_store.clone()
    errors: list[str] = []

    def run_second(written: int) -> None:
        if not errors:
            try:
                reindex.reindex(second)
                errors.append("the second completed")
            except StoreError as error:
                errors.append(str(error))

    try:
        reindex.reindex(filled_store, after_batch=run_second)
    except StoreError as error:
        errors.append(str(error))
    if isinstance(filled_store, SQLiteStore):
        assert errors == [f"another rebuild of {filled_store.path} is running"]
    else:
        assert errors[0] == "the second completed" and len(errors) == 2
    assert sorted(found(filled_store, "城乡规划")) == before and filled_store.count() == count
    assert leftovers(filled_store) == []


def test_an_index_run_after_a_reindex_finds_everything_unchanged(filled_store, tmp_path):
    """The rebuilt index keeps what the indexer recorded (content hashes, its segmentation):
    indexing the same documents again with the new words writes and segments nothing."""
    dictionary = tmp_path / "user_dict.txt"
    dictionary.write_text(f"{NEW_WORD} 100000 n\n", encoding="utf-8")
    store = filled_store.with_analyzer(Analyzer(AnalyzerConfig(user_dicts=(dictionary,))))
    documents = store.get_many(store.ids())
    reindex.reindex(store)
    assert store.get_many(store.ids()) == documents  # text, metadata, links and supersession kept
    summary = Indexer(store, progress=False).index_documents([*sample_documents(), WETLAND])
    assert (summary.unchanged, summary.added, summary.updated, summary.resegmented) == (
        len(sample_documents()) + 1, 0, 0, 0)
    assert found(store, NEW_WORD) == [WETLAND.id]


def test_an_admin_key_reloads_the_words_at_once(filled_store, tmp_path):
    from policy_search.keys import KeyStore, Scope

    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("", encoding="utf-8")
    settings = Settings(synonyms=str(synonyms), words_check_seconds=0, keys_file=str(tmp_path / "keys.db"))
    store = reader_of(filled_store, analyzer_for(AnalyzerConfig(synonym_files=(synonyms,))))
    client = TestClient(create_app(settings, store=store))
    keys = KeyStore(settings.keys_file)
    admin, write = keys.create(Scope.ADMIN)[1], keys.create(Scope.WRITE)[1]
    synonyms.write_text("湿保 => 湿地保护\n", encoding="utf-8")
    assert client.post("/api/v1/admin/reload").status_code == 401
    assert client.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {write}"}).status_code == 403
    assert client.get("/api/v1/search", params={"q": "湿保"}).json()["total"] == 0  # no look on its own (0 s)
    response = client.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200 and response.json()["reloaded"] is True
    assert [r["id"] for r in client.get("/api/v1/search", params={"q": "湿保"}).json()["results"]] == [WETLAND.id]


def test_documents_stored_without_a_content_hash_are_copied_once(tmp_path):
    # an index written before content hashes were kept: its copies hold computed ones, which
    # must not read as a change on every pass (one pass while writes may go on, and the
    # last, which writers wait for: both find nothing)
    store = make_store("sqlite", tmp_path)
    Indexer(store, progress=False).index_documents(sample_documents())
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE documents SET content_hash = NULL")
    passes: list[int] = []
    original = reindex.catch_up

    def counted(*arguments) -> int:
        passes.append(original(*arguments))
        return passes[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reindex, "catch_up", counted)
        assert reindex.reindex(store).documents == len(sample_documents())
    assert passes == [0, 0]
