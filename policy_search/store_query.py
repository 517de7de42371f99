"""What a search asks for and what a store answers, independent of the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from policy_search.fields import default_facets
from policy_search.schema import Document

MAX_QUERY_LENGTH = 256
MAX_PAGE_SIZE = 100
# Deep paging costs both stores; past this, narrow the query instead.
MAX_RESULT_WINDOW = 10_000
FACET_SIZE = 30

# The most articles one document brings to an article search within documents (`doc_ids`):
# Elasticsearch's window of hits within a group (index.max_inner_result_window).
DOCUMENT_ARTICLES_LIMIT = 100

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_day(text: object) -> date:
    """A day as users write it in requests: exactly YYYY-MM-DD. (`date.fromisoformat` alone
    also takes 20210101 and 2021-W01-1, and pydantic a Unix timestamp such as 0.)"""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"
    DATE_ASC = "date_asc"
    EFFECTIVE = "effective"


class Scope(StrEnum):
    ALL = "all"
    TITLE = "title"


@dataclass
class SearchRequest:
    """A validated search: the terms are already segmented by `analyzers`."""

    terms: list[str] = field(default_factory=list)
    # The query as understood: normalised, simplified, abbreviations expanded (for ranking).
    text: str = ""
    # Quoted phrases and excluded words, each as the index tokens it consists of, in order.
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)
    # Where the words must occur: "all" (title or body) or "title".
    scope: Scope = field(default_factory=lambda: Scope.ALL)
    # ANY mode (a question): a document or article needs only one of the terms, and is ranked
    # by how many it holds (ranking.coverage); else every term must occur.
    any_terms: bool = False
    # Statutory words a term stands for (老公 -> 配偶), each as the terms it consists of (all
    # of which must occur): weighted alternatives of the term (ranking.EXPANSION_WEIGHT).
    expansions: dict[str, list[list[str]]] = field(default_factory=dict)
    # ANY mode: how much each term counts in ranking, by how rare it is in the collection
    # (`ranking.rarity_weights`); empty: every term alike.
    term_weights: tuple[float, ...] = ()
    # Article searches only: the documents to search in (empty: all). Each brings its own
    # best articles, an equal share of the page (at most DOCUMENT_ARTICLES_LIMIT), so that
    # a law with hundreds of matching articles does not take the page from the others.
    doc_ids: tuple[str, ...] = ()
    # Set when the whole query is a document number: match that number exactly instead.
    doc_number_key: str | None = None
    # The words to mark in titles and snippets: the terms and the dictionary words in them.
    marks: list[str] = field(default_factory=list)
    page: int = 1
    size: int = 10
    sort: Sort = Sort.DATE
    # Facet field name -> accepted values (OR within a field, AND across fields).
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    valid_on: date = field(default_factory=date.today)
    current: bool = False
    # False: hits come without body and articles (ranking needs titles and dates only).
    with_body: bool = True
    # Article searches: False, the total need not be counted (the answer's `total` is then
    # what it holds): candidates gathered for ranking are not counted, which costs as much
    # as finding them. (Document searches always count.)
    with_total: bool = True
    facets: tuple[str, ...] = field(default_factory=default_facets)
    facet_size: int = FACET_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def has_words(self) -> bool:
        return bool(self.terms or self.phrases)


    def alternatives(self, index: int) -> list[list[str]]:
        """Term `index` and the statutory words it stands for, each as the terms that must
        occur together: the typed term first."""
        term = self.terms[index]
        return [[term], *self.expansions.get(term, [])]


def document_share(request: SearchRequest) -> int:
    """How many articles each of a request's `doc_ids` brings at most: an equal share of
    the page, up to DOCUMENT_ARTICLES_LIMIT."""
    return min(DOCUMENT_ARTICLES_LIMIT, -(-(request.offset + request.size) // max(1, len(request.doc_ids))))


@dataclass
class Hit:
    document: Document
    score: float | None
    # ANY mode: which terms the document holds, as `ranking.matched_name` names them.
    matched: frozenset[str] = frozenset()


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]
