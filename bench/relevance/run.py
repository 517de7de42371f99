"""Relevance of policy-search on the judged citizens' questions and the judged query set,
beside the baselines a user might otherwise deploy, in one run.

    .venv/bin/python bench/relevance/run.py --es-url http://127.0.0.1:9200 [--store sqlite|elasticsearch|both]
        [--corpus PATH] [--limit N] [--reuse DIR] [--questions PATH]

Indexes the corpus (default ../shared/corpus/lawrefbook from the repository root) and
fixtures/ with the project's pipeline into the embedded store and/or Elasticsearch, once
each, into a temporary place (or into DIR with --reuse, kept and used again by the next run
with --reuse DIR while the corpus and the last commit of the project's code are the same).

1. The questions (questions.jsonl, issue 13), each asked as a citizen types it:
   - policy-search: documents by `ranked_search(store, make_request(q, current=True))`,
     articles by `policy_search.articles.search_articles` with the request of
     `GET /api/v1/articles` (`make_article_request`; reported as not available where that
     module is missing);
   - bm25-articles-jieba: plain BM25 over every article of the versions in force (baselines.py);
   - es-cjk-match: Elasticsearch with the `cjk` analyzer's tokens and a `match` (OR) query,
     over the same articles, and over the same documents whole for document hit@10.
   Reported: zero-result rate (documents, articles), article hit@1/@3/@10 (an answering
   article, same document and article number, among the first k articles), MRR@10 of the
   first answering article, document hit@10 (an answering document among the first 10).
   The Civil Code's parts (民法典/*.md) count as one document: a judged path in 民法典/
   matches the Code whichever part file a result names.
   Results: a table, and bench/results/relevance-questions.json.

2. The known-item set (queries.jsonl), as before: both stores and two baseline
   Elasticsearch indices (`cjk` bigrams and one token per character, `multi_match` over
   title^3 and body, every version), Success@1, MRR@10 and nDCG@10 per category, as a
   Markdown table and bench/results/relevance.json.

Judgments (queries.jsonl): `relevant` maps a corpus path (or `title:` + a fixture title) to
a grade (3 = the answer, 1 = an older version of it); a topical query gives
`relevant_title_pattern`, a regular expression: documents whose title matches are relevant
(grade 1). `valid_on` sets the day of as-of questions; baselines have no notion of it.

--limit N asks N questions and N known-item queries spread over the sets (a quick check)
and writes no results file; neither does --questions PATH, which asks another set of judged
questions (in the format of questions.jsonl, such as a held-out set) instead.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import os
import pickle
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from baselines import ArticleUnit, BM25Articles, CjkIndex, article_units, cjk_bigrams, in_force_documents  # noqa: E402

from indexer import Indexer  # noqa: E402
from policy_search.documents import NoVersionInForce, current_document  # noqa: E402
from policy_search.schema import Document, make_id  # noqa: E402
from policy_search.search import make_article_request, make_request, ranked_search  # noqa: E402
from policy_search.stores.base import Store  # noqa: E402
from policy_search.stores.elastic import ElasticsearchStore  # noqa: E402
from policy_search.stores.sqlite import SQLiteStore  # noqa: E402


def find_article_search() -> Callable[..., Any] | None:
    """The project's article search (issue 13), measured where it exists: None where the
    module is missing (older commits), so that the rest is measured all the same."""
    try:
        module = importlib.import_module("policy_search.articles")
    except ModuleNotFoundError as missing:
        if missing.name != "policy_search.articles":
            raise
        return None
    return module.search_articles


search_articles = find_article_search()

CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
QUESTIONS = HERE / "questions.jsonl"
RESULTS = ROOT / "bench" / "results"
TODAY = date(2026, 1, 1)  # the day relevance is judged for when a known-item query gives none
TOP = 10
BM25_DEPTH = 200  # articles read to find the baseline's first ten distinct documents
BASELINE_TITLE_BOOST = 3
# Codes whose parts are files of one folder: every part is the one document of the folder.
MULTI_PART_FOLDERS = ("民法典",)
NOT_AVAILABLE = "not available"


# --- the known-item set (queries.jsonl), as measured before the questions ---------------


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


def known_item_baselines(client: Elasticsearch, source: Store, place: Place, key: dict) -> dict[str, Baseline]:
    baselines = {"es-cjk-bigrams": Baseline(client, f"relevance-cjk-{place.tag}", "cjk"),
                 "es-per-character": Baseline(client, f"relevance-char-{place.tag}", "char")}
    if place.built("known-item-baselines", key) and all(client.indices.exists(index=b.index) for b in baselines.values()):
        return baselines
    for baseline in baselines.values():
        baseline.create()
    ids = source.ids()
    for start in range(0, len(ids), 500):
        docs = list(source.get_many(ids[start : start + 500]).values())
        for baseline in baselines.values():
            baseline.add(docs)
    for baseline in baselines.values():
        client.indices.refresh(index=baseline.index)
    place.mark("known-item-baselines", key)
    return baselines


def cjk_every_version_answerer(baseline: Baseline, paths: dict[str, str]) -> Callable[[str], Answer]:
    """Documents only, from the known-item `cjk` index: every version, multi_match title^3 and body."""
    def answer(question: str) -> Answer:
        ranked = baseline.ranked(question)
        return Answer(documents=[document_key(paths.get(doc_id, doc_id)) for doc_id in ranked])
    return answer


def store_ranking(store: Store) -> Callable[[str, date], list[str]]:
    def ranked(q: str, day: date) -> list[str]:
        request = make_request(q, valid_on=day, size=TOP, facets=[], analyzer=store.analyzer)
        return [hit.document.id for hit in ranked_search(store, request).hits]
    return ranked


def baseline_ranking(baseline: Baseline) -> Callable[[str, date], list[str]]:
    return lambda q, day: baseline.ranked(q)


def known_items(queries: list[dict], stores: dict[str, Store], baselines: dict[str, Baseline]) -> dict[str, Any]:
    """Success@1, MRR@10, nDCG@10 per category and system; the table printed."""
    any_store = next(iter(stores.values()))
    titles = {doc.id: doc.title for doc in any_store.get_many(any_store.ids(), with_body=False, with_articles=False).values()}
    systems: dict[str, Callable[[str, date], list[str]]] = {
        **{name: store_ranking(store) for name, store in stores.items()},
        **{name: baseline_ranking(baseline) for name, baseline in baselines.items()},
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
            for name, store in stores.items():
                try:
                    current_right[name].append(current_document(store, query["q"], day).id == answer)
                except NoVersionInForce:
                    current_right[name].append(False)

    categories = list(dict.fromkeys(q["category"] for q in queries))
    table: dict[str, Any] = {}
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
    return table


# --- the questions (questions.jsonl) ------------------------------------------------------


def document_key(path: str) -> str:
    """The judged document a corpus path stands for: the folder for a multi-part code,
    whether the path names one of its part files (民法典/总则.md, as judged) or the
    folder itself (民法典, the source path of the one Code document)."""
    top = path.split("/", 1)[0]
    return f"{top}/" if top in MULTI_PART_FOLDERS else path


@dataclass
class Answer:
    """One system's answer to one question; None where the system does not give it."""

    article_total: int | None = None
    articles: list[tuple[str, str]] | None = None  # (document key, article number), best first
    document_total: int | None = None
    documents: list[str] | None = None  # document keys, best first


