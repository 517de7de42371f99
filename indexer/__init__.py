"""Ingestion: reading sources, extracting metadata, writing documents to a store."""

from indexer.pipeline import Failure, Indexer, IndexSummary

__all__ = ["Failure", "IndexSummary", "Indexer"]
