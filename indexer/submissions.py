"""Documents sent to the write API: read by the parsers files are read with, written by
the indexing pipeline (`Indexer`), so that a page a CMS pushes is read, versioned and
linked exactly as the same page indexed from a folder.

The document id is the `source_id` the sender names it by (the CMS's own id): a record's
`id` field may only repeat it, and a page's id is it rather than the one its address would
give. So the CMS's id is the id of `/api/v1/documents/{id}` and of the document page, and
the same PUT twice is the same document, written once (its content hash is unchanged).

An issuer-scoped key's check is made here, before anything is written: the document must
name the key's issuer, and so must the version already indexed under that id (a key of
one issuer cannot take over or delete another's document).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from analyzers import Analyzer
from indexer.encoding import decode, looks_binary
from indexer.errors import ParseError
from indexer.json_feed import load_json, record_to_document
from indexer.pipeline import Indexer
from indexer.portal_html import read_page
from indexer.summary import RunFailed
from policy_search.schema import Document
from policy_search.store_query import parse_day
from policy_search.stores import IndexRecord, Store, StoreError

logger = logging.getLogger(__name__)

# What a source id may hold: it is a document id, in URLs of the API and the pages as it is.
SOURCE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~:-]{0,199}$"
_SOURCE_ID = re.compile(SOURCE_ID_PATTERN)
DATE_FIELDS = ("publish_date", "written_date", "effective_date", "expiry_date", "repealed_date")
SOURCE_ID_RULE = "1–200 letters, digits and . _ ~ : -, starting with a letter or digit"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"


@dataclass(frozen=True)
class Refused:
    """A write not made, with the HTTP status it answers and why."""

    status: int
    code: str
    message: str


class WriteFailed(Exception):
    """The store failed during a write: what was written before stays, and the same request
    sent again completes it (writes are idempotent)."""


@dataclass(frozen=True)
class Put:
    document: Document


@dataclass(frozen=True)
class Delete:
    source_id: str


Operation = Put | Delete
# Whether a key may write a document naming these issuers.
IssuerCheck = Callable[[list[str]], bool]


def check_source_id(source_id: str) -> None:
    if not _SOURCE_ID.fullmatch(source_id):
        raise ParseError(f"source_id {source_id[:60]!r} is not valid: {SOURCE_ID_RULE}")


@contextmanager
def _reading() -> Iterator[None]:
    """Whatever a parser raises on odd input is a ParseError, as in `files.prepare_file`."""
    try:
        yield
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("nested too deeply to read") from None
    except UnicodeError:
        raise ParseError("holds text that is not valid Unicode") from None
    except Exception as error:
        raise ParseError(f"could not be read ({type(error).__name__}: {str(error)[:200]})") from None


def record_document(record: object, source_id: str, position: int = 1) -> Document:
    """A JSON record in the API's document fields as the document `source_id`."""
    check_source_id(source_id)
    if not isinstance(record, dict):
        raise ParseError(f"record {position} is not a JSON object")
    given = record.get("id")
    if given not in (None, "", source_id):
        raise ParseError(f"record {position}: id: {str(given)[:60]!r} is not the source_id {source_id!r}; "
                         "leave it out or give the same")
    for name in DATE_FIELDS:  # as the API's dates are: YYYY-MM-DD, never a Unix timestamp
        if record.get(name) is not None:
            try:
                parse_day(record[name])
            except ValueError as error:
                raise ParseError(f"record {position}: {name}: {error}") from None
    with _reading():
        return record_to_document({**record, "id": source_id}, None, position)


def json_record_document(body: bytes, source_id: str) -> Document:
    """A request body holding one JSON record."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"the body is not UTF-8 JSON ({error.reason} at byte {error.start})") from None
    return record_document(load_json(text, "the body"), source_id)


def page_document(body: bytes | str, source_id: str, url: str | None) -> Document:
    """A portal page (its HTML, in any of the encodings files may have) as the document
    `source_id`, published at `url`."""
    check_source_id(source_id)
    with _reading():
        text = body if isinstance(body, str) else decode(body)
        if looks_binary(text):
            raise ParseError("binary data, not text")
        doc = read_page(text, Path(f"{source_id}.html"), url)
    return doc.model_copy(update={"id": source_id, "source_path": None})


def batch_lines(body: bytes) -> Iterator[tuple[int, object | ParseError]]:
    """The lines of a JSON-lines body, each as its data or what is wrong with it."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"the body is not UTF-8 JSON lines ({error.reason} at byte {error.start})") from None
    # lines end at "\n" only: U+2028 and U+2029 may stand raw inside JSON strings
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                yield number, load_json(line, f"line {number}")
            except ParseError as error:
                yield number, error


