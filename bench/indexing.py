"""Indexing speed: `policy-search index` of the corpus against raw segmentation of its text.

    .venv/bin/python bench/indexing.py [--store sqlite,elasticsearch] [--es-url URL] [--workers 1,2]
                                       [--rounds 3] [PATH]

Raw segmentation is rjieba's cut_for_search of every document's title and body on one
core: the floor for any jieba-compatible pipeline. Both are measured in the same run on
the same documents, one right after the other, in several rounds: this shared machine's
speed drifts by tens of percent within minutes, and a pair measured together drifts
together. The median round (by ratio) is reported with the spread; a table is printed and
the figures are written to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import rjieba

from analyzers import shipped_analyzer
from indexer import Indexer
from indexer.files import PARSERS, Failure, find_files
from indexer.workers import default_workers
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"


def load_texts(path: Path) -> list[str]:
    texts = []
    for found in find_files([path]):
        if isinstance(found, Failure):
            raise SystemExit(f"{found.path}: {found.reason}")
        file, _ = found
        parser = PARSERS.get(file.suffix.lower())
        if parser:
            texts.extend(f"{doc.title}\n{doc.body}" for doc in parser(file))
    return texts


def raw_segmentation_seconds(texts: list[str]) -> float:
    segmenter = rjieba.Jieba()
    started = time.perf_counter()
    for text in texts:
        segmenter.cut_for_search(text)
    return time.perf_counter() - started


def index_seconds(path: Path, store_kind: str, es_url: str, workers: int) -> tuple[float, int, int]:
    """`policy-search index` of `path` into a fresh store: (seconds, documents, failures).

    Like the raw segmentation, which is timed with its dictionary loaded, the run is timed
    with the indexer's dictionary loaded (0.3 s once per run, shared with forked workers)."""
    shipped_analyzer()
    with tempfile.TemporaryDirectory() as tmp:
        if store_kind == "sqlite":
            store = SQLiteStore(Path(tmp) / "bench.db")
        else:
            store = ElasticsearchStore(es_url, index=f"bench-{os.getpid()}")
            store.drop()
        started = time.perf_counter()
        summary = Indexer(store, progress=False, workers=workers).index_paths([path])
        seconds = time.perf_counter() - started
        store.drop()
        store.close()
    return seconds, summary.documents, len(summary.failed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--store", default="sqlite", help="sqlite, elasticsearch, or both: sqlite,elasticsearch")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--workers", default=None, help="indexer processes, a comma list (default: 1 and the cores)")
    parser.add_argument("--rounds", type=int, default=3, help="paired measurements per configuration")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")] if args.workers else sorted({1, default_workers()})

    texts = load_texts(args.path)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = []
    for store_kind in args.store.split(","):
        for count in workers:
            rounds = []
            for _ in range(args.rounds):
                # the floor is measured next to each run: this shared machine's speed drifts
                raw = raw_segmentation_seconds(texts)
                seconds, documents, failed = index_seconds(args.path, store_kind, args.es_url, count)
                rounds.append((seconds / raw, raw, seconds, documents, failed))
            rounds.sort()
            ratio, raw, seconds, documents, failed = rounds[len(rounds) // 2]
            rows.append({
                "store": store_kind, "workers": count, "documents": documents, "failed": failed,
                "megabytes": round(megabytes, 1), "raw_segmentation_s": round(raw, 2),
                "raw_mb_per_s": round(megabytes / raw, 1), "index_s": round(seconds, 2),
                "index_mb_per_s": round(megabytes / seconds, 2), "documents_per_s": round(documents / seconds),
                "ratio_to_raw_segmentation": round(ratio, 2),
                "ratios_of_all_rounds": [round(r[0], 2) for r in rounds], "machine": machine,
            })
    print(f"{len(texts)} documents, {megabytes:.1f} MB of title and body text; raw = rjieba cut_for_search on 1 core")
    print(f"median of {args.rounds} rounds (raw segmentation, then indexing)")
    print(f"{'store':14}{'workers':>8}{'raw s':>8}{'index s':>9}{'MB/s':>7}{'docs/s':>8}{'ratio':>7}  all rounds")
    for row in rows:
        print(f"{row['store']:14}{row['workers']:>8}{row['raw_segmentation_s']:>8}{row['index_s']:>9}"
              f"{row['index_mb_per_s']:>7}{row['documents_per_s']:>8}{row['ratio_to_raw_segmentation']:>6}x"
              f"  {', '.join(f'{r}x' for r in row['ratios_of_all_rounds'])}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    for row in rows:
        (out / f"indexing-{row['store']}-{row['workers']}w.json").write_text(json.dumps(row, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
