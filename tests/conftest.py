"""Shared fixtures: the sample documents and the stores, each store from the same factory.

Every test that takes `store` runs once on the embedded store and once on a real
Elasticsearch node. The node is found at $POLICY_SEARCH_TEST_ES_URL (default
http://127.0.0.1:9200; `scripts/elasticsearch start` runs one). Where no node answers, the
Elasticsearch half is skipped with a message, unless POLICY_SEARCH_REQUIRE_ES=1 (as in
CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn

from indexer import Indexer
from policy_search.schema import Document
from policy_search.stores import Store
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore
from search_api.server import server_options

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"

ES_URL = os.environ.get("POLICY_SEARCH_TEST_ES_URL", "http://127.0.0.1:9200")
REQUIRE_ES = os.environ.get("POLICY_SEARCH_REQUIRE_ES") == "1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandInServer:
    """A stand-in HTTP server in a thread on 127.0.0.1:`port` (default: a free one), for
    `with`; `handler` answers the requests (a portal, a fake node)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _es_reachable() -> bool:
    store = ElasticsearchStore(ES_URL, index="reachability-check", request_timeout=3)
    try:
        return store.client.cluster.health()["status"] in ("green", "yellow")
    except Exception:
        return False
    finally:
        store.close()


_ES_STATE: dict[str, bool] = {}


def require_elasticsearch() -> None:
    if "reachable" not in _ES_STATE:
        _ES_STATE["reachable"] = _es_reachable()
    if not _ES_STATE["reachable"]:
        message = (
            f"Elasticsearch is not reachable at {ES_URL}: the Elasticsearch half of the suite was "
            "skipped. Run `scripts/elasticsearch start` (needs Java 17 and Maven) or set "
            "POLICY_SEARCH_TEST_ES_URL."
        )
        if REQUIRE_ES:
            pytest.fail(message + " (POLICY_SEARCH_REQUIRE_ES=1)")
        pytest.skip(message)


def make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return SQLiteStore(tmp_path / f"test-{uuid.uuid4().hex[:8]}.db")
    require_elasticsearch()
    return ElasticsearchStore(ES_URL, index=f"test-{uuid.uuid4().hex[:12]}")


