"""The indexing run: files in, documents out, a summary at the end.

A run is incremental and idempotent: a document whose content hash is unchanged is not
written again. After writing, the families of the written documents are brought up to
date (which version supersedes which), so statuses stay right whatever the order in
which versions arrive. A file that cannot be parsed is reported and skipped.

The parts live in their own modules: `files` (which files, each into records or a
failure), `writing` (batches to the store, what was met where), `workers` (the processes
that index chunks of files), `linking` (families and interpretation links).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from indexer import linking
from indexer.files import PARSERS, Failure, FileLimits, display_path, find_files
from indexer.repeals import with_repeals
from indexer.summary import IndexSummary, RunFailed
from indexer.workers import chunks_of, default_workers, worker_pool
from indexer.writing import RunWriter
from policy_search.schema import Document, link_keys, without_derived
from policy_search.stores import IndexRecord, Store, StoreError

logger = logging.getLogger(__name__)

class Indexer:
    """Indexes files and documents into a store.

    Files are indexed in chunks by `workers` processes, each parsing, segmenting (the
    costly part) and writing its documents to the store itself; this process adds up
    what they did and then brings families and links up to date. With one worker, or for
    runs of a few files, everything runs in this process (`workers`). Unchanged documents
    (same content hash) are segmented but not written.
    """

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
        run = RunWriter(self.store)
        with self._failing_as_run(summary, run):
            interrupted = self._open(summary)
            chunks = chunks_of(list(enumerate(files)), self.workers)
            # The pool starts before the progress bar, whose monitor thread a fork must not copy.
            with self.store.bulk(), worker_pool(self.store, self.workers, self.limits, len(files)) as (pool, index):
                with self._bar(total=len(files), desc="indexing", unit="file") as bar:
                    for chunk, outcome in zip(chunks, pool.map(index, chunks)):
                        summary.add_failures(outcome.failed)
                        run.add_chunk(outcome)
                        bar.update(len(chunk))
                run.rewrite_out_of_order(files, self.limits)
                summary.failed += run.take_rejected(dict(enumerate(files)))
                run.count_into(summary)
                self._finish(run, interrupted, summary)
        return summary

    def index_documents(self, documents: Iterable[Document], summary: IndexSummary | None = None) -> IndexSummary:
        """Index documents as a source gives them: what linking derives (supersession,
        interpretation links) is the run's to work out, not taken from the documents."""
        return self.index_records((IndexRecord.of(with_repeals(without_derived(doc)), self.store.analyzer)
                                   for doc in documents),
                                  summary)

    def index_records(self, records: Iterable[IndexRecord], summary: IndexSummary | None = None) -> IndexSummary:
        """Index documents segmented already (`IndexRecord.of`), as one run: a refused
        document is a failure named by its id."""
        summary = summary or IndexSummary()
        run = RunWriter(self.store)
        with self._failing_as_run(summary, run):
            interrupted = self._open(summary)
            with self.store.bulk():
                for position, record in enumerate(records):
                    run.add([record], position)
                run.flush()
                summary.failed += run.take_rejected({})
                run.count_into(summary)
                self._finish(run, interrupted, summary)
        return summary

    @contextmanager
    def _failing_as_run(self, summary: IndexSummary, run: RunWriter) -> Iterator[None]:
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
        run.count_into(summary)
        raise RunFailed(reason, summary)

    def _open(self, summary: IndexSummary) -> bool:
        """The store ready for a run: created if new, its tokens those of today's
        segmentation, the run recorded as begun. Whether an earlier run did not finish."""
        self.store.create()
        summary.resegmented += self.store.ensure_segmentation(self.store.analyzer.fingerprint)
        return self.store.begin_run()

    def _finish(self, run: RunWriter, interrupted: bool, summary: IndexSummary) -> None:
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
        self.relink(self.store.get_many(survivors, with_body=False).values(), removed=docs.values())
        self.store.refresh()

    def refresh_families(self, family_ids: Iterable[str], left: Iterable[str] = ()) -> None:
        """Recompute which version of each family supersedes which (`linking.refresh_families`)."""
        linking.refresh_families(self.store, family_ids, left)

    def relink(self, written: Iterable[Document], removed: Iterable[Document] = ()) -> None:
        """Link interpretations and policies touched by a write (`linking.relink`), and
        repealed documents to what repeals them (`linking.relink_repeals`)."""
        written = list(written)
        linking.relink(self.store, written)
        linking.relink_repeals(self.store, written, removed)

    def _bar(self, **options) -> tqdm:
        disable = None if self.progress is None else not self.progress
        return tqdm(file=sys.stderr, disable=disable, leave=False, **options)
