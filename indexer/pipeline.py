"""The indexing run: files in, documents out, a summary at the end.

A run is incremental and idempotent: a document whose content hash is unchanged is not
written again. After writing, the families of the written documents are brought up to
date (which version supersedes which), so statuses stay right whatever the order in
which versions arrive. A file that cannot be parsed is reported and skipped.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from analyzers.segment import default_segmenter
from indexer.errors import ParseError
from indexer.lawrefbook import parse_lawrefbook
from indexer.portal_html import parse_portal_html
from indexer.records import parse_records
from indexer.textrecord import parse_text_record
from policy_search.schema import Document, Kind, LinkedDocument, link_keys, reference_key, supersession_dates
from policy_search.stores import IndexRecord, Store

Parser = Callable[[Path], list[Document]]

# File suffix -> parser.
PARSERS: dict[str, Parser] = {
    ".json": parse_records,
    ".jsonl": parse_records,
    ".md": parse_lawrefbook,
    ".html": parse_portal_html,
    ".htm": parse_portal_html,
    ".txt": parse_text_record,
}

# Small enough that the last batch, written after the workers are done, is quick; large
# enough that a transaction (and an Elasticsearch bulk request) carries many documents.
BATCH_SIZE = 250


@dataclass
class Failure:
    path: str
    reason: str


@dataclass
class IndexSummary:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def describe(self) -> str:
        return (
            f"{self.files} files, {self.documents} documents: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.failed)} failed"
        )


def prepare_file(path: Path) -> list[IndexRecord] | Failure:
    """Parse and segment one file (in a worker process): its records, or why it failed."""
    parser = PARSERS[path.suffix.lower()]
    try:
        if not path.exists():
            raise ParseError("no such file")
        return [IndexRecord.of(doc) for doc in parser(path)]
    except ParseError as error:
        return Failure(str(path), str(error))
    except OSError as error:
        return Failure(str(path), error.strerror or str(error))


def find_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files under the paths, with whether each was named explicitly."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child, False
        else:
            yield path, True


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class Indexer:
    """Indexes files and documents into a store.

    Parsing and segmentation, the costly parts, run in `workers` processes while this
    process writes what they return; with one worker everything runs in this process.
    Runs of fewer than `PARALLEL_MIN_FILES` files stay in this process too: starting
    workers would cost more than it saves. Unchanged documents (same content hash) are
    segmented but not written.
    """

    PARALLEL_MIN_FILES = 64

    def __init__(self, store: Store, *, progress: bool | None = None, workers: int | None = None) -> None:
        self.store = store
        # None: a bar only when stderr is a terminal
        self.progress = progress
        self.workers = workers or default_workers()

    def index_paths(self, paths: Iterable[str | Path]) -> IndexSummary:
        summary = IndexSummary()
        files: list[Path] = []
        for path, explicit in find_files(Path(p) for p in paths):
            if path.suffix.lower() in PARSERS:
                files.append(path)
            elif explicit:
                summary.failed.append(Failure(str(path), f"unsupported file type {path.suffix or '(none)'}"))
        summary.files = len(files)
        self.store.create()
        run = _Run(self.store, summary)
        # The pool starts before the progress bar, whose monitor thread a fork must not copy.
        with self.store.bulk(), self._pool(len(files)) as pool:
            with self._bar(total=len(files), desc="indexing", unit="file") as bar:
                for result in pool.map(prepare_file, files, chunksize=4):
                    if isinstance(result, Failure):
                        summary.failed.append(result)
                    else:
                        run.add(result)
                    bar.update()
            self._finish(run)
        return summary

    def index_documents(self, documents: Iterable[Document], summary: IndexSummary | None = None) -> IndexSummary:
        summary = summary or IndexSummary()
        self.store.create()
        run = _Run(self.store, summary)
        with self.store.bulk():
            run.add(IndexRecord.of(doc) for doc in documents)
            self._finish(run)
        return summary

    def _finish(self, run: _Run) -> None:
        run.flush()
        self.refresh_families(run.families, left=run.left_families)
        self.relink(run.written)
        self.store.refresh()
        if run.written:
            self.store.optimize()

    def delete(self, ids: Iterable[str]) -> None:
        docs = self.store.get_many(ids, with_body=False)
        self.store.delete(docs)
        families = {doc.family for doc in docs.values()}
        self.refresh_families(families, left=families)
        # what linked to a deleted document links anew (or no longer)
        orphans = self.store.lookup("interprets_key", [k for d in docs.values() for k in link_keys(d)])
        policies = {d.interprets.id for d in docs.values() if d.interprets}
        survivors = [i for ids in orphans.values() for i in ids] + list(policies)
        self.relink(self.store.get_many(survivors, with_body=False).values())
        self.store.refresh()

    def refresh_families(self, family_ids: Iterable[str], left: Iterable[str] = ()) -> None:
        """Recompute which version of each family supersedes which.

        A family of one version has nothing to recompute (a version is written without a
        supersession date), unless a version has just `left` it, so only families that hold
        several versions are read: at a million single-version documents that is the
        difference between minutes and seconds."""
        family_ids = list(family_ids)
        left = set(left)
        self.store.refresh()  # the versions just written must be visible to the lookup
        for start in range(0, len(family_ids), 1000):
            chunk = family_ids[start : start + 1000]
            shared = self.store.shared_families(chunk) | left.intersection(chunk)
            if not shared:
                continue
            versions = self.store.family_versions(sorted(shared))
            changed = {}
            for docs in versions.values():
                current = {doc.id: doc.superseded_date for doc in docs}
                for doc_id, superseded in supersession_dates(docs).items():
                    if current[doc_id] != superseded:
                        changed[doc_id] = superseded
            self.store.patch({doc_id: {"superseded_date": day} for doc_id, day in changed.items()})

    def relink(self, written: Iterable[Document]) -> None:
        """Link interpretations and policies touched by a write, in either indexing order.

        An interpretation names its policy by number or title (`interprets_ref`); it links to
        the newest policy holding that key, and each policy lists the interpretations that
        link to it. A re-indexed policy gets its list back; a changed reference moves.
        """
        written = list(written)
        self.store.refresh()
        # The written documents are as the store holds them; only others are read back.
        written_policies = {d.id: d for d in written if d.kind is Kind.POLICY}
        policy_keys = [key for d in written for key in link_keys(d)]
        interpretation_ids = {d.id for d in written if d.kind is Kind.INTERPRETATION}
        for ids in self.store.lookup("interprets_key", policy_keys).values():
            interpretation_ids.update(ids)
        interpretations = self.store.get_many(interpretation_ids, with_body=False)
        keys = {doc_id: reference_key(doc.interprets_ref) for doc_id, doc in interpretations.items()}
        holders = self.store.lookup("link_keys", [k for k in keys.values() if k])
        target = {doc_id: (holders.get(key) or [None])[0] if key else None for doc_id, key in keys.items()}
        others = {t for t in target.values() if t} | {
            doc.interprets.id for doc in interpretations.values() if doc.interprets}
        policies = {**self.store.get_many(others - written_policies.keys(), with_body=False), **written_policies}
        updates: dict[str, dict] = {}
        for doc_id, doc in interpretations.items():
            policy = policies.get(target[doc_id] or "")
            link = LinkedDocument(id=policy.id, title=policy.title) if policy else None
            if doc.interprets != link:
                updates[doc_id] = {"interprets": link}
        listing: dict[str, list[LinkedDocument]] = {}
        for doc_id, policy_id in sorted(target.items()):
            if policy_id:
                listing.setdefault(policy_id, []).append(LinkedDocument(id=doc_id, title=interpretations[doc_id].title))
        for policy_id, policy in policies.items():
            listed = listing.get(policy_id, [])
            if policy.interpretations != listed:
                updates[policy_id] = {"interpretations": listed}
        self.store.patch(updates)

    def _bar(self, **options) -> tqdm:
        disable = None if self.progress is None else not self.progress
        return tqdm(file=sys.stderr, disable=disable, leave=False, **options)

    @contextmanager
    def _pool(self, files: int) -> Iterator[Pool]:
        if self.workers < 2 or files < self.PARALLEL_MIN_FILES:
            yield InProcess()
            return
        # fork shares the loaded dictionary with the workers; spawn where there is no fork
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            default_segmenter()  # loaded once here, not once per worker
        with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method)) as pool:
            yield pool


class _Run:
    """The writing side of one indexing run: records in, batches out to the store.

    Records whose content hash the store already holds are counted and dropped; a
    repeated id within the run is written as it last appears.
    """

    def __init__(self, store: Store, summary: IndexSummary) -> None:
        self.store = store
        self.summary = summary
        self.batch: dict[str, IndexRecord] = {}
        self.seen: dict[str, str] = {}  # id -> content hash written or kept in this run
        self.families: set[str] = set()
        self.left_families: set[str] = set()  # families a version moved out of
        self.written: list[Document] = []

    def add(self, records: Iterable[IndexRecord]) -> None:
        for record in records:
            self.batch[record.document.id] = record
            if len(self.batch) >= BATCH_SIZE:
                self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, {}
        if not batch:
            return
        new = [doc_id for doc_id in batch if doc_id not in self.seen]
        stored = self.store.content_hashes(new)
        stored.update({doc_id: self.seen[doc_id] for doc_id in batch if doc_id in self.seen})
        changed = []
        for doc_id, record in batch.items():
            previous = stored.get(doc_id)
            if doc_id in self.seen:
                pass  # counted when first seen
            elif previous is None:
                self.summary.added += 1
            elif previous == record.content_hash:
                self.summary.unchanged += 1
            else:
                self.summary.updated += 1
            self.seen[doc_id] = record.content_hash
            if previous != record.content_hash:
                changed.append(record)
        # A version that moved to another family leaves its old family to be refreshed.
        moved = self.store.get_many([r.document.id for r in changed if r.document.id in stored], with_body=False)
        new_family = {r.document.id: r.document.family for r in changed}
        left = {doc.family for doc in moved.values() if doc.family != new_family[doc.id]}
        self.left_families |= left
        self.store.upsert(changed)
        self.families |= left | set(new_family.values())
        # relinking needs titles, numbers and references, not the text (not in r.document)
        self.written.extend(r.document for r in changed)


class Pool(Protocol):
    def map(self, fn: Callable, iterable: Iterable, chunksize: int = 1) -> Iterator: ...


class InProcess:
    """The Pool of one worker: this process."""

    def map(self, fn: Callable, iterable: Iterable, chunksize: int = 1) -> Iterator:
        return map(fn, iterable)