class DocumentWriter:
    """Writes and deletes submitted documents through the indexing pipeline, one request at
    a time per process (a run in the store records itself as begun and finished: two at once
    would each take the other for an interrupted run)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.indexer = Indexer(store, progress=False, workers=1)
        self._lock = threading.Lock()
        self._created = False

    def use_analyzer(self, analyzer: Analyzer) -> None:
        """Cut what is written with another analyzer from the next request on (the service's
        words were reloaded: search_api.live_words), as queries are; a write under way ends first."""
        with self._lock:
            self.store = self.store.with_analyzer(analyzer)
            self.indexer = Indexer(self.store, progress=False, workers=1)

    def apply(self, operations: list[Operation], allowed: IssuerCheck) -> list[Outcome | Refused]:
        """Each operation's outcome, in order. Consecutive puts are written as one run (one
        refresh of families and links); a delete, or an id met again, starts the next."""
        results: list[Outcome | Refused] = []
        group: list[Document] = []
        with self._lock:
            if not self._created:  # the first write of a new deployment makes the index
                self.store.create()
                self._created = True
            for operation in operations:
                if isinstance(operation, Put) and operation.document.id not in {doc.id for doc in group}:
                    group.append(operation.document)
                    continue
                results += self._put(group, allowed)
                group = []
                if isinstance(operation, Put):
                    group.append(operation.document)
                else:
                    results.append(self._delete(operation.source_id, allowed))
            results += self._put(group, allowed)
        return results

    def _put(self, docs: list[Document], allowed: IssuerCheck) -> list[Outcome | Refused]:
        if not docs:
            return []
        ids = [doc.id for doc in docs]
        indexed = self.store.get_many(ids, with_body=False)
        hashes = self.store.content_hashes(ids)
        results: dict[str, Outcome | Refused] = {}
        changed: list[IndexRecord] = []
        for doc in docs:
            refusal = _issuer_refusal(doc, indexed.get(doc.id), allowed)
            if refusal:
                results[doc.id] = refusal
                continue
            record = IndexRecord.of(doc, self.store.analyzer)
            previous = hashes.get(doc.id)
            if previous == record.content_hash:
                results[doc.id] = Outcome.UNCHANGED  # nothing written: not even a run begun
                continue
            results[doc.id] = Outcome.CREATED if previous is None else Outcome.UPDATED
            changed.append(record)
        if changed:
            try:
                summary = self.indexer.index_records(changed)
            except RunFailed as error:
                logger.error("a write through the API failed: %s", error.reason)
                raise WriteFailed(error.reason) from None
            for failure in summary.failed:  # refused by the store; the path is the id
                results[failure.path] = Refused(422, "not_indexed", failure.reason)
        return [results[doc.id] for doc in docs]

    def _delete(self, source_id: str, allowed: IssuerCheck) -> Outcome | Refused:
        indexed = self.store.get_many([source_id], with_body=False).get(source_id)
        if indexed is None:
            return Refused(404, "not_found", f"no document with id {source_id!r}")
        if not allowed(indexed.issuers):
            return Refused(403, "forbidden", f"the document {source_id!r} is of another issuer "
                           f"({'、'.join(indexed.issuers) or 'none named'}): this key may not delete it")
        try:
            self.indexer.delete([source_id])
        except StoreError as error:
            logger.error("a delete through the API failed: %s", error)
            raise WriteFailed(str(error)) from error
        return Outcome.DELETED


def _issuer_refusal(doc: Document, indexed: Document | None, allowed: IssuerCheck) -> Refused | None:
    if not allowed(doc.issuers):
        named = "、".join(doc.issuers) or "no issuer"
        return Refused(403, "forbidden", f"this key may only write documents of its issuer; the document names {named}")
    if indexed is not None and not allowed(indexed.issuers):
        return Refused(403, "forbidden", f"the document {doc.id!r} already indexed is of another issuer "
                       f"({'、'.join(indexed.issuers) or 'none named'}): this key may not replace it")
    return None
