"""The interface both stores implement, and what they share."""

from __future__ import annotations

import abc
import json
import logging
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from analyzers import Analyzer
from policy_search.articles import ArticleResult, article_headings
from policy_search.schema import DERIVED_FIELDS, ArticleSpan, Document, article_spans, articles_from_spans
from policy_search.store_query import SearchRequest, SearchResult

logger = logging.getLogger(__name__)


class StoreError(Exception):
    """A store failed. The message is for operators (the command line, the logs) and may name
    the store's file; `public` is what the HTTP API tells a client: no paths, no internals."""

    def __init__(self, message: str, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public or message


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, file not readable)."""


class DocumentsRejected(StoreError):
    """Some documents of a write were refused (the others were written): `reasons` maps
    each refused document's id to why, for the indexing run to report per document."""

    def __init__(self, reasons: dict[str, str]) -> None:
        first = next(iter(reasons.items()), ("", ""))
        super().__init__(f"{len(reasons)} documents were refused, the first {first[0]!r}: {first[1]}")
        self.reasons = reasons

    def __reduce__(self):
        return DocumentsRejected, (self.reasons,)


class StoreMissing(StoreUnavailable):
    """A store opened for reading does not exist (no index file at `path`). The message
    does not name the file (it reaches clients of the API); `path` does, for the CLI."""

    def __init__(self, path: Path) -> None:
        super().__init__("the index does not exist; run `policy-search index` first")
        self.path = path


@dataclass
class IndexRecord:
    """What a store writes for one document: its fields, the tokens it indexes (segmented
    once by `analyzers`) and its articles as spans of the body.

    The text travels as UTF-8 beside the document (whose `body` and `articles` are empty):
    the body, the tokens, and the articles as spans of the body in JSON (what SQLite stores
    and the content hash reads, made once). Between the indexer's
    processes and into SQLite, bytes pass as they are, where text would be encoded and
    decoded on the way (some 150 MB on the corpus). `IndexRecord.of` builds one.
    """

    document: Document
    body: bytes
    title_tokens: bytes
    body_tokens: bytes
    content_hash: str
    tokens_digest: str
    article_spans_json: str = "[]"
    articles: list[ArticleTokens] = field(default_factory=list)

    @classmethod
    def of(cls, doc: Document, analyzer: Analyzer) -> IndexRecord:
        """Segment a document (the costly part of indexing), once for whichever store."""
        spans = article_spans(doc.body, doc.articles)
        tokens = document_tokens(analyzer, doc.title, doc.body, spans)
        spans_json = json.dumps(spans, ensure_ascii=False)
        body = doc.body.encode("utf-8")
        return cls(
            document=doc.model_copy(update={"body": "", "articles": []}), body=body,
            title_tokens=tokens.title, body_tokens=tokens.body, content_hash=doc.content_hash(spans_json, body),
            tokens_digest=tokens_digest(tokens.title, tokens.body), article_spans_json=spans_json,
            articles=tokens.articles,
        )

    def full_document(self) -> Document:
        """The document with its body and articles."""
        body = self.body.decode("utf-8")
        articles = articles_from_spans(body, json.loads(self.article_spans_json))
        return self.document.model_copy(update={"body": body, "articles": articles})


@dataclass
class ArticleTokens:
    """What a store indexes of one article beside its document's: where it stands, and
    where its tokens are in the document's body tokens (byte offsets: no second copy of
    them travels between the indexer's processes)."""

    number: str
    headings: str  # articles.article_headings
    heading_tokens: str
    start: int
    end: int

    def token_bytes(self, body_tokens: bytes) -> bytes:
        return body_tokens[self.start : self.end]

    def tokens(self, body_tokens: bytes) -> str:
        return self.token_bytes(body_tokens).decode("utf-8")


@dataclass
class DocumentTokens:
    title: bytes
    body: bytes
    articles: list[ArticleTokens]


