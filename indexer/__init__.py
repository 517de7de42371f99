"""Ingestion: reading sources, extracting metadata, writing documents to a store."""

from indexer.files import Failure, FileLimits
from indexer.pipeline import Indexer
from indexer.summary import IndexSummary, RunFailed

__all__ = ["Failure", "FileLimits", "IndexSummary", "Indexer", "RunFailed"]
