"""The embedded store: one SQLite file, full text in FTS5, no server.

Text is indexed as the space-separated tokens that `analyzers` produce, lower-cased and
without punctuation, which FTS5's ascii tokenizer (the fastest; it splits on ASCII
spaces and punctuation only) turns back into exactly those tokens, so Chinese words match
as words. The full-text table is contentless: it holds the index of the tokens, not the
tokens; the text itself is in `documents`, from which the tokens can be made again. A
document's articles sit in their own column, read only with the full text. Facets are
GROUP BY queries; multi-valued fields (issuers, topics) live in a side table. Status is
evaluated in SQL from the validity dates for the day asked about.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analyzers import Analyzer, shipped_analyzer
from policy_search import candidates
from policy_search.articles import ArticleHit, ArticleResult
from policy_search.schema import Document
from policy_search.store_query import SearchRequest, SearchResult
from policy_search.stores.base import IndexRecord, LookupField, Store, StoreError, StoreMissing, StoreUnavailable
from policy_search.stores.sqlite.gate import WriteGate, gate_path
from policy_search.stores.sqlite.schema import SCHEMA_VERSION, match_columns, schema_sql, schema_version
from policy_search.stores.sqlite.sql import (
    ALL_ROWS,
    MATCHED_ROWS,
    TermFrequencies,
    article_documents,
    article_rows,
    chunks_of,
    facet_counts,
    marks_for,
    match_expression,
    matched_terms,
    page_hits,
    rarer_terms,
    read_document,
    where_clause,
)
from policy_search.stores.sqlite.writing import (
    VALUE_INSERT,
    delete_ids,
    document_data,
    document_row,
    insert_document,
    rebuild_fulltext,
    value_rows,
)
from policy_search.stores.stored import stored_form

# Reads through the operating system's page cache, shared by every connection (one per server
# thread), instead of each connection copying pages into a private cache of its own. SQLite
# caps it at its compile-time maximum (2 GB by default); beyond that, reads go through the cache.
MMAP_SIZE = 1 << 34
# The page cache of the connection that indexes (see SQLiteStore.bulk), in KiB.
BULK_CACHE_KIB = 64 * 1024


class SQLiteStore(Store):
    def __init__(self, path: str | Path, read_only: bool = False, analyzer: Analyzer | None = None) -> None:
        """`read_only`: open the file read-only (searches, the server's readers), never
        create it; where it does not exist, every read raises `StoreMissing`. `analyzer`:
        what indexes and queries are cut with (default: the shipped dictionary and synonyms)."""
        self.analyzer = analyzer or shipped_analyzer()
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._gate = WriteGate(self.path)

    def __reduce__(self):
        return SQLiteStore, (self.path, self.read_only, self.analyzer)

    # --- connections -------------------------------------------------------------------

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return status.st_dev, status.st_ino

    def _reopen_if_replaced(self) -> None:
        """Close this thread's connection where the file at `path` is no longer the one it
        opened (`rebuild` renamed a new file over it): the next statement reads the new
        file. A connection keeps reading the file it opened, whatever the name now holds,
        so without this a server would answer from the old index until restarted. One
        stat a statement: microseconds."""
        if getattr(self._local, "connection", None) is None:
            return
        identity = self._file_identity()
        if identity is not None and identity != getattr(self._local, "identity", None):
            self.close()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self.read_only and not self.path.is_file():
                raise StoreMissing(self.path)  # checked on each try: an index run may make it
            try:
                if self.read_only:
                    connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                 check_same_thread=False, timeout=30)
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
                    connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
                connection.execute("PRAGMA foreign_keys = ON")
                version = schema_version(connection)
            except (OSError, sqlite3.Error) as error:
                raise StoreUnavailable(f"cannot open the database file {self.path}",
                                       "the index file cannot be opened") from error
            if version is not None and version != SCHEMA_VERSION:
                connection.close()
                # An index written by another version would answer with wrong columns: refuse it
                # on every path (reads too), with the way out.
                advice = f"this version uses {SCHEMA_VERSION}: delete the file and index again"
                raise StoreUnavailable(f"{self.path} holds an index of schema version {version}, {advice}",
                                       f"the index file is of schema version {version}, {advice}")
            self._local.connection = connection
            self._local.identity = self._file_identity()
            self._local.frequencies = TermFrequencies()  # of the file this connection reads
        return connection

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        self._reopen_if_replaced()
        try:
            cursor = self._connection().cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error) or "no such fts5 table" in str(error):
                raise StoreUnavailable("the index does not exist; run `policy-search index` first") from error
            raise StoreError("the embedded store failed to answer") from error
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(f"the database file {self.path} is not readable",
                                   "the index file is not readable") from error

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Cursor]:
        """A cursor to write with: this store's threads one at a time, past the file's gate
        (the cursor is taken after it, on the file a rebuild may have just put in place)."""
        with self._write_lock, self._gate.passing(), self._cursor() as cursor:
            yield cursor

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._writing() as cursor:
            self._frequencies().clear()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # --- lifecycle ---------------------------------------------------------------------

    def create(self) -> None:
        # One transaction: executescript runs each statement on its own otherwise, and a
        # run killed between them left `documents` without its full-text table (a file
        # that looked indexed and answered every search with "the index does not exist").
        with self._writing() as cursor:
            self._frequencies().clear()
            try:
                cursor.executescript(
                    "BEGIN IMMEDIATE;"
                    f"{schema_sql()};"
                    "INSERT OR IGNORE INTO meta (key, value)"
                    f" VALUES ('schema_version', '{SCHEMA_VERSION}');"
                    "COMMIT;"
                )
            except BaseException:
                if self._connection().in_transaction:  # else it would hold the write lock
                    self._connection().rollback()
                raise

    @contextmanager
    def bulk(self) -> Iterator[None]:
        # Commits do not wait for the disk during the run (a power cut may then cost the
        # file: index again), and the page cache holds the hot pages of the growing indexes
        # instead of reading them back from the write-ahead log. Measured on the corpus:
        # 0.2-0.3 s of 5 saved by each. At the end a checkpoint puts everything on disk.
        connection = self._connection()
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        try:
            yield
        finally:
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA cache_size = -2000")  # SQLite's default, 2 MB
            with self._write_lock:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def optimize(self) -> None:
        # Table statistics let the planner choose, per query, between scanning a facet's
        # values and looking up those of the matching documents (5x apart either way).
        # A sample of each index (analysis_limit) keeps this quick on large files.
        with self._writing() as cursor:
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
            self._connection().commit()

    def drop(self) -> None:
        with self._writing() as cursor:
            self._frequencies().clear()
            cursor.executescript(
                "DROP TABLE IF EXISTS documents_fts; DROP TABLE IF EXISTS document_values;"
                "DROP TABLE IF EXISTS articles_fts; DROP TABLE IF EXISTS articles;"
                "DROP TABLE IF EXISTS documents; DROP TABLE IF EXISTS meta;"
            )
            self._connection().commit()

    def ready(self) -> bool:
        if not self.path.exists():
            return False
        try:
            with self._cursor() as cursor:
                cursor.execute("SELECT 1 FROM documents LIMIT 1")
            return True
        except StoreError:
            return False

    # --- writing -----------------------------------------------------------------------

    def upsert(self, records: Iterable[IndexRecord]) -> None:
        # Rows are made before the write lock is taken, which is then held for the writes
        # only: other processes of an indexing run are waiting to write theirs.
        forms = [(record, stored_form(record.document)) for record in records]
        rows = [(record, document_row(record, form), value_rows(form)) for record, form in forms]
        with self._transaction() as cursor:
            delete_ids(cursor, [record.document.id for record, _, _ in rows], self.analyzer)
            for record, row, values in rows:
                insert_document(cursor, record, row, values)

    def ensure_segmentation(self, fingerprint: str) -> int:
        with self._transaction() as cursor:
            row = cursor.execute("SELECT value FROM meta WHERE key = 'segmentation'").fetchone()
            count = rebuild_fulltext(cursor, self.analyzer) if row is not None and row[0] != fingerprint else 0
            cursor.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('segmentation', ?)", (fingerprint,))
        return count

    def rebuild(self, build: Callable[[Store], None], settle: Callable[[Store], None] | None = None) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only and cannot be rebuilt")
        if not self.path.is_file():
            raise StoreMissing(self.path)
        new_path = self.path.with_name(self.path.name + ".rebuild")
        with _rebuild_lock(self.path):
            remove_database_file(new_path)  # left by a rebuild that was killed
            self._rebuild_into(new_path, build, settle)

    def _rebuild_into(self, new_path: Path, build: Callable[[Store], None],
                      settle: Callable[[Store], None] | None) -> None:
        target = SQLiteStore(new_path, analyzer=self.analyzer)
        try:
            target.create()
            with self._cursor() as cursor:
                meta = cursor.execute("SELECT key, value FROM meta WHERE key != 'schema_version'").fetchall()
            with target._transaction() as cursor:
                cursor.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta)
            with target.bulk():
                build(target)
            # From the last catch-up to the rename, writers of this file wait at its gate;
            # they then write to the new file (see gate.py).
            with self._gate.closed():
                if settle is not None:
                    settle(target)
                target.optimize()
                if not target.finish_file():
                    raise StoreError(f"the new file {new_path} could not be checkpointed")
                # its last connection closed: no log is left beside it, whatever SQLite did
                remove_database_file(new_path, sidecars_only=True)
                # The log and shared memory beside a database are found by name: the new file
                # must not meet the old one's, whose header says how many pages the file has.
                # The old log is emptied into the old file, then both are unlinked (readers of
                # the old file keep theirs open), then the new file takes the name.
                if not self.finish_file():
                    raise StoreError(f"{self.path} is busy: its write-ahead log could not be emptied")
                remove_database_file(self.path, sidecars_only=True)
                os.replace(new_path, self.path)
        except BaseException:
            target.close()
            remove_database_file(new_path)
            raise
        gate_path(new_path).unlink(missing_ok=True)  # the new file's writers pass this file's gate now

    def finish_file(self, tries: int = 20) -> bool:
        """Everything of the write-ahead log written into the file and the log emptied (a
        reader in the middle of a read can hold that up: tried again a while), and this
        thread's connection closed. Whether the log was emptied."""
        try:
            for _ in range(tries):
                with self._write_lock, self._cursor() as cursor:
                    busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    return True
                time.sleep(0.1)
            return False
        finally:
            self.close()

    def tokens_digests(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        result: dict[str, str] = {}
        with self._cursor() as cursor:
            for chunk in chunks_of(ids, 500):
                result.update(cursor.execute(
                    f"SELECT id, tokens_digest FROM documents WHERE id IN ({marks_for(chunk)})", chunk).fetchall())
        return result

    def delete(self, ids: Iterable[str]) -> None:
        with self._transaction() as cursor:
            delete_ids(cursor, list(ids), self.analyzer)

    def patch(self, updates: dict[str, dict[str, Any]]) -> None:
        if not updates:
            return
        docs = self.get_many(updates.keys(), with_body=False)
        with self._transaction() as cursor:
            for doc_id, fields in updates.items():
                doc = docs.get(doc_id)
                if doc is None:
                    continue
                doc = doc.model_copy(update=fields)
                form = stored_form(doc)
                rowid = cursor.execute(
                    "UPDATE documents SET superseded_on = ?, repealed_on = ?, data = ? WHERE id = ? RETURNING rowid",
                    (form.validity["superseded_on"], form.validity["repealed_on"], document_data(doc), doc_id),
                ).fetchone()[0]
                if "repealed_by" in fields:
                    cursor.execute("DELETE FROM document_values WHERE doc_rowid = ? AND field = 'repealed_by_id'", (rowid,))
                    if form.repealed_by_id:
                        cursor.execute(VALUE_INSERT, (rowid, "repealed_by_id", form.repealed_by_id))

    # --- reading -----------------------------------------------------------------------

    def get_many(self, ids: Iterable[str], with_body: bool = True, with_articles: bool = True) -> dict[str, Document]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        text = ("body, " if with_body else "'', ") + ("articles" if with_body and with_articles else "'[]'")
        result: dict[str, Document] = {}
        with self._cursor() as cursor:
            for chunk in chunks_of(ids, 500):
                rows = cursor.execute(
                    f"SELECT data, {text} FROM documents WHERE id IN ({marks_for(chunk)})", chunk
                ).fetchall()
                for data, body, articles in rows:
                    doc = read_document(data, body, articles)
                    result[doc.id] = doc
        return result

    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        result: dict[str, str] = {}
        with self._cursor() as cursor:
            for chunk in chunks_of(ids, 500):
                result.update(
                    cursor.execute(
                        f"SELECT id, content_hash FROM documents WHERE id IN ({marks_for(chunk)})", chunk
                    ).fetchall()
                )
        return result

    def family_versions(self, family_ids: Iterable[str]) -> dict[str, list[Document]]:
        family_ids = list(dict.fromkeys(family_ids))
        result: dict[str, list[Document]] = {family_id: [] for family_id in family_ids}
        with self._cursor() as cursor:
            for chunk in chunks_of(family_ids, 500):
                rows = cursor.execute(
                    f"SELECT family_id, data FROM documents WHERE family_id IN ({marks_for(chunk)})",
                    chunk,
                ).fetchall()
                for family_id, data in rows:
                    result[family_id].append(read_document(data))
        return result

    def shared_families(self, family_ids: Iterable[str]) -> set[str]:
        shared: set[str] = set()
        with self._cursor() as cursor:
            for chunk in chunks_of(list(dict.fromkeys(family_ids)), 500):
                shared.update(family_id for (family_id,) in cursor.execute(
                    f"SELECT family_id FROM documents WHERE family_id IN ({marks_for(chunk)})"
                    " GROUP BY family_id HAVING count(*) > 1", chunk))
        return shared

    def lookup(self, field: LookupField, values: Iterable[str]) -> dict[str, list[str]]:
        values = list(dict.fromkeys(values))
        result: dict[str, list[str]] = {value: [] for value in values}
        if field == "doc_number_key":
            sql = "SELECT d.doc_number_key, d.id FROM documents d WHERE d.doc_number_key IN ({})"
        else:
            sql = ("SELECT v.value, d.id FROM document_values v JOIN documents d ON d.rowid = v.doc_rowid"
                   f" WHERE v.field = '{field}' AND v.value IN ({{}})")
        with self._cursor() as cursor:
            for chunk in chunks_of(values, 500):
                rows = cursor.execute(sql.format(marks_for(chunk)) + " ORDER BY d.publish_date DESC, d.id", chunk)
                for value, doc_id in rows:
                    result[value].append(doc_id)
        return result

    def suggest(self, prefix_key: str, limit: int) -> list[Document]:
        # a range over the (field, value) index: every value that starts with the prefix
        sql = (
            "SELECT DISTINCT d.data FROM document_values v JOIN documents d ON d.rowid = v.doc_rowid"
            " WHERE v.field = 'suggest' AND v.value >= ? AND v.value < ?"
            " ORDER BY length(d.title), d.publish_date DESC, d.id LIMIT ?"
        )
        with self._cursor() as cursor:
            rows = cursor.execute(sql, (prefix_key, prefix_key + "\U0010ffff", limit)).fetchall()
        return [read_document(data) for (data,) in rows]

    def count(self) -> int:
        with self._cursor() as cursor:
            return cursor.execute("SELECT count(*) FROM documents").fetchone()[0]

    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        with self._cursor() as cursor:
            count = self._frequencies().counter(cursor, "documents_fts")
            return self._frequencies().total(cursor), {word: count(word) for word in dict.fromkeys(words) if word}

    def ids(self) -> list[str]:
        with self._cursor() as cursor:
            return [doc_id for (doc_id,) in cursor.execute("SELECT id FROM documents ORDER BY rowid")]

    def get_meta(self, key: str) -> str | None:
        with self._cursor() as cursor:
            row = cursor.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self._transaction() as cursor:
            if value is None:
                cursor.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                cursor.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- search ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        with self._cursor() as cursor:
            try:
                # a question matches the documents holding its rarer terms; all of them rank it
                matching = rarer_terms(cursor, request, self._frequencies(), "documents_fts",
                                       candidates.DOCUMENT_MATCH_BUDGET, single_characters_last=True)
                source = self._matching_rows(cursor, matching)
                where, params = where_clause(matching, matched=source == MATCHED_ROWS)
                total = cursor.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
                hits = page_hits(cursor, matching, source, where, params) if total else []
                if request.any_terms and hits and not request.doc_number_key:
                    hits = matched_terms(cursor, request, hits)
                facets = {field: facet_counts(cursor, matching, field, source) for field in request.facets}
            finally:
                self._connection().commit()  # ends the read snapshot the temporary table opened
        return SearchResult(total=total, hits=hits, facets=facets)

    def search_articles(self, request: SearchRequest, documents: Mapping[str, Document] | None = None
                        ) -> ArticleResult:
        # the documents are read in the same snapshot as their articles (`documents` unused)
        if not request.has_words:
            return ArticleResult(total=0, hits=[])
        with self._cursor() as cursor:
            try:
                cursor.execute("BEGIN")  # one snapshot: an article found is read, and its document
                total, rows = article_rows(cursor, request, self._frequencies())
                by_rowid = article_documents(cursor, {row[0] for row in rows})
            finally:
                self._connection().commit()
        hits = [ArticleHit(by_rowid[doc_rowid], ordinal, number, headings, text or "", -rank)
                for doc_rowid, ordinal, number, headings, text, rank in rows]
        return ArticleResult(total=total, hits=hits)

    def _frequencies(self) -> TermFrequencies:
        """This thread's cache of term frequencies, made with its connection."""
        self._connection()
        frequencies: TermFrequencies = self._local.frequencies
        return frequencies

    def _matching_rows(self, cursor: sqlite3.Cursor, request: SearchRequest) -> str:
        """Where the count, the page and the facets read from, as `<table> d`.

        With words, the full-text match runs once into a temporary table (per connection,
        so per thread) holding the columns that filters, sorts and facets read: each of
        them then scans that narrow table instead of matching again and looking up every
        matching row in the wide table (at 100,000 documents: 94 ms a search before, 59 after).
        It also makes the answer's parts one consistent snapshot."""
        if request.doc_number_key or not request.has_words:
            return ALL_ROWS
        matched = match_columns()
        columns = ", ".join(matched)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS matched (rowid INTEGER PRIMARY KEY, {columns})")
        cursor.execute("DELETE FROM temp.matched")
        cursor.execute(
            f"INSERT INTO temp.matched SELECT d.rowid, {', '.join('d.' + c for c in matched)}"
            " FROM documents d WHERE d.rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)",
            [match_expression(request)])
        return MATCHED_ROWS


@contextmanager
def _rebuild_lock(path: Path) -> Iterator[None]:
    """One rebuild of a file at a time: a second would remove the first's new file, and the
    first then rename the second's half-written one into place. The lock is a `flock` on
    the database file itself, which SQLite's own (fcntl) locks do not meet, released by the
    system when the process ends, however it ends."""
    with path.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another rebuild of {path} is running") from None
        yield


def remove_database_file(path: Path, sidecars_only: bool = False) -> None:
    """A database file and its write-ahead log and shared-memory files, where they exist
    (and, for the whole file, its writers' gate)."""
    sidecars = [path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    for name in sidecars if sidecars_only else [path, *sidecars, gate_path(path)]:
        name.unlink(missing_ok=True)
