"""What a search asks for and what a store answers, independent of the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from policy_search.schema import DEFAULT_FACETS, Document

MAX_QUERY_LENGTH = 256
MAX_PAGE_SIZE = 100
# Deep paging costs both stores; past this, narrow the query instead.
MAX_RESULT_WINDOW = 10_000
FACET_SIZE = 30


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"
    DATE_ASC = "date_asc"
    EFFECTIVE = "effective"


@dataclass
class SearchRequest:
    """A validated search: the terms are already segmented by `analyzers`."""

    terms: list[str] = field(default_factory=list)
    # Set when the whole query is a document number: match that number exactly instead.
    doc_number_key: str | None = None
    page: int = 1
    size: int = 10
    sort: Sort = Sort.DATE
    # Facet field name -> accepted values (OR within a field, AND across fields).
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    valid_on: date = field(default_factory=date.today)
    current: bool = False
    facets: tuple[str, ...] = DEFAULT_FACETS
    facet_size: int = FACET_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass
class Hit:
    document: Document
    score: float | None


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