def question_scores(answer: Answer, question: dict) -> dict[str, float | None]:
    judged_articles = {(document_key(a["path"]), a["article"]) for a in question["answers"]}
    judged_documents = {document_key(path) for path in question["document_paths"]}
    row: dict[str, float | None] = dict.fromkeys(
        ("zero_documents", "zero_articles", "article_hit_at_1", "article_hit_at_3", "article_hit_at_10",
         "mrr_at_10", "document_hit_at_10"))
    if answer.document_total is not None:
        row["zero_documents"] = float(answer.document_total == 0)
    if answer.documents is not None:
        row["document_hit_at_10"] = float(any(key in judged_documents for key in answer.documents[:TOP]))
    if answer.article_total is not None:
        row["zero_articles"] = float(answer.article_total == 0)
    if answer.articles is not None:
        first = next((rank for rank, key in enumerate(answer.articles[:TOP], 1) if key in judged_articles), None)
        for k in (1, 3, 10):
            row[f"article_hit_at_{k}"] = float(first is not None and first <= k)
        row["mrr_at_10"] = 1 / first if first else 0.0
    return row


def mean_scores(rows: list[dict[str, float | None]]) -> dict[str, float | str]:
    summary: dict[str, float | str] = {}
    for metric in rows[0]:
        values = [value for row in rows if (value := row[metric]) is not None]
        summary[metric] = round(sum(values) / len(values), 3) if values else NOT_AVAILABLE
    return summary


