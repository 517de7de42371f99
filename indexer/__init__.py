"""Ingestion: reading sources, extracting metadata, writing documents to a store."""

from indexer.pipeline import Failure, FileLimits, Indexer, IndexSummary, RunFailed

__all__ = ["Failure", "FileLimits", "IndexSummary", "Indexer", "RunFailed"]
