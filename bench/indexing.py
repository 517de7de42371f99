"""Indexing speed: `policy-search index` of the corpus against raw segmentation of its text.

    .venv/bin/python bench/indexing.py [--store sqlite|elasticsearch] [--es-url URL] [--workers N] [PATH]

Raw segmentation is rjieba's cut_for_search of every document's title and body on one
core: the floor for any jieba-compatible pipeline. Both are measured in the same run on
the same documents; a table is printed and the figures are written to bench/results/.
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

from indexer import Indexer
from indexer.pipeline import PARSERS, default_workers, find_files
from policy_search.stores.elastic import ElasticsearchStore
from policy_search.stores.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"


def load_texts(path: Path) -> list[str]:
    texts = []
    for file, _ in find_files([path]):
        parser = PARSERS.get(file.suffix.lower())
        if parser:
            texts.extend(f"{doc.title}\n{doc.body}" for doc in parser(file))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--workers", type=int, default=None, help="indexer processes (default: cores)")
    args = parser.parse_args()

    texts = load_texts(args.path)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    segmenter = rjieba.Jieba()
    started = time.perf_counter()
    for text in texts:
        segmenter.cut_for_search(text)
    raw_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        if args.store == "sqlite":
            store = SQLiteStore(Path(tmp) / "bench.db")
        else:
            store = ElasticsearchStore(args.es_url, index=f"bench-{os.getpid()}")
            store.drop()
        started = time.perf_counter()
        summary = Indexer(store, progress=False, workers=args.workers).index_paths([args.path])
        index_seconds = time.perf_counter() - started
        store.drop()
        store.close()

    result = {
        "store": args.store, "workers": args.workers or default_workers(), "documents": summary.documents, "failed": len(summary.failed),
        "megabytes": round(megabytes, 1),
        "raw_segmentation_s": round(raw_seconds, 2), "raw_mb_per_s": round(megabytes / raw_seconds, 1),
        "index_s": round(index_seconds, 2), "index_mb_per_s": round(megabytes / index_seconds, 2),
        "documents_per_s": round(summary.documents / index_seconds),
        "ratio_to_raw_segmentation": round(index_seconds / raw_seconds, 2),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(f"{'':28}{'seconds':>10}{'MB/s':>8}{'docs/s':>8}")
    print(f"{'raw segmentation (1 core)':28}{raw_seconds:>10.2f}{megabytes / raw_seconds:>8.1f}{len(texts) / raw_seconds:>8.0f}")
    print(f"{'index into ' + args.store + ' (' + str(result['workers']) + 'w)':28}{index_seconds:>10.2f}{megabytes / index_seconds:>8.1f}{summary.documents / index_seconds:>8.0f}")
    print(f"ratio {result['ratio_to_raw_segmentation']}x, {summary.documents} documents, {megabytes:.1f} MB")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"indexing-{args.store}-{result['workers']}w.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
