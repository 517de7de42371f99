"""How many of the judged citations resolve to the right article (`policy_search.citations`).

    .venv/bin/python bench/relevance/citations.py [--store URL] [--corpus PATH] [--valid-on YYYY-MM-DD]

Indexes ../shared/corpus/lawrefbook into a new embedded store in a temporary folder (or
into the store at --store, `sqlite:///…` or `http://…` for Elasticsearch, where it is empty;
a store that already holds documents is used as it is), then resolves every citation of
citations.jsonl on the day given (default 2026-01-01). A citation counts as resolved
correctly when the law found is the document of its `path` (the file's document, the Civil
Code for one of its 编) and, for `exists: true`, the article found is its `article`; for
`exists: false`, the answer is "no such article" with that law. Prints the share and every
miss, and the time a resolution takes (p50, max).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from indexer import Indexer  # noqa: E402
from indexer.lawrefbook import parse_lawrefbook  # noqa: E402
from policy_search.citations import Citation, resolve_citation  # noqa: E402
from policy_search.stores import Store, open_store  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
CITATIONS = Path(__file__).with_name("citations.jsonl")
DAY = date(2026, 1, 1)


def load_citations(path: Path = CITATIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_law_id(corpus: Path, path: str) -> str:
    """The id of the document a judged file gives (for a part of a code: the code's)."""
    return parse_lawrefbook(corpus / path)[0].id


def verdict(row: dict, citation: Citation | None, law_id: str) -> str | None:
    """None when the citation resolved as judged, else what went wrong."""
    if citation is None:
        return "not read as a citation"
    if citation.law is None:
        return f"no law named {citation.name!r} found"
    if citation.law.id != law_id:
        return f"wrong law: {citation.law.title} ({citation.law.source_path})"
    if citation.number != row["article"]:
        return f"wrong number: {citation.number}"
    if row["exists"] and citation.article is None:
        return "the article was not found in the law"
    if not row["exists"] and citation.article is not None:
        return "an article that does not exist was found"
    return None


def store_for(url: str | None, corpus: Path, folder: Path) -> Store:
    store = open_store(url or f"sqlite:///{folder / 'citations.db'}")
    store.create()
    if store.count() == 0:
        started = time.perf_counter()
        summary = Indexer(store, progress=False).index_paths([corpus])
        print(f"indexed {corpus}: {summary.describe()} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="store URL (default: a new embedded store in a temporary folder)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--valid-on", type=date.fromisoformat, default=DAY)
    args = parser.parse_args(argv)
    rows = load_citations()
    with tempfile.TemporaryDirectory() as folder:
        store = store_for(args.store, args.corpus, Path(folder))
        misses, timings = [], []
        for row in rows:
            started = time.perf_counter()
            citation = resolve_citation(store, row["citation"], args.valid_on, store.analyzer)
            timings.append((time.perf_counter() - started) * 1000)
            problem = verdict(row, citation, expected_law_id(args.corpus, row["path"]))
            if problem:
                misses.append((row, problem))
        store.close()
    right = len(rows) - len(misses)
    print(f"store {args.store or 'embedded (temporary)'}, valid_on {args.valid_on}: "
          f"{right}/{len(rows)} citations resolved correctly ({right / len(rows):.0%}); "
          f"resolution p50 {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms")
    for row, problem in misses:
        print(f"  {row['id']} {row['citation']}: {problem}")
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
