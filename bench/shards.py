"""Shards: do several shards give the answers of one, and what does gathering their
statistics first cost?

    .venv/bin/python bench/shards.py --es-url URL [--size 10000] [--shards 2] [--article-shards 3]

A collection of `--size` documents from the growth generator (bench/growth.py) is indexed
twice into Elasticsearch: with one shard for each index, and with `--shards` for the
documents index and `--article-shards` for the articles index (no replicas). The growth
bench's two-word queries, the same words asked as a question and the first 80 questions of
bench/relevance/questions.jsonl are then searched on both, the sharded index with
`query_then_fetch` (each shard scores with its own term statistics) and with
`dfs_query_then_fetch` (what the store asks for: the statistics of every shard first). For
each: how many totals, first results and first ten results (in order) equal the one-shard
index's, the mean overlap of the first ten, and p50/p95 latency. Also the articles' spread
over the shards (they are routed by document). Results: bench/results/shards.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import growth  # noqa: E402  (bench/, the script's own folder)
from measure import percentile  # noqa: E402

from indexer import Indexer  # noqa: E402
from policy_search.search import make_article_request, make_request  # noqa: E402
from policy_search.stores.elastic import ElasticsearchStore  # noqa: E402
from policy_search.stores.layout import IndexLayout  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def searcher(store: ElasticsearchStore, kind: str, search_type: str | None) -> Callable[[str], tuple[int, list]]:
    """A search of `kind` ("documents" or "articles") on the store, sent with `search_type`
    (None: as the store sends it); returns the total and the first ten results."""
    client = store.client
    plain = client.search

    def search(q: str) -> tuple[int, list]:
        if search_type:
            client.search = lambda **kwargs: plain(**{**kwargs, "search_type": search_type})  # type: ignore[method-assign]
        try:
            if kind == "documents":
                result = store.search(make_request(q, analyzer=store.analyzer))
                return result.total, [hit.document.id for hit in result.hits]
            articles = store.search_articles(make_article_request(q, analyzer=store.analyzer))
            return articles.total, [(hit.document.id, hit.ordinal) for hit in articles.hits]
        finally:
            client.search = plain  # type: ignore[method-assign]

    return search


def compare(one: ElasticsearchStore, sharded: ElasticsearchStore, kind: str, queries: list[str]) -> dict:
    modes = {"one shard": searcher(one, kind, None),
             "query_then_fetch": searcher(sharded, kind, "query_then_fetch"),
             "dfs_query_then_fetch": searcher(sharded, kind, "dfs_query_then_fetch")}
    for q in queries[:5]:  # warm-up
        for search in modes.values():
            search(q)
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    answers: dict[str, list] = {mode: [] for mode in modes}
    for q in queries:  # the modes in turn for each query: they see the same machine
        for mode, search in modes.items():
            started = time.perf_counter()
            answers[mode].append(search(q))
            times[mode].append((time.perf_counter() - started) * 1000)
    row: dict = {"queries": len(queries), "with_results": sum(1 for total, _ in answers["one shard"] if total)}
    for mode in ("query_then_fetch", "dfs_query_then_fetch"):
        pairs = [(got, expected) for got, expected in zip(answers[mode], answers["one shard"], strict=True)
                 if expected[0]]
        row[mode] = {
            "same_total": sum(got[0] == expected[0] for got, expected in pairs),
            "same_first": sum(got[1][:1] == expected[1][:1] for got, expected in pairs),
            "same_first_ten_in_order": sum(got[1] == expected[1] for got, expected in pairs),
            "first_ten_overlap": round(statistics.mean(len(set(got[1]) & set(expected[1])) / len(expected[1])
                                                       for got, expected in pairs), 3),
        }
    for p in (50, 95):
        row[f"p{p}_ms"] = {mode: round(percentile(sorted(values), p), 1) for mode, values in times.items()}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--article-shards", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/policy-search-shards"))
    args = parser.parse_args()

    corpus = growth.load_corpus()
    folder = args.work / f"docs-{args.size}"
    shutil.rmtree(folder, ignore_errors=True)
    growth.write_collection(growth.Generator(corpus), args.size, folder)
    one = ElasticsearchStore(args.es_url, index=f"shards-one-{args.size}", request_timeout=120)
    sharded = ElasticsearchStore(args.es_url, index=f"shards-many-{args.size}", request_timeout=120,
                                 layout=IndexLayout(args.shards, "0"), article_layout=IndexLayout(args.article_shards, "0"))
    indexing = {}
    try:
        for store in (one, sharded):
            store.drop()
            started = time.perf_counter()
            Indexer(store, progress=False, workers=2).index_paths([folder])
            store.refresh()
            indexing[store.alias] = round(time.perf_counter() - started, 1)
        queries = growth.two_word_queries(corpus, 120)
        questions = [json.loads(line)["question"] for line in
                     (ROOT / "bench" / "relevance" / "questions.jsonl").read_text(encoding="utf-8").splitlines()][:80]
        report: dict = {"size": args.size, "shards": args.shards, "article_shards": args.article_shards,
                        "index_seconds": indexing, "results": {}}
        for name, kind, asked in (("documents, two words", "documents", queries),
                                  ("documents, as a question", "documents", [q.replace(" ", "") + "怎么办" for q in queries]),
                                  ("articles, two words", "articles", queries),
                                  ("articles, relevance questions", "articles", questions)):
            report["results"][name] = compare(one, sharded, kind, asked)
            print(name, json.dumps(report["results"][name], ensure_ascii=False), file=sys.stderr, flush=True)
        stats = one.client.indices.stats(index=f"{one.articles_alias},{sharded.articles_alias}", metric="store,docs")
        report["article_indexes"] = {name: {"articles": index["primaries"]["docs"]["count"],
                                            "bytes": index["primaries"]["store"]["size_in_bytes"]}
                                     for name, index in stats["indices"].items()}
        report["article_shards"] = sharded.client.cat.shards(index=sharded.articles_alias, format="json",
                                                             h="shard,docs,store", bytes="b").body
    finally:
        for store in (one, sharded):
            store.drop()
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "shards.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
