"""Growth: larger collections made from the corpus, indexed and queried at each size.

    .venv/bin/python bench/growth.py [--sizes 10000,100000,1000000] [--es-url URL]
        [--sqlite-max 1000000] [--work DIR] [--queries 120]

For each size, a generator writes that many new documents as JSONL (the API's fields) by
recombining the corpus: each takes a real document as its template (level, region, dates
and issuer kind follow the corpus' own distributions), a title rebuilt from real titles,
real articles drawn from anywhere in the corpus, a new id, a publish date moved by up to
ten years, and an issuer made of a region and an agency. About 8 % are newer versions of
an earlier document (so statuses include 已被修改) and 4 % are interpretations naming their
policy by title (so linking runs at scale). Bodies hold a quarter of the template's
article count (median 10 articles, about 1,000 characters): the size of a notice or a
measure, which make up most of a large policy collection, rather than of a law.

Each collection is indexed with the normal pipeline (`Indexer.index_paths`, two worker
processes) into Elasticsearch and, up to --sqlite-max documents, into the embedded store;
then two-word queries with the default facets are timed one at a time, against the
store alone and through `policy_search.search.search_response` (ranking, highlighting, body).
Each size also reports its article units (every article is indexed on its own, issue 13), the
article index's size on Elasticsearch (its own index), and the latency of article searches
and of the same words asked as a question. Results: a table, and bench/results/growth.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import percentile  # noqa: E402  (bench/, the script's own folder)

from indexer import Indexer  # noqa: E402
from indexer.files import PARSERS  # noqa: E402
from policy_search import search as search_service  # noqa: E402
from policy_search.schema import Document  # noqa: E402
from policy_search.stores.elastic import ElasticsearchStore  # noqa: E402
from policy_search.stores.sqlite import SQLiteStore  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
RESULTS = ROOT / "bench" / "results"
SHARD = 100  # documents a file: enough files for the pipeline's worker processes at every size

AGENCIES = [
    "人民政府", "人民政府办公厅", "发展和改革委员会", "教育厅", "科学技术厅", "工业和信息化厅", "公安厅", "民政厅",
    "司法厅", "财政厅", "人力资源和社会保障厅", "自然资源厅", "生态环境厅", "住房和城乡建设厅", "交通运输厅",
    "水利厅", "农业农村厅", "商务厅", "文化和旅游厅", "卫生健康委员会", "应急管理厅", "市场监督管理局",
    "医疗保障局", "统计局", "人民代表大会常务委员会",
]
TOPICS = ["机关工作", "财政、金融、审计", "国土资源、能源", "农业、林业、水利", "工业、交通", "商贸、海关、旅游",
          "市场监管、安全生产监管", "城乡建设、环境保护", "科技、教育", "文化、广电、新闻出版", "卫生、体育",
          "人口与计划生育、妇女儿童工作", "劳动、人事、监察", "公安、安全、司法", "民政、扶贫、救灾", "政务公开"]
FORMS = ["{region}{core}", "{issuer}关于印发《{region}{core}》的通知", "{issuer}关于加强{core}工作的意见",
         "{region}{core}实施办法", "{issuer}关于{core}有关事项的通知"]
CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    if n < 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CHINESE_DIGITS[n // 10] + "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    return CHINESE_DIGITS[n // 100] + "百" + (("零" if n % 100 < 10 else "") + chinese_number(n % 100) if n % 100 else "")


def load_corpus() -> list[Document]:
    documents = []
    for path in sorted(CORPUS.rglob("*.md")):
        try:
            documents.extend(PARSERS[".md"](path))
        except Exception:  # the corpus' odd files are the ingestion tests' business, not this one's
            continue
    return [doc for doc in documents if doc.articles]


def title_core(title: str) -> str:
    """The subject of a real title: without 中华人民共和国 or a region in front."""
    core = title.removeprefix("中华人民共和国")
    for marker in ("省", "市", "自治区"):
        head, _, tail = core.partition(marker)
        if tail and len(head) <= 6:
            core = tail
            break
    return core or title


class Generator:
    def __init__(self, corpus: list[Document], seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.corpus = corpus
        self.articles = [article.text for doc in corpus for article in doc.articles if len(article.text) > 10]
        self.cores = [title_core(doc.title) for doc in corpus]
        self.regions = [doc.region or "国家" for doc in corpus]
        self.recent: list[dict] = []  # documents a new version or an interpretation can refer to

    def document(self, number: int) -> dict:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08 and self.recent:
            return self._new_version(number, rng.choice(self.recent))
        if roll < 0.12 and self.recent:
            return self._interpretation(number, rng.choice(self.recent))
        template = rng.choice(self.corpus)
        region = rng.choice(self.regions)
        region_name = "" if region == "国家" else region
        issuer = template.issuers[0] if region == "国家" and template.issuers else f"{region_name}{rng.choice(AGENCIES)}"
        title = rng.choice(FORMS).format(region=region_name, issuer=issuer, core=rng.choice(self.cores))
        published = self._date(template.publish_date)
        record = {
            "id": f"g{number:07d}", "kind": "policy", "title": title, "issuers": [issuer],
            "doc_number": f"{issuer[:2]}发〔{published.year}〕{rng.randint(1, 200)}号" if rng.random() < 0.6 else None,
            "publish_date": published.isoformat(),
            "effective_date": (published + timedelta(days=rng.choice([0, 0, 30, 60, 90]))).isoformat(),
            "level": template.level, "doc_type": template.doc_type, "region": region,
            "topics": [rng.choice(TOPICS)], "family_id": f"gf{number:07d}",
            **self._text(max(2, round(len(template.articles) / 4))),
        }
        self.recent.append(record)
        if len(self.recent) > 5000:
            self.recent = self.recent[-2500:]
        return record

    def _new_version(self, number: int, earlier: dict) -> dict:
        published = date.fromisoformat(earlier["publish_date"]) + timedelta(days=self.rng.randint(200, 2500))
        version = {**earlier, "id": f"g{number:07d}", "publish_date": published.isoformat(),
                   "effective_date": published.isoformat(), **self._text(len(earlier["articles"]) + 1)}
        return version

    def _interpretation(self, number: int, policy: dict) -> dict:
        published = date.fromisoformat(policy["publish_date"]) + timedelta(days=self.rng.randint(0, 10))
        return {
            "id": f"g{number:07d}", "kind": "interpretation", "title": f"关于《{policy['title']}》的解读",
            "issuers": policy["issuers"], "publish_date": published.isoformat(), "level": policy["level"],
            "doc_type": "解读", "region": policy["region"], "topics": policy["topics"],
            "interprets_ref": policy["title"], **self._text(3),
        }

    def _text(self, count: int) -> dict:
        texts = self.rng.sample(self.articles, count)
        articles = [{"number": f"第{chinese_number(i)}条", "text": text} for i, text in enumerate(texts, 1)]
        return {"articles": articles, "body": "\n".join(f"{a['number']} {a['text']}" for a in articles)}

    def _date(self, around: date | None) -> date:
        base = around or date(2015, 1, 1)
        moved = base + timedelta(days=self.rng.randint(-3650, 3650))
        return min(max(moved, date(1990, 1, 1)), date(2026, 11, 1))


def write_collection(generator: Generator, size: int, folder: Path) -> int:
    """Writes `size` documents in shards of SHARD; returns the bytes of title and body text."""
    folder.mkdir(parents=True, exist_ok=True)
    text_bytes = 0
    for start in range(0, size, SHARD):
        with (folder / f"part-{start // SHARD:06d}.jsonl").open("w", encoding="utf-8") as out:
            for number in range(start, min(size, start + SHARD)):
                record = generator.document(number)
                text_bytes += len(record["title"].encode()) + len(record["body"].encode())
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return text_bytes


def two_word_queries(corpus: list[Document], count: int, seed: int = 5) -> list[str]:
    """Two title words a query, as citizens type them (政府 信息 …)."""
    from analyzers import shipped_analyzer

    query_terms = shipped_analyzer().query_terms
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        words = [w for w in query_terms(title_core(rng.choice(corpus).title)) if len(w) >= 2]
        if len(words) >= 2:
            queries.append(" ".join(rng.sample(words, 2)))
    return queries


def time_queries(store, queries: list[str]) -> dict:
    for q in queries[:10]:  # warm-up
        search_service.search_response(store, q, search_service.make_request(q))
    store_ms, library_ms, article_ms, question_ms, totals = [], [], [], [], []
    for q in queries:
        # the same words as an article search, and as a question (ANY mode, articles ranked)
        started = time.perf_counter()
        search_service.articles_response(store, q, search_service.make_article_request(q))
        article_ms.append((time.perf_counter() - started) * 1000)
        asked = q.replace(" ", "") + "怎么办"
        started = time.perf_counter()
        search_service.search_response(store, asked, search_service.make_request(asked))
        question_ms.append((time.perf_counter() - started) * 1000)
        request = search_service.make_request(q)
        started = time.perf_counter()
        result = store.search(request)
        store_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        search_service.search_response(store, q, request)
        library_ms.append((time.perf_counter() - started) * 1000)
        totals.append(result.total)

    def p(values: list[float], q: int) -> float:
        return round(percentile(sorted(values), q), 1)

    return {"store_p50_ms": p(store_ms, 50), "store_p95_ms": p(store_ms, 95),
            "library_p50_ms": p(library_ms, 50), "library_p95_ms": p(library_ms, 95),
            "articles_p50_ms": p(article_ms, 50), "articles_p95_ms": p(article_ms, 95),
            "question_p50_ms": p(question_ms, 50), "question_p95_ms": p(question_ms, 95),
            "median_matches": statistics.median(totals)}


def article_units(store) -> int:
    """How many articles the store indexes as units of search."""
    if isinstance(store, SQLiteStore):
        with store._cursor() as cursor:
            return cursor.execute("SELECT count(*) FROM articles").fetchone()[0]
    store.refresh()
    return store.client.count(index=store.articles_alias)["count"]


def article_index_size(store) -> int | None:
    """Bytes of the article index where the store keeps it apart (Elasticsearch)."""
    if isinstance(store, SQLiteStore):
        return None
    stats = store.client.indices.stats(index=store.articles_alias, metric="store")
    return stats["_all"]["primaries"]["store"]["size_in_bytes"]


def disk_size(store) -> int:
    if isinstance(store, SQLiteStore):
        return sum(f.stat().st_size for f in store.path.parent.glob(store.path.name + "*"))
    stats = store.client.indices.stats(index=store.alias, metric="store")
    return stats["_all"]["primaries"]["store"]["size_in_bytes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--sqlite-max", type=int, default=1_000_000, help="largest size also put in SQLite")
    parser.add_argument("--work", type=Path, default=Path("/tmp/policy-search-growth"))
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--stores", default="elasticsearch,sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and indexes")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.stores.split(",")

    corpus = load_corpus()
    queries = two_word_queries(corpus, args.queries)
    results = []
    for size in sizes:
        folder = args.work / f"docs-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        text_bytes = write_collection(Generator(corpus), size, folder)
        print(f"{size}: generated {text_bytes / 1e6:.0f} MB of text in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
        for kind in kinds:
            if kind == "sqlite" and size > args.sqlite_max:
                continue
            if kind == "sqlite":
                path = args.work / f"growth-{size}.db"
                for old in args.work.glob(path.name + "*"):
                    old.unlink()
                store = SQLiteStore(path)
            else:
                store = ElasticsearchStore(args.es_url, index=f"growth-{size}", request_timeout=120)
                store.drop()
            started = time.perf_counter()
            summary = Indexer(store, progress=False, workers=2).index_paths([folder])
            seconds = time.perf_counter() - started
            row = {
                "store": kind, "documents": store.count(), "failed": len(summary.failed),
                "index_seconds": round(seconds, 1), "documents_per_second": round(size / seconds),
                "mb_per_second": round(text_bytes / 1e6 / seconds, 2), "text_mb": round(text_bytes / 1e6),
                "disk_mb": round(disk_size(store) / 1e6), "article_units": article_units(store),
                "article_index_mb": round(size_bytes / 1e6) if (size_bytes := article_index_size(store)) else None,
                **time_queries(store, queries),
            }
            results.append({"size": size, **row})
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            if not args.keep:
                store.drop()
            store.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"{'size':>9} {'store':14} {'index s':>8} {'docs/s':>7} {'MB/s':>6} {'disk MB':>8} {'articles':>9} "
          f"{'store p50':>9} {'p95':>6} {'search p50':>10} {'p95':>6} {'art p50':>7} {'p95':>6} {'qst p50':>7} {'p95':>6}")
    for row in results:
        print(f"{row['size']:>9} {row['store']:14} {row['index_seconds']:>8} {row['documents_per_second']:>7} "
              f"{row['mb_per_second']:>6} {row['disk_mb']:>8} {row['article_units']:>9} {row['store_p50_ms']:>9} "
              f"{row['store_p95_ms']:>6} {row['library_p50_ms']:>10} {row['library_p95_ms']:>6} "
              f"{row['articles_p50_ms']:>7} {row['articles_p95_ms']:>6} {row['question_p50_ms']:>7} "
              f"{row['question_p95_ms']:>6}")
    # Rows of earlier runs for other sizes or stores are kept: one size can be measured again alone.
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "growth.json"
    earlier = json.loads(output.read_text(encoding="utf-8"))["results"] if output.exists() else []
    measured = {(row["size"], row["store"]) for row in results}
    kept = [row for row in earlier if (row["size"], row["store"]) not in measured]
    for row in results:
        row["measured_on"] = date.today().isoformat()
    report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "queries": len(queries), "sample_queries": queries[:8],
              "results": sorted(kept + results, key=lambda row: (row["size"], row["store"])),
              "corpus_documents": len(corpus), "level_mix": Counter(d.level for d in corpus).most_common()}
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
