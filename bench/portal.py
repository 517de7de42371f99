"""Portal pages per second: the HTML parser (main-content extraction included) on one core,
and `policy-search index` of the pages into a fresh embedded store.

    .venv/bin/python bench/portal.py [--rounds 5] [--compare] [PATH]

PATH defaults to tests/data/portal-real (35 real pages of Guangzhou government sites).
`--compare` also measures the main-content extractors on the raw pages, without the parser's
own clean-up: for each page of tests/test_portal_pages.py, whether the text opens and ends
as the page's does and holds none of its chrome (readability-lxml is measured where it is
installed: `pip install readability-lxml`). The median round is reported; the figures are
written to bench/results/portal.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

from analyzers.segment import default_segmenter
from indexer import Indexer
from indexer.errors import ParseError
from indexer.portal_html import parse_portal_html
from policy_search.stores.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGES = ROOT / "tests" / "data" / "portal-real"


def parse_seconds(pages: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    documents = 0
    for page in pages:
        try:
            documents += len(parse_portal_html(page))
        except ParseError:
            pass
    return time.perf_counter() - started, documents


def index_seconds(path: Path) -> tuple[float, int, int]:
    default_segmenter()
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        started = time.perf_counter()
        summary = Indexer(store, progress=False, workers=1).index_paths([path])
        seconds = time.perf_counter() - started
        store.close()
    return seconds, summary.documents, len(summary.failed)


def compare_extractors(path: Path) -> list[dict]:
    """Each extractor on the raw pages: pages whose text opens, ends and is clean as the tests
    of the real pages state, and pages per second."""
    import trafilatura

    sys.path.insert(0, str(ROOT / "tests"))
    from test_portal_pages import CHROME, PAGES

    def fold(text: str) -> str:
        return re.sub(r"\s+", "", text)

    extractors = {
        "trafilatura (default)": lambda html: trafilatura.extract(html, include_tables=True, include_comments=False),
        "trafilatura (favor_precision)": lambda html: trafilatura.extract(
            html, include_tables=True, include_comments=False, favor_precision=True),
        "trafilatura (favor_recall)": lambda html: trafilatura.extract(
            html, include_tables=True, include_comments=False, favor_recall=True),
        "indexer (trafilatura after the parser's clean-up)": lambda html: None,
    }
    try:
        import lxml.html
        from readability import Document as Readability

        extractors["readability-lxml"] = lambda html: lxml.html.fromstring(
            Readability(html).summary(html_partial=True)).text_content()
    except ImportError:
        print("readability-lxml is not installed: not compared", file=sys.stderr)
    rows = []
    for name, extract in extractors.items():
        good = opened = ended = clean = 0
        started = time.perf_counter()
        for page, expected in PAGES.items():
            if name.startswith("indexer"):
                text = parse_portal_html(path / page)[0].body
            else:
                text = extract((path / page).read_text(encoding="utf-8")) or ""
            body = fold(text)
            starts, ends = fold(expected["start"]) in body[:400], fold(expected["end"]) in body[-400:]
            free = not any(chrome in text for chrome in CHROME)
            opened, ended, clean = opened + starts, ended + ends, clean + free
            good += starts and ends and free
        seconds = time.perf_counter() - started
        rows.append({"extractor": name, "pages": len(PAGES), "opens": opened, "ends": ended, "clean": clean,
                     "all_three": good, "pages_per_s": round(len(PAGES) / seconds, 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="also compare the main-content extractors")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura warns about every page it finds little in
    pages = sorted(p for p in args.path.rglob("*") if p.suffix.lower() in (".html", ".htm"))
    megabytes = sum(p.stat().st_size for p in pages) / 1e6
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    parse_rounds = sorted(parse_seconds(pages)[0] for _ in range(args.rounds))
    index_rounds = sorted(index_seconds(args.path) for _ in range(args.rounds))
    parse_s = parse_rounds[len(parse_rounds) // 2]
    index_s, documents, failed = index_rounds[len(index_rounds) // 2]
    result = {
        "pages": len(pages), "megabytes": round(megabytes, 1), "rounds": args.rounds, "machine": machine,
        "parse_s": round(parse_s, 2), "parse_pages_per_s": round(len(pages) / parse_s, 1),
        "parse_rounds_pages_per_s": [round(len(pages) / s, 1) for s in parse_rounds],
        "index_s": round(index_s, 2), "index_pages_per_s": round(len(pages) / index_s, 1),
        "documents": documents, "failed": failed,
    }
    print(f"{len(pages)} pages, {megabytes:.1f} MB of HTML; median of {args.rounds} rounds, one core")
    print(f"parse (extraction and metadata): {parse_s:.2f} s, {result['parse_pages_per_s']} pages/s "
          f"(rounds: {', '.join(map(str, result['parse_rounds_pages_per_s']))})")
    print(f"policy-search index into SQLite, 1 worker: {index_s:.2f} s, {result['index_pages_per_s']} pages/s, "
          f"{documents} documents, {failed} failed")
    if args.compare:
        result["extractors"] = compare_extractors(args.path)
        print(f"{'extractor':52}{'opens':>6}{'ends':>6}{'clean':>6}{'all':>5}{'pages/s':>9}")
        for row in result["extractors"]:
            print(f"{row['extractor']:52}{row['opens']:>6}{row['ends']:>6}{row['clean']:>6}{row['all_three']:>5}"
                  f"{row['pages_per_s']:>9}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "portal.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
