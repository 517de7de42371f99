"""The indexing run: files in, documents out, a summary at the end.

A run is incremental and idempotent: a document whose content hash is unchanged is not
written again. After writing, the families of the written documents are brought up to
date (which version supersedes which), so statuses stay right whatever the order in
which versions arrive. A file that cannot be parsed is reported and skipped.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
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
from policy_search.stores import DocumentsRejected, IndexRecord, Store, StoreError

logger = logging.getLogger(__name__)

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

# Documents written in one transaction (or Elasticsearch bulk request): many, so that
# commits are few, while a writer holds the embedded store's lock for a short time only.
BATCH_SIZE = 250
# Files a worker process indexes as one task: enough tasks for the workers to stay evenly
# busy to the end, not so many that each writes only a handful of documents.
CHUNK_FILES = 250
TASKS_PER_WORKER = 16


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost a run: larger files are refused unread, and a parse that takes
    longer is stopped (pathological markup), so that no file costs the run its memory or
    its hours."""

    max_bytes: int = 20 * 1024 * 1024
    parse_seconds: float = 30.0


@dataclass
class Failure:
    path: str
    reason: str


class ParseTimeout(Exception):
    """A file took longer to parse than `FileLimits.parse_seconds`."""


class RunFailed(Exception):
    """The run itself could not go on (the store went away, a worker process died). The
    summary says what was done before; the next run finishes the work."""

    def __init__(self, reason: str, summary: IndexSummary) -> None:
        super().__init__(reason)
        self.reason = reason
        self.summary = summary


@dataclass
class IndexSummary:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    resegmented: int = 0  # documents segmented again because segmentation changed
    recovered: int = 0  # documents whose statuses and links were checked after an interrupted run

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def describe(self) -> str:
        again = f"; {self.resegmented} indexed documents segmented again (dictionary changed)" if self.resegmented else ""
        recovered = (f"; an earlier run was interrupted: versions and links of all {self.recovered} "
                     "indexed documents brought up to date") if self.recovered else ""
        return (
            f"{self.files} files, {self.documents} documents: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.failed)} failed{again}{recovered}"
        )


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


def prepare_file(path: Path, limits: FileLimits = FileLimits()) -> list[IndexRecord] | Failure:
    """Parse and segment one file (in a worker process): its records, or why it failed.

    Whatever a file holds, the answer is records or a failure: a parser's unexpected error
    on some input is that file's failure, never the end of the run."""
    shown = display_path(path)
    try:
        _check_file(path, limits)
        parser = PARSERS[path.suffix.lower()]
        with _time_limit(limits.parse_seconds):
            docs = parser(path)
            if shown != str(path):  # a file name that is not UTF-8: stored as shown
                docs = [doc.model_copy(update={"source_path": shown}) if doc.source_path == str(path) else doc
                        for doc in docs]
            records = [IndexRecord.of(doc) for doc in docs]
    except ParseError as error:
        return Failure(shown, str(error))
    except ParseTimeout:
        return Failure(shown, f"took longer than {limits.parse_seconds:g} s to parse: not indexed")
    except OSError as error:
        return Failure(shown, error.strerror or str(error))
    except RecursionError:
        return Failure(shown, "nested too deeply to read")
    except MemoryError:
        return Failure(shown, "too large to read in memory")
    except UnicodeError:
        return Failure(shown, "holds text that is not valid Unicode")
    except Exception as error:  # a parser's bug on odd input: that file's failure only
        return Failure(shown, f"could not be read ({type(error).__name__}: {str(error)[:200]})")
    return records


