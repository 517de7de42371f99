"""What the fault tests share: Elasticsearch nodes of their own, a served API, a load.

The fault tests stop, hang and kill Elasticsearch nodes, so they start their own with
scripts/elasticsearch (never the suite's shared node): one node at
$POLICY_SEARCH_FAULT_ES_PORT (default 9270) and a three-node cluster at
$POLICY_SEARCH_CLUSTER_ES_PORT and the two ports after it (default 9271–9273), transport
ports 100 higher. Starting a node costs some 30 s on two cores, so each is started once a
session. Where Java or Maven is missing they are skipped with the reason (a failure with
POLICY_SEARCH_REQUIRE_ES=1, as in CI). Run the suite without them: `-m "not faults"`.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.paths import ROOT
from support.stores import REQUIRE_ES

sys.path.insert(0, str(ROOT / "bench"))
from queries import free_port, start_server  # noqa: E402  (bench/queries.py)

SCRIPT = ROOT / "scripts" / "elasticsearch"
FAULT_PORT = int(os.environ.get("POLICY_SEARCH_FAULT_ES_PORT", "9270"))
CLUSTER_PORT = int(os.environ.get("POLICY_SEARCH_CLUSTER_ES_PORT", "9271"))


def require_java_and_maven() -> None:
    missing = [tool for tool in ("java", "mvn", "unzip", "curl") if not shutil.which(tool)]
    if missing:
        message = f"the fault tests start Elasticsearch nodes of their own and need {', '.join(missing)}"
        if REQUIRE_ES:
            pytest.fail(message + " (POLICY_SEARCH_REQUIRE_ES=1)")
        pytest.skip(message)


class Nodes:
    """Nodes started with scripts/elasticsearch: one (`nodes=1`) or a cluster."""

    def __init__(self, port: int, nodes: int = 1) -> None:
        self.port = port
        self.count = nodes
        self.ports = list(range(port, port + nodes))

    @property
    def url(self) -> str:
        return ",".join(f"http://127.0.0.1:{port}" for port in self.ports)

    def _script(self, command: str, port: int | None = None, timeout: float = 300) -> str:
        env = {**os.environ, "ES_PORT": str(port or self.port), "ES_NODES": str(self.count)}
        env.pop("ES_HEAP", None)
        result = subprocess.run([str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"scripts/elasticsearch {command} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def running(self) -> bool:
        try:
            self._script("status" if self.count == 1 else "cluster-status", timeout=30)
            return True
        except RuntimeError:
            return False

    def start(self) -> None:
        self._script("start" if self.count == 1 else "cluster-start")

    def stop(self) -> None:
        self._script("stop" if self.count == 1 else "cluster-stop")

    def pid(self, port: int | None = None) -> int:
        return int(self._script("pid", port).strip())

    def signal(self, sig: signal.Signals, port: int | None = None) -> None:
        os.kill(self.pid(port), sig)

    def kill(self, port: int | None = None) -> None:
        """SIGKILL, as a crash or the OOM killer ends a node, and wait until it is gone."""
        pid = self.pid(port)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def node_fixture(port: int, nodes: int):
    """A session fixture starting the nodes on first use and stopping them at the end
    (nodes found running are left running)."""

    @pytest.fixture(scope="session")
    def fixture():
        require_java_and_maven()
        started = Nodes(port, nodes)
        found_running = started.running()
        started.start()
        yield started
        if not found_running:
            started.stop()

    return fixture


@dataclass
class Answer:
    path: str
    status: int  # 0: no answer (connection failed)
    seconds: float
    content_type: str = ""
    body: bytes = b""
    at: float = 0.0  # when it arrived, seconds since the load started


@dataclass
class Load:
    """`clients` threads, each sending `paths()` requests one after another on its own
    keep-alive connection to the server (a bounded load: at most `clients` in flight)."""

    port: int
    paths: Callable[[int], str]
    clients: int = 8
    timeout: float = 30
    pause: float = 0.0  # seconds a client waits between answer and next request
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started = time.monotonic()

    def _client(self, number: int) -> None:
        connection = None
        sent = number
        while not self._stop.is_set():
            path = self.paths(sent)
            sent += self.clients
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            started = time.monotonic()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                answer = Answer(path, response.status, time.monotonic() - started,
                                response.getheader("content-type", ""), response.read())
            except Exception as error:  # no answer: the connection failed (or the request was wrong)
                connection.close()
                connection = None
                answer = Answer(path, 0, time.monotonic() - started, body=repr(error).encode())
            answer.at = time.monotonic() - self.started
            with self._lock:
                self.answers.append(answer)
            if self.pause:
                self._stop.wait(self.pause)

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    def since(self, moment: float) -> list[Answer]:
        """Answers to requests sent after `moment` (time.monotonic())."""
        with self._lock:
            return [a for a in self.answers if self.started + a.at - a.seconds >= moment]


def get(port: int, path: str, timeout: float = 30) -> tuple[int, float, bytes]:
    """(status, seconds, body) of one request on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, time.monotonic() - started, response.read()
    finally:
        connection.close()


