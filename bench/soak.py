"""Soak: a long, bounded mixed load on the served API, on either store.

    .venv/bin/python bench/soak.py [--store sqlite|elasticsearch] [--es-url URL]
        [--seconds 600] [--clients 16] [--server-workers N]
        [--store-url URL [--index ALIAS]] [PATH ...]

Indexes PATH (default: ../shared/corpus/lawrefbook and fixtures/, or fixtures/ alone where
the corpus is absent) into a fresh store, or uses --store-url as it is, then serves it with
`policy-search serve --workers N` (default: one per core) and runs `--clients` closed-loop
clients on keep-alive connections for `--seconds` (default ten minutes). The mix (fixed
seed): 70 % searches (bench/queries.py's mix: the relevance set's queries, browsing,
facets, filters), 15 % document pages (`/documents/{id}`, the HTML a citizen opens),
15 % suggestions (`/api/v1/suggest` for the first one to four characters of a title).
Any answer other than 200, or no answer within 30 s, is an error. Prints the latency
percentiles overall and per kind, the server's heap memory at the start and the end, and
writes them to bench/results/soak-<store>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from queries import (  # noqa: E402  (bench/, the script's own folder)
    DEFAULT_PATHS,
    RESULTS,
    add_store_arguments,
    open_bench_store,
    pick_weighted,
    request_mix,
    run_clients,
    start_server,
    summarize,
)

from policy_search import search as search_service  # noqa: E402

KINDS = (("search", 0.70), ("page", 0.15), ("suggest", 0.15))


def workload(store, count: int = 2000, seed: int = 11) -> list[tuple[str, str]]:
    """(kind, path) requests: bench/queries.py's searches, document pages of documents the
    searches find, suggestions for prefixes of their titles."""
    rng = random.Random(seed)
    searches = request_mix(store)
    found = search_service.search(store, "", search_service.make_request("", size=100, facets=[]))["results"]
    for params in searches[:40]:
        found += search_service.search(store, params.get("q", ""), search_service.make_request(
            params.get("q", ""), size=20, facets=[]))["results"]
    ids = sorted({item["id"] for item in found})
    titles = sorted({item["title"] for item in found})
    requests = []
    for _ in range(count):
        kind = pick_weighted(rng, [(weight, kind) for kind, weight in KINDS])
        if kind == "search":
            path = "/api/v1/search?" + urlencode(rng.choice(searches))
        elif kind == "page":
            path = "/documents/" + quote(rng.choice(ids), safe="")
        else:
            title = rng.choice(titles).removeprefix("中华人民共和国")
            path = "/api/v1/suggest?" + urlencode({"q": title[: rng.randint(1, 4)]})
        requests.append((kind, path))
    return requests


def server_memory_mb(process: subprocess.Popen) -> float:
    """Anonymous resident memory (the heaps) of the server and its worker processes: the
    file pages of the embedded store's memory-mapped file are left out, since each of the
    connections that map it counts them again."""
    pids = [process.pid]
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def soak_caller(port: int, by_kind: dict[str, list[float]], failures: list[str], lock: threading.Lock):
    """A caller for queries.run_clients that sends (kind, path) and keeps each kind's latencies."""
    def make():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {kind: [] for kind, _ in KINDS}
        with lock:
            for kind, values in mine.items():
                by_kind.setdefault(kind, []).append(values)  # type: ignore[arg-type]

        def call(request: tuple[str, str]) -> None:
            nonlocal connection
            kind, path = request
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    failures.append(f"{kind} {path}: {error!r}")
                raise
            if response.status != 200:
                with lock:
                    failures.append(f"{kind} {path}: {response.status} {body[:200]!r}")
                raise RuntimeError(response.status)
            mine[kind].append((time.perf_counter() - started) * 1000)
        return call
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    add_store_arguments(parser)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    paths = args.paths or [p for p in DEFAULT_PATHS if p.exists()]

    with tempfile.TemporaryDirectory() as tmp:
        store, store_url, index = open_bench_store(args, paths, Path(tmp), "soak")
        documents = store.count()
        requests = workload(store)
        server, port = start_server(store_url, index, args.server_workers, Path(tmp) / "server.log")
        by_kind: dict[str, list[list[float]]] = {}
        failures: list[str] = []
        lock = threading.Lock()
        try:
            run_clients(2, 3.0, requests, soak_caller(port, {}, [], threading.Lock()))  # warm the workers
            memory_start = server_memory_mb(server)
            latencies, errors, elapsed = run_clients(args.clients, args.seconds, requests,
                                                     soak_caller(port, by_kind, failures, lock))
            memory_end = server_memory_mb(server)
        finally:
            server.terminate()
            server.wait(15)
        if not args.store_url and args.store == "elasticsearch":
            store.drop()

    overall = summarize(args.clients, latencies, errors, elapsed)
    kinds = {kind: summarize(args.clients, [v for values in lists for v in values],
                             sum(f.startswith(kind + " ") for f in failures), elapsed)
             for kind, lists in by_kind.items() if any(lists)}
    report = {
        "store": args.store if not args.store_url else store_url.split(":")[0],
        "documents": documents, "seconds": args.seconds, "clients": args.clients,
        "server_workers": args.server_workers, "mix": dict(KINDS), "overall": overall, "kinds": kinds,
        "server_memory_mb": {"start": memory_start, "end": memory_end}, "first_errors": failures[:20],
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    print(f"{report['store']}: {documents} documents, {args.clients} clients for {elapsed:.0f} s, "
          f"server with {args.server_workers} worker processes")
    print(f"{'kind':8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for name, run in [("all", overall), *kinds.items()]:
        print(f"{name:8} {run['requests']:>9} {run['per_second']:>7} {run['p50_ms']:>8} {run['p95_ms']:>8} "
              f"{run['p99_ms']:>8} {run['errors']:>6}")
    print(f"server memory (anonymous): {memory_start} MB at the start, {memory_end} MB at the end")
    for failure in failures[:5]:
        print(f"  error: {failure}")
    output = args.output or RESULTS / f"soak-{report['store']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