def project_answerer(store: Store) -> Callable[[str], Answer]:
    def answer(question: str) -> Answer:
        request = make_request(question, current=True, size=TOP, facets=[], analyzer=store.analyzer)
        documents = ranked_search(store, request)
        result = Answer(document_total=documents.total,
                        documents=[document_key(hit.document.source_path or hit.document.id) for hit in documents.hits])
        if search_articles is not None:  # as GET /api/v1/articles asks (a question read as one)
            articles = search_articles(store, make_article_request(question, size=TOP, analyzer=store.analyzer))
            result.article_total = articles.total
            result.articles = [(document_key(hit.document.source_path or hit.document.id), hit.number) for hit in articles.hits]
        return result
    return answer


def bm25_answerer(bm25: BM25Articles) -> Callable[[str], Answer]:
    def answer(question: str) -> Answer:
        found = bm25.search(question, BM25_DEPTH)
        documents = list(dict.fromkeys(document_key(unit.path) for unit in found))
        return Answer(article_total=len(found), articles=[(document_key(u.path), u.number) for u in found[:TOP]],
                      document_total=len(found), documents=documents[:TOP])
    return answer


def cjk_answerer(articles: CjkIndex, documents: CjkIndex) -> Callable[[str], Answer]:
    def answer(question: str) -> Answer:
        article_total, article_ids = articles.search(question, TOP)
        document_total, document_ids = documents.search(question, TOP)
        keys = [tuple(unit_id.rsplit("#", 1)) for unit_id in article_ids]
        return Answer(article_total=article_total, articles=[(document_key(path), number) for path, number in keys],
                      document_total=document_total, documents=[document_key(path) for path in document_ids])
    return answer


SYSTEM_NOTES = {
    "bm25-articles-jieba": "plain BM25 (k1=1.2, b=0.75) over the articles in force, jieba lcut_for_search "
                           "(default dictionary), generic stop words removed, OR of the words; documents: the "
                           f"first ten distinct documents of its first {BM25_DEPTH} articles",
    "es-cjk-match": "Elasticsearch, cjk analyzer tokens (bigrams), match query (OR) over the article text of the "
                    "articles in force; documents: the same over an index of whole documents (title and body)",
    "es-cjk-multi-match-every-version": "documents only: the known-item cjk index (every version of every document, "
                                        f"multi_match title^{BASELINE_TITLE_BOOST} and body, OR)",
}