def serve(store_url: str, index: str, log: Path, workers: int = 1, **settings: str):
    """`policy-search serve` in its own process (bench/queries.py's start_server), with
    POLICY_SEARCH_* settings from `settings`: (process, port)."""
    env = {f"POLICY_SEARCH_{name.upper()}": value for name, value in settings.items()}
    return start_server(store_url, index, workers, log, env=env)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def error_code(answer: Answer) -> str | None:
    """The JSON error's code of an API answer (None where it is not the promised shape)."""
    try:
        return json.loads(answer.body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


__all__ = ["Answer", "Load", "Nodes", "node_fixture", "serve", "stop_server", "get", "free_port",
           "error_code", "require_java_and_maven", "FAULT_PORT", "CLUSTER_PORT"]


# --- generated documents -----------------------------------------------------------------

_WORDS = ("政务公开", "城乡规划", "生态环境", "安全生产", "营商环境", "社会保障", "乡村振兴", "数据共享",
          "行政许可", "财政资金", "公共服务", "应急管理", "科技创新", "义务教育", "医疗保障", "住房保障")
_ISSUERS = ("国务院办公厅", "莆田市人民政府", "福建省人民政府办公厅", "生态环境部", "财政部")
_LEVELS = ("行政法规", "部门规章", "地方政府规章", "规范性文件")


def generated_records(count: int, prefix: str = "gen") -> list[dict]:
    """`count` records in the API's document fields, the same every time: policies in
    families of three versions (so that statuses depend on supersession), and for every
    tenth family an interpretation naming its policy by document number (so that links
    depend on what the run wrote). Every record has a kind; ids start with `prefix`."""
    records = []
    for n in range(count):
        family, version = divmod(n, 3)
        words = [_WORDS[(n * 7 + k) % len(_WORDS)] for k in range(12)]
        year = 2010 + family % 12
        if family % 10 == 9 and version == 2:  # the family's third record: an interpretation
            records.append({
                "id": f"{prefix}-{n:06d}", "kind": "interpretation", "title": f"关于第{family - 9}号示范办法的政策解读",
                "interprets_ref": f"示范〔{2010 + (family - 9) % 12}〕{family - 9}号",
                "issuers": [_ISSUERS[family % len(_ISSUERS)]], "publish_date": f"{year}-06-02",
                "level": "政策解读", "doc_type": "解读", "body": "。".join(words) + "。"})
            continue
        records.append({
            "id": f"{prefix}-{n:06d}", "kind": "policy", "title": f"第{family}号示范办法（{2000 + version}年修订）",
            "family_id": f"{prefix}-family-{family}", "doc_number": f"示范〔{year}〕{family}号" if version == 0 else None,
            "issuers": [_ISSUERS[family % len(_ISSUERS)]], "publish_date": f"{year + version}-03-01",
            "effective_date": f"{year + version}-05-01", "level": _LEVELS[family % len(_LEVELS)],
            "doc_type": "办法", "region": "国家", "topics": [words[0]],
            "body": "".join(f"第{k + 1}条 为了加强{w}工作，制定本办法。" for k, w in enumerate(words))})
    return records


def write_records(folder: Path, count: int, files: int, prefix: str = "gen") -> list[Path]:
    """`generated_records(count, prefix)` as `files` JSONL files under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    records = generated_records(count, prefix)
    paths = []
    per_file = -(-count // files)
    for number in range(files):
        path = folder / f"records-{number:03d}.jsonl"
        chunk = records[number * per_file:(number + 1) * per_file]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk), encoding="utf-8")
        paths.append(path)
    return paths


def index_command(store_url: str, index: str, *paths: Path, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "policy_search.cli", "index", "--store", store_url, "--quiet",
            "--workers", str(workers), *map(str, paths)]


def cli_env(index: str = "policies") -> dict[str, str]:
    return {**os.environ, "POLICY_SEARCH_INDEX": index, "PYTHONUNBUFFERED": "1"}


def state_of(store) -> dict[str, tuple]:
    """Every document's id with what a run derives: its supersession and its links."""
    docs = store.get_many(store.ids(), with_body=False)
    return {doc_id: (doc.superseded_date, doc.interprets.id if doc.interprets else None,
                     tuple(sorted(link.id for link in doc.interpretations))) for doc_id, doc in docs.items()}


def checksum(ids) -> str:
    import hashlib

    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]