def document_tokens(analyzer: Analyzer, title: str, body: str, spans: list[ArticleSpan]) -> DocumentTokens:
    """The tokens both stores index for a document's title, body and each article.

    The body is segmented piece by piece, cut where its articles begin and end, so that each
    article's tokens come from the same pass as the body's (segmenting the articles again
    would cost a second pass over the text). The text of an article that is not a slice of
    the body and the headings go to jieba in the same call (`Analyzer.index_pieces`); the
    former's tokens follow the body's. Deterministic, so that a store can make the tokens
    again from what it stores (to take them back)."""
    # the body's pieces: between articles, and each article that is a slice of it
    bounds: list[tuple[int, int]] = []
    article_piece: dict[int, int] = {}  # article index -> its piece
    position = 0
    for index, span in enumerate(spans):
        if len(span) == 3:
            if span[1] > position:
                bounds.append((position, span[1]))
            article_piece[index] = len(bounds)
            bounds.append((span[1], span[2]))
            position = span[2]
    bounds.append((position, len(body)))
    # then the articles that are not slices of it, then the headings (not in the body's tokens)
    off_body = {index: span[1] for index, span in enumerate(spans) if len(span) == 2}
    for place, index in enumerate(off_body):
        article_piece[index] = len(bounds) + place
    headings = article_headings(body, spans) if spans else []
    distinct_headings = list(dict.fromkeys(headings))
    tokens, piece_spans = analyzer.index_pieces(body, bounds, [*off_body.values(), *distinct_headings])
    first_heading = len(bounds) + len(off_body)  # the first heading's piece
    body_end = piece_spans[first_heading - 1][1]
    heading_tokens = {text: tokens[start:end].decode("utf-8").strip()
                      for text, (start, end) in zip(distinct_headings, piece_spans[first_heading:], strict=True)}
    articles = [
        ArticleTokens(number=span[0], headings=headings[index], heading_tokens=heading_tokens[headings[index]],
                      start=piece_spans[article_piece[index]][0], end=piece_spans[article_piece[index]][1])
        for index, span in enumerate(spans)
    ]
    return DocumentTokens(analyzer.index_text(title).encode("utf-8"), tokens[:body_end], articles)


def derived_json(doc: Document) -> str:
    """A document's derived fields as JSON (`Store.document_states`)."""
    return doc.model_dump_json(include=set(DERIVED_FIELDS))


def tokens_digest(title_tokens: bytes, body_tokens: bytes) -> str:
    """A checksum of a document's tokens. A store that keeps only an index of the tokens
    (SQLite's contentless full-text table) must hand them back to delete a document; it
    segments the stored text again and checks the result against this."""
    return format(zlib.crc32(body_tokens, zlib.crc32(title_tokens)), "08x")


def warn_resegmenting(count: int) -> None:
    """Say that a store is segmenting its documents again (it takes a while on a large index)."""
    logger.warning("segmentation changed since this index was written: segmenting %d documents again", count)


# The index's record of a run that began writing and has not finished (its start time).
_UNFINISHED_RUN = "unfinished_run"
# Documents whose fields (no text) `document_states` reads at a time.
_STATES_READ = 1000

# Keyword fields that `Store.lookup` searches: a policy's link keys (schema.link_keys),
# an interpretation's key of the policy it names (schema.reference_key), the keys of what a
# document says it repeals and the id of the one that repeals it, a number.
LookupField = Literal["link_keys", "interprets_key", "repeals_keys", "repealed_by_id", "doc_number_key"]