def questions_table(questions: list[dict], systems: dict[str, Callable[[str], Answer]]) -> dict[str, Any]:
    per_question: dict[str, dict[str, dict]] = defaultdict(dict)
    summary: dict[str, Any] = {}
    for name, answerer in systems.items():
        started = time.perf_counter()
        rows, failures = [], {}
        for question in questions:
            try:
                answer = answerer(question["question"])
            except Exception as error:  # noqa: BLE001 - a failed search is a miss, reported, and the run goes on
                failures[question["id"]] = f"{type(error).__name__}: {error}"
                answer = Answer(article_total=0, articles=[], document_total=0, documents=[])
            row = question_scores(answer, question)
            rows.append(row)
            per_question[question["id"]][name] = row
        topics = defaultdict(list)
        for question, row in zip(questions, rows):
            topics[question["topic"]].append(row)
        summary[name] = {"overall": mean_scores(rows) | {"questions": len(rows)},
                         "by_topic": {topic: mean_scores(topic_rows) | {"questions": len(topic_rows)}
                                      for topic, topic_rows in topics.items()},
                         "seconds": round(time.perf_counter() - started, 1), "failures": failures}
        if failures:
            print(f"{name}: {len(failures)} questions failed (counted as misses), e.g. "
                  f"{next(iter(failures))}: {next(iter(failures.values()))}", file=sys.stderr)
    print(f"\n## Citizens' questions ({len(questions)})\n")
    print("| system | zero results (documents) | zero results (articles) | article hit@1 | hit@3 | hit@10 | MRR@10 | document hit@10 | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, result in summary.items():
        r = result["overall"]
        cells = [r[m] if isinstance(r[m], str) else f"{r[m]:.3f}" for m in (
            "zero_documents", "zero_articles", "article_hit_at_1", "article_hit_at_3", "article_hit_at_10",
            "mrr_at_10", "document_hit_at_10")]
        print(f"| {name} | " + " | ".join(cells) + f" | {len(result['failures'])} |")
    if search_articles is None:
        print("\npolicy-search article figures: not available (policy_search.articles.search_articles is missing)")
    return {"systems": summary, "per_question": per_question}


# --- stores and indices, made once per run (or kept with --reuse) ------------------------


def git_commit(*paths: str) -> str:
    """The last commit (of those touching `paths`, if any are given)."""
    command = ["git", "-C", str(ROOT), "log", "-1", "--format=%H", "--", *paths]
    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


# What an index is made from: a change elsewhere (bench/, docs/) keeps a reused index.
INDEXED_FROM = ("policy_search", "indexer", "analyzers", "fixtures")


class Place:
    """Where this run keeps its indices: a temporary folder dropped at the end, or the
    --reuse folder, whose marker files say what was built there and from what."""

    def __init__(self, reuse: Path | None) -> None:
        self.reuse = reuse
        self.folder = reuse or Path(tempfile.mkdtemp(prefix="relevance-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tag = "reuse" if reuse else str(os.getpid())

    def built(self, name: str, key: dict) -> bool:
        marker = self.folder / f"{name}.built.json"
        return self.reuse is not None and marker.exists() and json.loads(marker.read_text()) == key

    def mark(self, name: str, key: dict) -> None:
        (self.folder / f"{name}.built.json").write_text(json.dumps(key))

    def finish(self) -> None:
        if self.reuse is None:
            shutil.rmtree(self.folder, ignore_errors=True)


def indexed_paths(corpus: Path) -> list[Path]:
    # fixtures first: their trimmed Civil Code has the id of the corpus's whole Code, and of
    # two records with one id the last indexed is kept
    return [ROOT / "fixtures", corpus]


def index_key(corpus: Path) -> dict:
    """What a store's index (and the baselines read from it) is made from."""
    return {"commit": git_commit(*INDEXED_FROM), "paths": [str(path.resolve()) for path in indexed_paths(corpus)]}


def open_store(kind: str, place: Place, corpus: Path, es_url: str) -> Store:
    database = place.folder / "relevance.db"
    paths = indexed_paths(corpus)
    key = index_key(corpus)
    reused = place.built(f"store-{kind}", key)
    if kind == "sqlite" and not reused:  # a file of an older schema version cannot even be dropped
        for file in place.folder.glob("relevance.db*"):
            file.unlink()
    store: Store = (SQLiteStore(database) if kind == "sqlite"
                    else ElasticsearchStore(es_url, index=f"relevance-{place.tag}", request_timeout=120))
    if reused:
        print(f"{kind}: reusing the index in {place.folder}", file=sys.stderr)
        return store
    started = time.perf_counter()
    store.drop()
    summary = Indexer(store, progress=False).index_paths(paths)
    print(f"{kind}: indexed in {time.perf_counter() - started:.0f} s ({len(summary.failed)} failures)", file=sys.stderr)
    place.mark(f"store-{kind}", key)
    return store


def bm25_baseline(units, place: Place, key: dict) -> BM25Articles:
    """The BM25 baseline; jieba's cut of every article (minutes) is kept with --reuse."""
    cache = place.folder / "bm25-words.pickle"
    if place.built("bm25", key) and cache.exists():
        return BM25Articles(units, pickle.loads(cache.read_bytes()))
    started = time.perf_counter()
    bm25 = BM25Articles(units)
    print(f"bm25: {len(units)} articles cut and indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if place.reuse:
        cache.write_bytes(pickle.dumps(bm25.article_words))
        place.mark("bm25", key)
    return bm25


def cjk_baseline(client: Elasticsearch, place: Place, key: dict, units: list[ArticleUnit],
                 documents: list[Document]) -> list[CjkIndex]:
    """The `cjk` indices of the articles and of the documents in force."""
    articles = CjkIndex(client, f"relevance-cjk-articles-{place.tag}")
    whole = CjkIndex(client, f"relevance-cjk-documents-{place.tag}")
    if not (place.built("cjk", key) and articles.exists() and whole.exists()):
        started = time.perf_counter()
        articles.build((f"{u.path}#{u.number}", u.text) for u in units)
        whole.build((doc.source_path or doc.id, f"{doc.title}\n{doc.body}") for doc in documents)
        print(f"cjk: articles and documents indexed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        place.mark("cjk", key)
    return [articles, whole]


def elasticsearch_client(url: str) -> Elasticsearch | None:
    client = Elasticsearch(url, request_timeout=300)
    try:  # (the integ-test distribution has no GET /, which ping() asks)
        client.cluster.health()
    except Exception:  # noqa: BLE001 - any failure: no usable node there
        return None
    return client


def units_fingerprint(units: list[ArticleUnit]) -> str:
    """Which articles, in which order: a kept cut of the articles is used only for the same."""
    digest = hashlib.sha1()
    for unit in units:
        digest.update(f"{unit.path}#{unit.number}#{len(unit.text)}\n".encode())
    return f"{len(units)}:{digest.hexdigest()}"


def spread(rows: list[dict], limit: int | None) -> list[dict]:
    """`limit` rows spread evenly over the set (all topics and categories), or all."""
    if not limit or limit >= len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--store", choices=["sqlite", "elasticsearch", "both"], default="both")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, help="ask only N questions and N known-item queries; writes no results")
    parser.add_argument("--reuse", type=Path, help="keep the indices in this folder and use them again")
    parser.add_argument("--questions", type=Path, default=QUESTIONS,
                        help="another set of judged questions (a held-out set); writes no results")
    args = parser.parse_args()
    load = lambda path: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]  # noqa: E731
    questions, queries = spread(load(args.questions), args.limit), spread(load(QUERIES), args.limit)
    place = Place(args.reuse)
    client = elasticsearch_client(args.es_url)
    kinds = ["sqlite", "elasticsearch"] if args.store == "both" else [args.store]
    if "elasticsearch" in kinds and client is None:
        raise SystemExit(f"no Elasticsearch at {args.es_url} (start one: ES_PORT=… scripts/elasticsearch start)")
    names = {"sqlite": "policy-search, SQLite", "elasticsearch": "policy-search, Elasticsearch"}
    stores = {names[kind]: open_store(kind, place, args.corpus, args.es_url) for kind in kinds}

    day = date.today()  # the day `current=True` searches are answered for
    documents = in_force_documents(args.corpus, day)
    units = article_units(documents)
    judged = {(document_key(a["path"]), a["article"]) for q in questions for a in q["answers"]}
    reachable = judged & {(document_key(u.path), u.number) for u in units}
    key = {"corpus": str(args.corpus.resolve()), "day": day.isoformat(), "articles": units_fingerprint(units)}
    systems: dict[str, Callable[[str], Answer]] = {name: project_answerer(store) for name, store in stores.items()}
    systems["bm25-articles-jieba"] = bm25_answerer(bm25_baseline(units, place, key))
    cjk_indices: list[CjkIndex] = []
    baselines: dict[str, Baseline] = {}
    if client is not None:
        cjk_indices = cjk_baseline(client, place, key, units, documents)
        systems["es-cjk-match"] = cjk_answerer(*cjk_indices)
        source = next(iter(stores.values()))
        baselines = known_item_baselines(client, source, place, index_key(args.corpus))
        paths = {doc.id: doc.source_path or doc.id for doc in source.get_many(
            source.ids(), with_body=False, with_articles=False).values()}
        systems["es-cjk-multi-match-every-version"] = cjk_every_version_answerer(baselines["es-cjk-bigrams"], paths)
    else:
        print(f"es-cjk-match: not available (no Elasticsearch at {args.es_url})")

    question_results = questions_table(questions, systems)
    print(f"\nJudged answer articles among the articles in force: {len(reachable)} of {len(judged)}")
    print(f"\n## Known-item queries ({len(queries)})\n")
    table = known_items(queries, stores, baselines)

    if args.limit is None and args.questions == QUESTIONS:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "relevance.json").write_text(json.dumps(table, ensure_ascii=False, indent=2), encoding="utf-8")
        report = {
            "command": "bench/relevance/run.py " + " ".join(sys.argv[1:]), "commit": git_commit(), "day": day.isoformat(),
            "questions": len(questions), "corpus": str(args.corpus), "articles_in_force": len(units),
            "documents_in_force": len(documents), "judged_articles_in_force": f"{len(reachable)}/{len(judged)}",
            "article_search": "policy_search.articles.search_articles" if search_articles else NOT_AVAILABLE,
            "notes": SYSTEM_NOTES,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            **question_results,
        }
        (RESULTS / "relevance-questions.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    if args.reuse is None:
        for store in stores.values():
            store.drop()
        for index in cjk_indices:
            index.drop()
        for baseline in baselines.values():
            baseline.drop()
    for store in stores.values():
        store.close()
    place.finish()


if __name__ == "__main__":
    main()