def _check_file(path: Path, limits: FileLimits) -> None:
    info = path.stat()  # follows links: a link to /dev/zero is a device, a loop an OSError
    if not stat.S_ISREG(info.st_mode):
        raise ParseError("not a regular file")
    if info.st_size > limits.max_bytes:
        raise ParseError(f"{info.st_size / 1048576:.1f} MB, over the limit of {limits.max_bytes / 1048576:g} MB per file")


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ParseTimeout in this thread after `seconds` (an interval timer: the main
    thread of this process only; elsewhere, no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ParseTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def display_path(path: Path | str) -> str:
    """A path as it can be printed and stored: bytes of a file name that are not UTF-8
    shown as escapes (\\xNN)."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def find_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool] | Failure]:
    """Files under the paths, with whether each was named explicitly, and a failure for
    each named path that does not exist and each folder that cannot be read. Hidden files
    and folders are left out; links to folders are not followed (no loops)."""
    for path in paths:
        if path.is_dir():
            unreadable: list[Failure] = []

            def report(error: OSError) -> None:
                unreadable.append(Failure(display_path(error.filename or path), f"folder not read: {error.strerror}"))

            found = []
            for folder, folders, names in os.walk(path, onerror=report):
                folders[:] = [name for name in folders if not name.startswith(".")]
                found.extend(Path(folder, name) for name in names if not name.startswith("."))
            yield from unreadable
            for child in sorted(found):
                if not child.is_dir():
                    yield child, False
        elif path.exists() or path.is_symlink():
            yield path, True
        else:
            yield Failure(display_path(path), "no such file or folder")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def index_chunk(store: Store, chunk: list[tuple[int, Path]], limits: FileLimits = FileLimits()) -> ChunkOutcome:
    """Parse, segment and write a chunk of (position in the run, file)."""
    run = _Run(store)
    failed = []
    for position, path in chunk:
        result = prepare_file(path, limits)
        if isinstance(result, Failure):
            failed.append(result)
        else:
            run.add(result, position)
    run.flush()
    failed += run.take_rejected(dict(chunk))
    return ChunkOutcome(failed, run.occurrences, run.families, run.left_families, run.written)


# A worker process's own store (connections do not survive a fork), in bulk mode for the
# life of the process; the run's process makes everything durable when the run ends.
_worker_store: Store | None = None
_worker_limits = FileLimits()
_worker_context = ExitStack()


def _start_worker(store: Store, limits: FileLimits) -> None:
    global _worker_store, _worker_limits
    _worker_store = store.clone()
    _worker_limits = limits
    _worker_context.enter_context(_worker_store.bulk())


def _index_chunk_in_worker(chunk: list[tuple[int, Path]]) -> ChunkOutcome:
    assert _worker_store is not None
    return index_chunk(_worker_store, chunk, _worker_limits)


class Indexer:
    """Indexes files and documents into a store.

    Files are indexed in chunks by `workers` processes, each parsing, segmenting (the
    costly part) and writing its documents to the store itself; this process adds up
    what they did and then brings families and links up to date. With one worker, or for
    runs of fewer than `PARALLEL_MIN_FILES` files (starting workers would cost more than
    it saves), everything runs in this process. Unchanged documents (same content hash)
    are segmented but not written.
    """

    PARALLEL_MIN_FILES = 64

    def __init__(self, store: Store, *, progress: bool | None = None, workers: int | None = None,
                 limits: FileLimits = FileLimits()) -> None:
        self.store = store
        # None: a bar only when stderr is a terminal
        self.progress = progress
        self.workers = workers or default_workers()
        self.limits = limits

    def index_paths(self, paths: Iterable[str | Path]) -> IndexSummary:
        """Index files and folders. A file that cannot be indexed is a failure in the
        summary; `RunFailed` when the run itself cannot go on."""
        summary = IndexSummary()
        files: list[Path] = []
        for found in find_files(Path(p) for p in paths):
            if isinstance(found, Failure):
                summary.failed.append(found)
                continue
            path, explicit = found
            if path.suffix.lower() in PARSERS:
                files.append(path)
            elif explicit:
                summary.failed.append(Failure(display_path(path), f"unsupported file type {path.suffix or '(none)'}"))
        summary.files = len(files)
        run = _Run(self.store)
        with self._failing_as_run(summary, run):
            interrupted = self._open(summary)
            chunks = self._chunks(list(enumerate(files)))
            # The pool starts before the progress bar, whose monitor thread a fork must not copy.
            with self.store.bulk(), self._pool(len(files)) as (pool, index):
                with self._bar(total=len(files), desc="indexing", unit="file") as bar:
                    for chunk, outcome in zip(chunks, pool.map(index, chunks)):
                        summary.failed.extend(outcome.failed)
                        run.merge(outcome)
                        bar.update(len(chunk))
                run.settle_repeats(files, self.limits)
                summary.failed += run.take_rejected(dict(enumerate(files)))
                run.tally(summary)
                self._finish(run, interrupted, summary)
        return summary

    def index_documents(self, documents: Iterable[Document], summary: IndexSummary | None = None) -> IndexSummary:
        summary = summary or IndexSummary()
        run = _Run(self.store)
        with self._failing_as_run(summary, run):
            interrupted = self._open(summary)
            with self.store.bulk():
                for position, doc in enumerate(documents):
                    run.add([IndexRecord.of(doc)], position)
                run.flush()
                summary.failed += run.take_rejected({})
                run.tally(summary)
                self._finish(run, interrupted, summary)
        return summary

    @contextmanager
    def _failing_as_run(self, summary: IndexSummary, run: _Run) -> Iterator[None]:
        """A store that fails or a worker that dies ends the run as `RunFailed`, with what
        was done until then counted. The store still records the run as unfinished, so the
        next run brings every version and link up to date."""
        try:
            yield
        except StoreError as error:
            reason = f"the store failed: {error}"
        except BrokenProcessPool:
            reason = "a worker process died (out of memory, or killed)"
        except Exception as error:  # a defect: said in one line, the run still counted
            logger.debug("indexing run failed", exc_info=error)
            reason = f"unexpected error ({type(error).__name__}: {str(error)[:200]})"
        else:
            return
        run.tally(summary)
        raise RunFailed(reason, summary)

    def _open(self, summary: IndexSummary) -> bool:
        """The store ready for a run: created if new, its tokens those of today's
        segmentation, the run recorded as begun. Whether an earlier run did not finish."""
        self.store.create()
        summary.resegmented += self.store.ensure_segmentation(default_segmenter().fingerprint)
        return self.store.begin_run()

    def _chunks(self, files: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
        size = max(1, min(CHUNK_FILES, -(-len(files) // (self.workers * TASKS_PER_WORKER))))
        return [files[start : start + size] for start in range(0, len(files), size)]

    def _finish(self, run: _Run, interrupted: bool, summary: IndexSummary) -> None:
        """Families and links brought up to date, then the run recorded as finished.

        After an interrupted run, what it wrote may have been left without its families
        refreshed or its links made, and this run finds those documents unchanged: so every
        family and link in the store is brought up to date, not only those this run wrote."""
        families, left, written = run.families, run.left_families, run.written
        if interrupted:
            written = list(self.store.get_many(self.store.ids(), with_body=False).values())
            families = {doc.family for doc in written}
            left = families
            summary.recovered = len(written)
        self.refresh_families(families, left=left)
        self.relink(written)
        self.store.refresh()
        if run.written or interrupted:
            self.store.optimize()
        self.store.end_run()

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
    def _pool(self, files: int) -> Iterator[tuple[Pool, Callable[[list[tuple[int, Path]]], ChunkOutcome]]]:
        """Where chunks are indexed, and the function that indexes one there."""
        if self.workers < 2 or files < self.PARALLEL_MIN_FILES:
            yield InProcess(), partial(index_chunk, self.store, limits=self.limits)
            return
        # fork shares the loaded dictionary with the workers; spawn where there is no fork
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            default_segmenter()  # loaded once here, not once per worker
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                 initargs=(self.store, self.limits)) as pool:
            yield pool, _index_chunk_in_worker


class _Run:
    """The writing side of a run, or of one chunk of it: records in, batches out to the
    store, and what was met where (`occurrences`).

    Records whose content hash the store already holds are dropped; a repeated id is
    written as it last appears (across the chunks of a run: see `settle_repeats`).
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
            met = self.occurrences.get(doc_id)
            if met is None:
                self.occurrences[doc_id] = Occurrence(position, position, record.content_hash, previous)
            else:
                met.last_position, met.last_hash = position, record.content_hash
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
            met = self.occurrences.pop(doc_id, None)
            path = paths.get(met.last_position) if met else None
            failures.append(Failure(display_path(path) if path else doc_id, f"document {doc_id!r} not written: {reason}"))
        self.rejected = {}
        return failures

    def merge(self, outcome: ChunkOutcome) -> None:
        """Add up what a chunk did."""
        for doc_id, met in outcome.occurrences.items():
            if doc_id in self.repeats:
                self.repeats[doc_id].append(met)
            elif doc_id in self.occurrences:
                self.repeats[doc_id] = [self.occurrences[doc_id], met]
            else:
                self.occurrences[doc_id] = met
        self.families |= outcome.families
        self.left_families |= outcome.left_families
        self.written.extend(outcome.written)

    def settle_repeats(self, files: list[Path], limits: FileLimits = FileLimits()) -> None:
        """An id that several chunks met may have been written by them in any order: the
        store must hold it as it last appears in the run. Where it does not, the file of
        its last appearance is indexed again here (rare: the same id in two files)."""
        for doc_id, mets in self.repeats.items():
            last = max(mets, key=lambda met: met.last_position)
            first = min(mets, key=lambda met: met.first_position)
            self.occurrences[doc_id] = Occurrence(first.first_position, last.last_position, last.last_hash,
                                                  _stored_before_run(mets))
        stored = self.store.content_hashes(self.repeats)
        stale = {doc_id for doc_id in self.repeats if stored.get(doc_id) != self.occurrences[doc_id].last_hash}
        for position in sorted({self.occurrences[doc_id].last_position for doc_id in stale}):
            records = prepare_file(files[position], limits)
            if not isinstance(records, Failure):
                self.write([r for r in records if r.document.id in stale], stored)

    def tally(self, summary: IndexSummary) -> None:
        """Count each document once: as the run leaves it against what the store held."""
        for met in self.occurrences.values():
            if met.previous is None:
                summary.added += 1
            elif met.previous == met.last_hash:
                summary.unchanged += 1
            else:
                summary.updated += 1


def _stored_before_run(mets: list[Occurrence]) -> str | None:
    """What the store held for an id before the run, from what the chunks that met it saw:
    the first chunk to write saw it, the others saw what another chunk wrote."""
    if any(met.previous is None for met in mets):
        return None
    written = {met.last_hash for met in mets}
    unexplained = [met.previous for met in mets if met.previous not in written]
    return unexplained[0] if unexplained else min(mets, key=lambda met: met.first_position).previous


class Pool(Protocol):
    def map(self, fn: Callable, iterable: Iterable, chunksize: int = 1) -> Iterator: ...


class InProcess:
    """The Pool of one worker: this process."""

    def map(self, fn: Callable, iterable: Iterable, chunksize: int = 1) -> Iterator:
        return map(fn, iterable)
