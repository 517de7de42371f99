"""The interface both stores implement, and what they share."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from policy_search.query import SearchRequest, SearchResult
from policy_search.schema import Document


class StoreError(Exception):
    """A store failed; the message is safe to show to users."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, file not readable)."""


@dataclass
class IndexRecord:
    """A document with the tokens the store indexes, segmented once by `analyzers`."""

    document: Document
    title_tokens: str
    body_tokens: str
    content_hash: str


class Store(abc.ABC):
    """A searchable collection of documents.

    Implementations: `SQLiteStore` (embedded, FTS5) and `ElasticsearchStore`. Both pass the
    conformance suite in tests/test_store_conformance.py.
    """

    url: str

    @abc.abstractmethod
    def create(self) -> None:
        """Create the index if it does not exist (idempotent)."""

    @abc.abstractmethod
    def drop(self) -> None:
        """Remove the index and all its documents."""

    @abc.abstractmethod
    def ready(self) -> bool:
        """Whether the store answers and the index exists."""

    @abc.abstractmethod
    def upsert(self, records: Iterable[IndexRecord]) -> None:
        """Insert or replace documents by id."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def get_many(self, ids: Iterable[str], with_body: bool = True) -> dict[str, Document]:
        """Documents by id (the ids that exist); `with_body=False` leaves body out."""

    def get(self, doc_id: str) -> Document | None:
        return self.get_many([doc_id]).get(doc_id)

    @abc.abstractmethod
    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """The content hash stored for each of the ids that exist."""

    @abc.abstractmethod
    def family_versions(self, family_ids: Iterable[str]) -> dict[str, list[Document]]:
        """All versions of each family, bodies left out."""

    @abc.abstractmethod
    def set_superseded(self, dates: dict[str, date | None]) -> None:
        """Record when each document was superseded by a newer version."""

    @abc.abstractmethod
    def find_by_doc_number(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Ids of the documents whose `doc_number_key` is each key."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abc.abstractmethod
    def count(self) -> int: ...

    def refresh(self) -> None:
        """Make recent writes visible to search (a no-op where they already are)."""

    def close(self) -> None:
        """Release connections."""