STORE_KINDS = [pytest.param("sqlite", id="sqlite"),
               pytest.param("elasticsearch", id="elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture(params=STORE_KINDS)
def empty_store(request, tmp_path) -> Iterator[Store]:
    """A fresh, empty store of each kind."""
    store = make_store(request.param, tmp_path)
    store.create()
    yield store
    store.drop()
    store.close()


def _indexed_store(kind: str, tmp_path: Path, fill) -> Iterator[Store]:
    store = make_store(kind, tmp_path)
    fill(Indexer(store, progress=False))
    yield store
    store.drop()
    store.close()


@pytest.fixture(scope="module", params=STORE_KINDS)
def sample_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding the sample documents; tests must not write to it."""
    yield from _indexed_store(request.param, tmp_path_factory.mktemp("store"),
                              lambda indexer: indexer.index_documents(sample_documents()))


# The law corpus the ranking, status and metadata tests run on: the project's own sample
# of it always (tests/support/corpus_sample.py made it), the whole of ../shared/corpus where
# it is present (CI has it; `-m "not corpus"` leaves it out).
CORPUS_SAMPLE = ROOT / "tests" / "data" / "corpus_sample" / "lawrefbook"
CORPUS_STORES = [
    pytest.param((corpus, kind), id=f"{corpus}-{kind}",
                 marks=[*([pytest.mark.corpus] if corpus == "full" else []),
                        *([pytest.mark.elasticsearch] if kind == "elasticsearch" else [])])
    for corpus in ("sample", "full") for kind in ("sqlite", "elasticsearch")
]


@pytest.fixture(scope="session", params=CORPUS_STORES)
def corpus_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding a law corpus (the sample, or ../shared/corpus/lawrefbook)
    and fixtures/, read-only. `store.corpus` says which ("sample" or "full"),
    `store.summary` is the indexing run's summary. Built once per test session."""
    corpus, kind = request.param
    source = CORPUS_SAMPLE if corpus == "sample" else CORPUS / "lawrefbook"
    if not source.is_dir():
        pytest.skip(f"the whole corpus is not at {source}: tests on it skipped (they run on the sample too)")
    store = make_store(kind, tmp_path_factory.mktemp("corpus"))
    store.corpus = corpus
    # fixtures first: where both give one document (the Civil Code, of which fixtures/ holds
    # a few parts), the corpus's is the one kept (the file named last wins)
    store.summary = Indexer(store, progress=False).index_paths([FIXTURES, source])
    yield store
    store.drop()
    store.close()


def _index_fixtures(indexer: Indexer) -> None:
    summary = indexer.index_paths([FIXTURES])
    assert summary.failed == [], summary.failed


@pytest.fixture(scope="module", params=STORE_KINDS)
def fixture_store(request, tmp_path_factory) -> Iterator[Store]:
    """A store of each kind holding the project's fixtures/; tests must not write to it."""
    yield from _indexed_store(request.param, tmp_path_factory.mktemp("fixtures"), _index_fixtures)


# Markup that, if it ever ran in a browser, would set window.__xss (test_browser.py looks).
PAYLOAD = '<script>window.__xss="script"</script><img src=x onerror="window.__xss=\'img\'">'


def hostile_documents() -> list[Document]:
    """Documents as a hostile source or CMS could send them: markup in every text field,
    script URLs as their source."""
    return [
        Document(id="xss-title", title=f"关于{PAYLOAD}政务公开的通知", issuers=[f"恶意机关{PAYLOAD}"],
                 doc_number=f"莆政办〔2021〕{PAYLOAD}号", level=f"规范性文件{PAYLOAD}", topics=[PAYLOAD],
                 body=f"第一条 政务公开{PAYLOAD}正文。\n第二条 {PAYLOAD}", source_url="javascript:window.__xss='link'"),
        Document(id="xss-data-url", title="关于政务公开数据链接的通知", body="政务公开",
                 source_url="data:text/html,<script>alert(1)</script>"),
        Document(id="xss-spaced-url", title="关于政务公开空格链接的通知", body="政务公开",
                 source_url="  JaVaScRiPt:alert(1)"),
        Document(id="good-url", title="关于政务公开来源链接的通知", body="政务公开",
                 source_url="https://www.example.gov.cn/zwgk/1.html?a=1&b=2"),
    ]


class ServedApp:
    """An app served by uvicorn in a thread on loopback, with the HTTP protocol and request
    size limits that `policy-search serve` runs it with."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", **server_options())
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.address = ("127.0.0.1", self.port)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def law(id: str, published: str, effective: str, number: str, body: str) -> Document:
    return Document(
        id=id, title="中华人民共和国城乡规划示范法", issuers=["全国人民代表大会常务委员会"],
        doc_number=number, publish_date=date.fromisoformat(published),
        effective_date=date.fromisoformat(effective), level="法律", doc_type="法", region="国家",
        family_id="urban-planning-law", topics=["城乡建设"], body=body,
    )


def sample_documents() -> list[Document]:
    """Documents whose statuses, facets and matches the tests know by construction.

    Three versions of one law (2010, 2018 and one published in 2025 that takes effect in
    2027), a repealed rule, an expired notice, a joint notice of two issuers, a notice
    and its interpretation.
    """
    return [
        law("law-2010", "2010-01-01", "2010-03-01", "主席令第二十号",
            "第一条 为了加强城乡规划管理，制定本法。第二条 制定和实施城乡规划，适用本法。"),
        law("law-2018", "2018-06-01", "2019-01-01", "主席令第二十九号",
            "第一条 为了加强城乡规划管理，协调城乡空间布局，制定本法。第六十条 本法自2019年1月1日起施行。"),
        law("law-2025", "2025-12-01", "2027-01-01", "主席令第五十号",
            "第一条 为了加强城乡规划管理，促进城乡高质量发展，制定本法。第七十条 本法自2027年1月1日起施行。"),
        Document(
            id="repealed-rule", title="城市房屋拆迁管理条例", issuers=["国务院"], doc_number="国务院令第305号",
            publish_date=date(2001, 6, 13), effective_date=date(2001, 11, 1), level="行政法规",
            doc_type="条例", region="国家", declared_status="repealed", repealed_date=date(2011, 1, 21),
            body="第一条 为了加强对城市房屋拆迁的管理，维护拆迁当事人的合法权益，保障建设项目顺利进行，制定本条例。",
        ),
        Document(
            id="expired-notice", title="莆田市人民政府办公室关于开展政务公开专项检查的通知",
            issuers=["莆田市人民政府办公室"], doc_number="莆政办〔2020〕8号", publish_date=date(2020, 3, 2),
            effective_date=date(2020, 3, 2), expiry_date=date(2022, 3, 2), level="地方规范性文件",
            doc_type="通知", topics=["机关工作"], region="福建省莆田市",
            body="各县（区）人民政府，市直有关单位：为推进政务公开工作，现开展专项检查。本通知有效期两年。",
        ),
        Document(
            id="joint-notice", title="关于做好政府信息依申请公开工作的通知",
            issuers=["莆田市人民政府办公室", "莆田市司法局"], doc_number="莆政办〔2021〕20号",
            publish_date=date(2021, 9, 1), effective_date=date(2021, 9, 1), level="地方规范性文件",
            doc_type="通知", topics=["机关工作", "司法"], region="福建省莆田市",
            body="为规范政府信息依申请公开工作，保障申请人合法权益，现就有关事项通知如下。",
        ),
        Document(
            id="putian-notice", title="莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知",
            issuers=["莆田市人民政府办公室"], doc_number="莆政办网传〔2021〕13号", publish_date=date(2021, 4, 12),
            effective_date=date(2021, 4, 12), level="地方规范性文件", doc_type="通知", topics=["机关工作"],
            region="福建省莆田市",
            body="为进一步加强我市政策文件解读发布工作，现将有关事项通知如下：一、进一步明确解读范围。",
        ),
        Document(
            id="putian-interpretation", kind="interpretation",
            title="《莆田市人民政府办公室关于进一步加强政策文件解读发布工作的通知》政策解读",
            issuers=["莆田市人民政府办公室"], publish_date=date(2021, 4, 13), level="政策解读",
            doc_type="解读", topics=["机关工作"], region="福建省莆田市",
            body="一、出台背景 为进一步加强政策文件解读发布工作，市政府办公室印发了通知。二、主要内容 明确解读范围、解读主体和解读机制。",
        ),
    ]
