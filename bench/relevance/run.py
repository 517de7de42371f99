"""Relevance of policy-search on a judged query set, beside two baselines.

    .venv/bin/python bench/relevance/run.py --es-url http://127.0.0.1:9200

Indexes ../shared/corpus/lawrefbook and fixtures/ into the embedded store and into
Elasticsearch with the project's pipeline, and into two baseline Elasticsearch indices a
user might otherwise deploy: bigrams as Elasticsearch's `cjk` analyzer makes them, and one
token per character (the `standard` analyzer). Every query of queries.jsonl runs on each;
Success@1, MRR@10 and nDCG@10 are printed per category as a Markdown table and written to
bench/results/relevance.json.

Judgments (queries.jsonl): `relevant` maps a corpus path (or `title:` + a fixture title) to
a grade (3 = the answer, 1 = an older version of it); a topical query gives
`relevant_title_pattern`, a regular expression: documents whose title matches are relevant
(grade 1). `valid_on` sets the day of as-of questions; baselines have no notion of it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

from elasticsearch import Elasticsearch, helpers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzers import normalize_text  # noqa: E402
from indexer import Indexer  # noqa: E402
from policy_search.documents import NoVersionInForce, current_document  # noqa: E402
from policy_search.schema import make_id  # noqa: E402
from policy_search.search import make_request, ranked_search  # noqa: E402
from policy_search.stores.elastic import ElasticsearchStore  # noqa: E402
from policy_search.stores.sqlite import SQLiteStore  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
QUERIES = Path(__file__).with_name("queries.jsonl")
TODAY = date(2026, 1, 1)  # the day relevance is judged for when a query gives none
TOP = 10
BASELINE_TITLE_BOOST = 3


def cjk_bigrams(text: str) -> str:
    """The tokens of Elasticsearch's `cjk` analyzer (width folding, lower case, bigrams of
    adjacent CJK characters, a lone character as itself), made here because the node used
    for tests lacks the analysis-common module that provides it."""
    tokens = []
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+", normalize_text(text)):
        if re.match(r"[\u3400-\u9fff\uf900-\ufaff]", run):
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.append(run)
    return " ".join(tokens)


class Baseline:
    def __init__(self, client: Elasticsearch, name: str, kind: str) -> None:
        self.client, self.index, self.kind = client, name, kind

    def create(self) -> None:
        analyzer = "whitespace" if self.kind == "cjk" else "standard"
        self.client.options(ignore_status=404).indices.delete(index=self.index)
        self.client.indices.create(index=self.index, mappings={"properties": {
            "title": {"type": "text", "analyzer": analyzer}, "body": {"type": "text", "analyzer": analyzer}}},
            settings={"number_of_shards": 1, "number_of_replicas": 0})

    def add(self, docs) -> None:
        prepare = cjk_bigrams if self.kind == "cjk" else (lambda text: text)
        helpers.bulk(self.client, ({"_index": self.index, "_id": d.id, "_source": {
            "title": prepare(d.title), "body": prepare(d.body)}} for d in docs), chunk_size=200)

    def ranked(self, q: str) -> list[str]:
        query = cjk_bigrams(q) if self.kind == "cjk" else q
        response = self.client.search(index=self.index, size=TOP, source=False, query={
            "multi_match": {"query": query, "fields": [f"title^{BASELINE_TITLE_BOOST}", "body"]}})
        return [hit["_id"] for hit in response["hits"]["hits"]]

    def drop(self) -> None:
        self.client.options(ignore_status=404).indices.delete(index=self.index)


def judged_grades(query: dict, titles: dict[str, str]) -> dict[str, int]:
    if pattern := query.get("relevant_title_pattern"):
        return {doc_id: 1 for doc_id, title in titles.items() if re.search(pattern, title)}
    grades = {}
    by_title = {title: doc_id for doc_id, title in titles.items()}
    for key, grade in query["relevant"].items():
        doc_id = by_title.get(key[6:]) if key.startswith("title:") else make_id("lawrefbook", key)
        if doc_id not in titles:
            raise SystemExit(f"judgment names a document that is not indexed: {key}")
        grades[doc_id] = grade
    return grades


def scores(ranked: list[str], grades: dict[str, int]) -> dict[str, float]:
    best = max(grades.values())
    first = next((rank for rank, doc_id in enumerate(ranked[:TOP], 1) if grades.get(doc_id, 0) >= best), None)
    dcg = sum((2 ** grades.get(doc_id, 0) - 1) / math.log2(rank + 1) for rank, doc_id in enumerate(ranked[:TOP], 1))
    ideal = sorted(grades.values(), reverse=True)[:TOP]
    idcg = sum((2 ** g - 1) / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return {"success_at_1": float(first == 1), "mrr_at_10": 1 / first if first else 0.0, "ndcg_at_10": dcg / idcg}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    args = parser.parse_args()
    queries = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]

    tmp = tempfile.mkdtemp()
    sqlite = SQLiteStore(Path(tmp) / "relevance.db")
    elastic = ElasticsearchStore(args.es_url, index=f"relevance-{os.getpid()}")
    for store in (sqlite, elastic):
        store.drop()
        Indexer(store, progress=False).index_paths([CORPUS, ROOT / "fixtures"])
    with sqlite._cursor() as cursor:  # every id and title, for judgments and baselines
        titles = dict(cursor.execute("SELECT id, title FROM documents").fetchall())
    ids = list(titles)
    client = Elasticsearch(args.es_url, request_timeout=120)
    baselines = {"es-cjk-bigrams": Baseline(client, f"relevance-cjk-{os.getpid()}", "cjk"),
                 "es-per-character": Baseline(client, f"relevance-char-{os.getpid()}", "char")}
    for baseline in baselines.values():
        baseline.create()
    for start in range(0, len(ids), 500):
        docs = list(sqlite.get_many(ids[start : start + 500]).values())
        for baseline in baselines.values():
            baseline.add(docs)
    for baseline in baselines.values():
        client.indices.refresh(index=baseline.index)

    systems = {
        "policy-search, SQLite": lambda q, day: [h.document.id for h in ranked_search(sqlite, make_request(q, valid_on=day, size=TOP, facets=[])).hits],
        "policy-search, Elasticsearch": lambda q, day: [h.document.id for h in ranked_search(elastic, make_request(q, valid_on=day, size=TOP, facets=[])).hits],
        **{name: (lambda q, day, b=b: b.ranked(q)) for name, b in baselines.items()},
    }
    results: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    current_right = defaultdict(list)
    for query in queries:
        day = date.fromisoformat(query["valid_on"]) if "valid_on" in query else TODAY
        grades = judged_grades(query, titles)
        for name, ranked in systems.items():
            results[name][query["category"]].append(scores(ranked(query["q"], day), grades))
        if query["category"] == "current_and_as_of":
            answer = next(doc_id for doc_id, g in grades.items() if g == 3)
            for name, store in (("policy-search, SQLite", sqlite), ("policy-search, Elasticsearch", elastic)):
                try:
                    current_right[name].append(current_document(store, query["q"], day).id == answer)
                except NoVersionInForce:
                    current_right[name].append(False)

    categories = list(dict.fromkeys(q["category"] for q in queries))
    table = {}
    for name, by_category in results.items():
        table[name] = {}
        for category in [*categories, "overall"]:
            rows = [r for c in categories for r in by_category[c]] if category == "overall" else by_category[category]
            table[name][category] = {m: round(sum(r[m] for r in rows) / len(rows), 3) for m in rows[0]} | {"queries": len(rows)}
    for name, right in current_right.items():
        table[name]["current_endpoint_right"] = f"{sum(right)}/{len(right)}"

    print("| system | category | queries | Success@1 | MRR@10 | nDCG@10 |")
    print("|---|---|---:|---:|---:|---:|")
    for name, rows in table.items():
        for category in [*categories, "overall"]:
            r = rows[category]
            print(f"| {name} | {category} | {r['queries']} | {r['success_at_1']:.3f} | {r['mrr_at_10']:.3f} | {r['ndcg_at_10']:.3f} |")
    for name, right in current_right.items():
        print(f"{name}: GET /api/v1/current right for {sum(right)} of {len(right)} as-of questions")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "relevance.json").write_text(json.dumps(table, ensure_ascii=False, indent=2), encoding="utf-8")

    for store in (sqlite, elastic):
        store.drop()
        store.close()
    for baseline in baselines.values():
        baseline.drop()


if __name__ == "__main__":
    main()
