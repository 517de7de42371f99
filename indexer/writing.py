"""The writing side of an indexing run: records in, batches out to the store.

A run, or each worker process's chunk of it, writes through a `RunWriter`. It drops the
records whose content hash the store already holds, writes the others in batches, and
keeps an `Occurrence` of every id it met: where in the run (file positions) it appeared,
its last content hash, and what the store held for it before. The run's own process adds
up the chunks' outcomes (`add_chunk`) to count each document once and to know which
families and links to bring up to date.

Chunks run side by side, so the same id in two files of one run may reach the store in
either order; `rewrite_out_of_order` then writes again, from the file where it appears
last, each such id the store does not hold as that file has it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.files import Failure, FileLimits, display_path, prepare_file
from indexer.summary import IndexSummary
from policy_search.schema import Document
from policy_search.stores import DocumentsRejected, IndexRecord, Store

# Documents written in one transaction (or Elasticsearch bulk request): many, so that
# commits are few, while a writer holds the embedded store's lock for a short time only.
BATCH_SIZE = 250


@dataclass
class Occurrence:
    """A document id as one part of a run met it: at which file positions, with which
    content hash last, and what the store held for it before (None: nothing)."""

    first_position: int
    last_position: int
    last_hash: str
    previous: str | None


@dataclass
class ChunkOutcome:
    """What indexing a chunk of files did, for the run to add up."""

    failed: list[Failure]
    occurrences: dict[str, Occurrence]
    families: set[str]
    left_families: set[str]
    written: list[Document]


def index_chunk(store: Store, chunk: list[tuple[int, Path]], limits: FileLimits = FileLimits()) -> ChunkOutcome:
    """Parse, segment and write a chunk of (position in the run, file)."""
    run = RunWriter(store)
    failed = []
    for position, path in chunk:
        result = prepare_file(path, store.analyzer, limits)
        if isinstance(result, Failure):
            failed.append(result)
        else:
            run.add(result, position)
    run.flush()
    failed += run.take_rejected(dict(chunk))
    return ChunkOutcome(failed, run.occurrences, run.families, run.left_families, run.written)


class RunWriter:
    """The writing side of a run, or of one chunk of it: records in, batches out to the
    store, and where each id occurred (`occurrences`).

    Records whose content hash the store already holds are dropped; a repeated id is
    written as it last appears (across the chunks of a run: see `rewrite_out_of_order`).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batch: dict[str, tuple[int, IndexRecord]] = {}
        self.occurrences: dict[str, Occurrence] = {}
        self.repeats: dict[str, list[Occurrence]] = {}  # ids met by several chunks
        self.families: set[str] = set()
        self.left_families: set[str] = set()  # families a version moved out of
        self.written: list[Document] = []
        self.rejected: dict[str, str] = {}  # documents the store refused, with why

    def add(self, records: Iterable[IndexRecord], position: int) -> None:
        for record in records:
            self.batch[record.document.id] = (position, record)
            if len(self.batch) >= BATCH_SIZE:
                self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, {}
        if not batch:
            return
        # what the store holds: read for ids met first now, known for those met before
        stored = self.store.content_hashes([doc_id for doc_id in batch if doc_id not in self.occurrences])
        stored |= {doc_id: self.occurrences[doc_id].last_hash for doc_id in batch if doc_id in self.occurrences}
        changed = []
        for doc_id, (position, record) in batch.items():
            previous = stored.get(doc_id)
            seen = self.occurrences.get(doc_id)
            if seen is None:
                self.occurrences[doc_id] = Occurrence(position, position, record.content_hash, previous)
            else:
                seen.last_position, seen.last_hash = position, record.content_hash
            if previous != record.content_hash:
                changed.append(record)
        self.write(changed, stored)

    def write(self, changed: list[IndexRecord], stored: dict[str, str]) -> None:
        # A version that moved to another family leaves its old family to be refreshed.
        moved = self.store.get_many([r.document.id for r in changed if r.document.id in stored], with_body=False)
        new_family = {r.document.id: r.document.family for r in changed}
        left = {doc.family for doc in moved.values() if doc.family != new_family[doc.id]}
        self.left_families |= left
        try:
            self.store.upsert(changed)
        except DocumentsRejected as error:  # the others were written
            self.rejected |= error.reasons
            changed = [r for r in changed if r.document.id not in error.reasons]
        self.families |= left | set(new_family.values())
        # relinking needs titles, numbers and references, not the text (not in r.document)
        self.written.extend(r.document for r in changed)

    def take_rejected(self, paths: dict[int, Path]) -> list[Failure]:
        """The documents the store refused as failures of their files (by position in the
        run), no longer counted as added or updated."""
        failures = []
        for doc_id, reason in self.rejected.items():
            seen = self.occurrences.pop(doc_id, None)
            path = paths.get(seen.last_position) if seen else None
            failures.append(Failure(display_path(path) if path else doc_id, f"document {doc_id!r} not written: {reason}"))
        self.rejected = {}
        return failures

    def add_chunk(self, outcome: ChunkOutcome) -> None:
        """Add up what a chunk did."""
        for doc_id, occurrence in outcome.occurrences.items():
            if doc_id in self.repeats:
                self.repeats[doc_id].append(occurrence)
            elif doc_id in self.occurrences:
                self.repeats[doc_id] = [self.occurrences[doc_id], occurrence]
            else:
                self.occurrences[doc_id] = occurrence
        self.families |= outcome.families
        self.left_families |= outcome.left_families
        self.written.extend(outcome.written)

    def rewrite_out_of_order(self, files: list[Path], limits: FileLimits = FileLimits()) -> None:
        """An id that several chunks met may have been written by them in any order: the
        store must hold it as it last appears in the run. Where it does not, the file of
        its last appearance is indexed again here (rare: the same id in two files)."""
        for doc_id, occurrences in self.repeats.items():
            last = max(occurrences, key=lambda seen: seen.last_position)
            first = min(occurrences, key=lambda seen: seen.first_position)
            self.occurrences[doc_id] = Occurrence(first.first_position, last.last_position, last.last_hash,
                                                  _stored_before_run(occurrences))
        stored = self.store.content_hashes(self.repeats)
        stale = {doc_id for doc_id in self.repeats if stored.get(doc_id) != self.occurrences[doc_id].last_hash}
        for position in sorted({self.occurrences[doc_id].last_position for doc_id in stale}):
            records = prepare_file(files[position], self.store.analyzer, limits)
            if not isinstance(records, Failure):
                self.write([r for r in records if r.document.id in stale], stored)

    def count_into(self, summary: IndexSummary) -> None:
        """Count each document once: as the run leaves it against what the store held."""
        for seen in self.occurrences.values():
            if seen.previous is None:
                summary.added += 1
            elif seen.previous == seen.last_hash:
                summary.unchanged += 1
            else:
                summary.updated += 1


def _stored_before_run(occurrences: list[Occurrence]) -> str | None:
    """What the store held for an id before the run, from what the chunks that met it saw:
    the first chunk to write saw it, the others saw what another chunk wrote."""
    if any(seen.previous is None for seen in occurrences):
        return None
    written = {seen.last_hash for seen in occurrences}
    unexplained = [seen.previous for seen in occurrences if seen.previous not in written]
    return unexplained[0] if unexplained else min(occurrences, key=lambda seen: seen.first_position).previous
