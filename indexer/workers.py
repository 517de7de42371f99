"""Where a run's chunks of files are indexed: worker processes, or this one.

Each worker process takes chunks of files, parses, segments and writes them with its own
store (a connection must not cross a fork) and sends back only what it did (a
`ChunkOutcome`). The store serialises the writers (SQLite: its write lock; Elasticsearch:
the node). With one worker, or for runs too small to be worth starting processes, the
chunks are indexed in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Protocol

from indexer.files import FileLimits
from indexer.writing import ChunkOutcome, index_chunk
from policy_search.stores import Store

# Files a worker process indexes as one task: enough tasks for the workers to stay evenly
# busy to the end, not so many that each writes only a handful of documents.
CHUNK_FILES = 250
TASKS_PER_WORKER = 16

# Fewer files than this are indexed in this process: starting workers would cost more.
PARALLEL_MIN_FILES = 64


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


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


def chunks_of(files: list[tuple[int, Path]], workers: int) -> list[list[tuple[int, Path]]]:
    """The run's (position, file) pairs in chunks: some `TASKS_PER_WORKER` a worker."""
    size = max(1, min(CHUNK_FILES, -(-len(files) // (workers * TASKS_PER_WORKER))))
    return [files[start : start + size] for start in range(0, len(files), size)]


@contextmanager
def worker_pool(store: Store, workers: int, limits: FileLimits,
                files: int) -> Iterator[tuple[Pool, Callable[[list[tuple[int, Path]]], ChunkOutcome]]]:
    """Where chunks are indexed, and the function that indexes one there."""
    if workers < 2 or files < PARALLEL_MIN_FILES:
        yield InProcess(), partial(index_chunk, store, limits=limits)
        return
    # fork shares the loaded dictionary with the workers (the store's analyzer, made in this
    # process, is the one a worker's clone of the store finds); spawn where there is no fork
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(store, limits)) as pool:
        yield pool, _index_chunk_in_worker


class Pool(Protocol):
    def map(self, fn: Callable, *iterables: Iterable, timeout: float | None = None, chunksize: int = 1) -> Iterator: ...


class InProcess:
    """The Pool of one worker: this process."""

    def map(self, fn: Callable, *iterables: Iterable, timeout: float | None = None, chunksize: int = 1) -> Iterator:
        return map(fn, *iterables)