class Store(abc.ABC):
    """A searchable collection of documents.

    Implementations: `SQLiteStore` (embedded, FTS5) and `ElasticsearchStore`. Both pass the
    conformance suite in tests/test_store_conformance.py.
    """

    url: str
    # What the index's text is cut with, and queries on it: given where the service is put
    # together (the CLI, the app); a store written with one analyzer is queried with it.
    analyzer: Analyzer

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
        """Insert or replace documents by id. Raises `DocumentsRejected` (after writing the
        rest) when the store refuses some of them."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def get_many(self, ids: Iterable[str], with_body: bool = True, with_articles: bool = True) -> dict[str, Document]:
        """Documents by id (the ids that exist); `with_body=False` leaves body and articles
        out, `with_articles=False` only the articles (a results page shows no articles)."""

    def get(self, doc_id: str) -> Document | None:
        return self.get_many([doc_id]).get(doc_id)

    @abc.abstractmethod
    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """The content hash stored for each of the ids that exist."""

    @abc.abstractmethod
    def family_versions(self, family_ids: Iterable[str]) -> dict[str, list[Document]]:
        """All versions of each family, bodies left out."""

    @abc.abstractmethod
    def shared_families(self, family_ids: Iterable[str]) -> set[str]:
        """Those of the families that hold more than one version."""

    @abc.abstractmethod
    def patch(self, updates: dict[str, dict[str, Any]]) -> None:
        """Change fields of stored documents (derived, not source fields: links, supersession).

        `updates` maps an id to {field: new value} in `Document` terms; ids that do not
        exist are ignored.
        """

    @abc.abstractmethod
    def lookup(self, field: LookupField, values: Iterable[str]) -> dict[str, list[str]]:
        """Ids of the documents holding each value in `field`, newest first."""

    @abc.abstractmethod
    def suggest(self, prefix_key: str, limit: int) -> list[Document]:
        """Documents (without text) with a `schema.suggest_keys` key starting with
        `prefix_key`, at most `limit`, shortest titles first."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abc.abstractmethod
    def search_articles(self, request: SearchRequest, documents: Mapping[str, Document] | None = None
                        ) -> ArticleResult:
        """The articles matching a request's words (any of them, in ANY mode) in documents
        that pass its filters, best BM25 first (title, headings and text weighted as
        `ranking.ARTICLE_WEIGHTS`), each with its document (no text) and its own text; the
        candidates that `articles.search_articles` ranks. `documents`: some of those
        documents (without text) by id, read already: a store that pays a round trip to
        read documents uses them instead."""

    # Whether `search_many` costs less than its searches one after another (a round trip).
    batches_searches = False

    def search_many(self, requests: list[SearchRequest]) -> list[SearchResult]:
        """Several searches; engines that can run them together do."""
        return [self.search(request) for request in requests]

    def search_with_articles(self, requests: list[SearchRequest], article_request: SearchRequest
                             ) -> tuple[list[SearchResult], ArticleResult]:
        """Several searches and an article search (`search_articles`); engines that can run
        them together do, and take the articles' documents from the searches' hits."""
        return self.search_many(requests), self.search_articles(article_request)

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        """How many documents the index holds, and how many of them hold each word in their
        title or text (the same counts on every store: a question's terms are weighed by them)."""

    def refresh(self) -> None:
        """Make recent writes visible to search (a no-op where they already are)."""

    @abc.abstractmethod
    def ids(self) -> list[str]:
        """Every document id in the index."""

    def document_states(self) -> dict[str, tuple[str | None, str]]:
        """Each document's content hash (None where it was stored without) and its derived
        fields (`DERIVED_FIELDS`) as JSON, by id, as of every write made before the call (as
        `ids`): what tells two indexes apart (a rebuild's catch-up compares the new index
        with the serving one)."""
        states: dict[str, tuple[str | None, str]] = {}
        ids = iter(self.ids())
        while chunk := list(islice(ids, _STATES_READ)):
            hashes = self.content_hashes(chunk)
            for doc_id, doc in self.get_many(chunk, with_body=False, with_articles=False).items():
                states[doc_id] = (hashes.get(doc_id), derived_json(doc))
        return states

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value the index records about itself (not a document's), or None."""

    @abc.abstractmethod
    def set_meta(self, key: str, value: str | None) -> None:
        """Record a value about the index; None removes it."""

    def begin_run(self) -> bool:
        """Record that an indexing run has begun writing; whether an earlier run began and
        never finished (killed, or its store went away), leaving families and links that
        may not be up to date."""
        unfinished = self.get_meta(_UNFINISHED_RUN) is not None
        self.set_meta(_UNFINISHED_RUN, datetime.now(UTC).isoformat(timespec="seconds"))
        return unfinished

    def end_run(self) -> None:
        """Record that the run begun with `begin_run` has finished."""
        self.set_meta(_UNFINISHED_RUN, None)

    @abc.abstractmethod
    def ensure_segmentation(self, fingerprint: str) -> int:
        """Make sure the index holds the tokens that segmentation now gives
        (`Segmenter.fingerprint`): where it was written under another fingerprint (a word
        added to the user dictionary, a new short form, another jieba), every document is
        segmented again from its stored text. Returns how many were."""

    @abc.abstractmethod
    def tokens_digests(self, ids: Iterable[str]) -> dict[str, str]:
        """The checksum (`tokens_digest`) of the title and body tokens indexed for each of the
        ids that exist: what a rebuild compares to say whose tokens changed."""

    @abc.abstractmethod
    def rebuild(self, build: Callable[[Store], None], settle: Callable[[Store], None] | None = None) -> None:
        """Build a new index beside this one and put it in this one's place at once.

        `build` writes into a new, empty store of the same kind (this store's analyzer, the
        index's own records `get_meta` copied over); while it runs, searches go on reading
        this index. Then `settle`, when given, writes into the new store last, while this
        index takes no writes: writers wait (Elasticsearch: their refused items are sent
        again) and write to the new index once it serves. The new index then replaces this
        one in one atomic step (Elasticsearch: both aliases moved in one request; embedded:
        the new file renamed over the old) and the old one is removed. When either raises,
        the new one is removed and this one keeps serving, unchanged. Writes to this index
        during the build are for `build` and `settle` to carry over (`reindex.catch_up`)."""

    def with_analyzer(self, analyzer: Analyzer) -> Store:
        """This store's index, cut and queried with another analyzer (the next indexing run
        segments the documents again where its fingerprint differs)."""
        other = self.clone()
        other.analyzer = analyzer
        return other

    def clone(self) -> Store:
        """A new instance of this store, on the same index, sharing no connection: for
        another process (a connection must not cross a fork). Stores pickle as what they
        are opened with."""
        return pickle.loads(pickle.dumps(self))

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Around a run of many writes (an indexing run): the store may write faster, less
        safely against a power cut, during the run, and has everything on disk when it ends."""
        yield

    def optimize(self) -> None:
        """After a batch of writes: update what the engine plans queries with (a no-op where
        the engine keeps that up to date itself)."""

    def close(self) -> None:
        """Release connections."""
