"""Latency of questions: the article search and question searches, in-process and through the API.

    .venv/bin/python bench/questions.py [--store sqlite|elasticsearch] [--es-url URL]
        [--store-url URL [--index ALIAS]] [--repeat 3] [--server-workers 2] [PATH ...]

Indexes PATH (default: ../shared/corpus/lawrefbook and fixtures/) into a fresh store, or uses
--store-url as it is. The workload: the questions of bench/relevance/questions.jsonl that are
20 to 60 characters long, one client, closed loop, each question --repeat times (the first
pass warms the caches and is not counted). Three modes:

- "articles": `GET /api/v1/articles` as the library answers it (`search.articles_response`);
- "question": `GET /api/v1/search` for the question (`search.search_response`: documents
  ranked with their articles, facets, each result's matching articles);
- "api-articles" and "api-question": the same through `policy-search serve` over HTTP.

Issue 13's bars: in-process p50 <= 25 ms and p95 <= 80 ms on the embedded store; through the
API on Elasticsearch p95 <= 150 ms. Figures go to bench/results/questions-<store>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import percentile  # noqa: E402
from queries import DEFAULT_PATHS, RESULTS, add_store_arguments, open_bench_store, start_server  # noqa: E402

from policy_search import search as search_service  # noqa: E402

QUESTIONS = ROOT / "bench" / "relevance" / "questions.jsonl"


def workload() -> list[str]:
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    return [q for q in questions if 20 <= len(q) <= 60]


def timed(call, questions: list[str], repeat: int) -> list[float]:
    for q in questions:  # warm
        call(q)
    latencies = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            call(q)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def library_calls(store) -> dict:
    def articles(q: str) -> None:
        search_service.articles_response(store, q, search_service.make_article_request(q, analyzer=store.analyzer))

    def question(q: str) -> None:
        search_service.search_response(store, q, search_service.make_request(q, analyzer=store.analyzer))

    return {"articles": articles, "question": question}


def api_calls(port: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path: str) -> None:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body[:200]!r}")

    return {"api-articles": lambda q: get("/api/v1/articles?" + urlencode({"q": q})),
            "api-question": lambda q: get("/api/v1/search?" + urlencode({"q": q}))}


def summary(mode: str, latencies: list[float]) -> dict:
    latencies = sorted(latencies)
    return {"mode": mode, "requests": len(latencies), "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1), "p99_ms": round(percentile(latencies, 99), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    add_store_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    questions = workload()

    with tempfile.TemporaryDirectory() as tmp:
        store, store_url, index = open_bench_store(args, args.paths, Path(tmp), "questions")
        documents = store.count()
        runs = [summary(mode, timed(call, questions, args.repeat)) for mode, call in library_calls(store).items()]
        server, port = start_server(store_url, index, args.server_workers, Path(tmp) / "server.log")
        try:
            runs += [summary(mode, timed(call, questions, args.repeat)) for mode, call in api_calls(port).items()]
        finally:
            server.terminate()
            server.wait(10)
        if not args.store_url and args.store == "elasticsearch":
            store.drop()

    report = {
        "store": args.store if not args.store_url else store_url.split(":")[0], "documents": documents,
        "questions": len(questions), "repeat": args.repeat, "server_workers": args.server_workers,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
    }
    print(f"{report['store']}: {documents} documents, {len(questions)} questions of 20-60 characters "
          f"x {args.repeat}, one client")
    print(f"{'mode':14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for run in runs:
        print(f"{run['mode']:14} {run['requests']:>8} {run['p50_ms']:>8} {run['p95_ms']:>8} {run['p99_ms']:>8}")
    output = args.output or RESULTS / f"questions-{report['store']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
