"""The embedded store's file: its tables, built from the filter fields, and its version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from policy_search.fields import stored_fields
from policy_search.schema import VALIDITY_FIELDS
from policy_search.stores.base import StoreError

SCHEMA_VERSION = 5
# An article's rowid is its document's times this plus its place: known before it is
# written, so that a document's articles and their tokens go in with one statement each,
# and a document's articles are one rowid range, which FTS5 looks up without a scan.
ARTICLES_PER_DOCUMENT = 1 << 16


def article_rowid(doc_rowid: int, ordinal: int) -> int:
    return doc_rowid * ARTICLES_PER_DOCUMENT + ordinal


def article_rowids(doc_rowid: int) -> tuple[int, int]:
    """The first and last rowid a document's articles can have."""
    return article_rowid(doc_rowid, 0), article_rowid(doc_rowid, ARTICLES_PER_DOCUMENT - 1)


def article_place(rowid: int) -> tuple[int, int]:
    """(document rowid, ordinal) of an article's rowid."""
    return divmod(rowid, ARTICLES_PER_DOCUMENT)


# {field_columns}: a column for each single-valued filter field (fields.FIELDS); see _schema_sql
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    doc_number TEXT,
    doc_number_key TEXT,
    family_id TEXT NOT NULL,
    {field_columns}
    publish_date TEXT,
    effective_date TEXT,
    valid_from TEXT NOT NULL,
    superseded_on TEXT NOT NULL,
    repealed_on TEXT NOT NULL,
    expired_on TEXT NOT NULL,
    content_hash TEXT,
    tokens_digest TEXT NOT NULL,
    data TEXT NOT NULL,
    body TEXT NOT NULL,
    articles TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS documents_family ON documents (family_id);
CREATE INDEX IF NOT EXISTS documents_doc_number ON documents (doc_number_key);
CREATE INDEX IF NOT EXISTS documents_newest ON documents (publish_date DESC, id);
-- Every column that filters and facets read: counting a facet over the whole collection
-- scans this index instead of the table's wide rows (bodies).
CREATE INDEX IF NOT EXISTS documents_facets ON documents (
    {field_list}, publish_date, valid_from, superseded_on, repealed_on, expired_on
);
CREATE TABLE IF NOT EXISTS document_values (
    doc_rowid INTEGER NOT NULL REFERENCES documents (rowid) ON DELETE CASCADE,
    field TEXT NOT NULL,
    value TEXT NOT NULL
);
-- covering: a facet over few matching documents reads their values straight from the index
CREATE INDEX IF NOT EXISTS document_values_doc_field ON document_values (doc_rowid, field, value);
DROP INDEX IF EXISTS document_values_doc;
CREATE INDEX IF NOT EXISTS document_values_field ON document_values (field, value);
-- Contentless: the index of the tokens without a copy of them (half the file, and less to
-- write). Deleting a row takes its tokens back: the stored title and body segmented again.
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5 (
    title, body, tokenize = "ascii", content = ''
);
-- Articles as units of search (policy_search.articles): where each stands in its document.
-- Their text is `text`: the slice [start, end) of the document's body, or for an article
-- the body does not hold as it is, its own (start and end NULL). Files written before texts
-- were copied hold NULL for slices: read from the body.
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY,
    doc_rowid INTEGER NOT NULL REFERENCES documents (rowid) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    number TEXT NOT NULL,
    headings TEXT NOT NULL,
    start INTEGER,
    end INTEGER,
    text TEXT
);
CREATE INDEX IF NOT EXISTS articles_doc ON articles (doc_rowid, ordinal);
-- Contentless too: an article's tokens are made again from its document's stored text.
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, headings, text, tokenize = "ascii", content = ''
);
-- FTS5 gathers a transaction's tokens in memory and writes them out as a segment when they
-- pass `hashsize` (1 MB by default): a batch of laws made dozens of small segments, each
-- merged again later. 8 MB makes a few large ones: 15 % less time writing the corpus.
-- A setting of the table (kept in its _config), so a file made earlier takes it too; set
-- only where it differs, as every run and write creates the schema (a change of a table's
-- setting makes every reader load its settings again).
{fulltext_settings}
"""

# The memory each full-text table's pending tokens take in a writing connection.
FULLTEXT_HASH_BYTES = 8 << 20



def field_columns() -> list[str]:
    """The columns of `documents` holding a filter field each: the single-valued fields,
    named as the fields are (those of several values are rows of `document_values`)."""
    return [field.name for field in stored_fields(multi=False)]


def schema_sql() -> str:
    columns = field_columns()
    return _SCHEMA.format(field_columns="".join(f"{c} TEXT,\n    " for c in columns).rstrip(),
                          field_list=", ".join(columns), fulltext_settings=_fulltext_settings_sql())


def _fulltext_settings_sql() -> str:
    return "\n".join(
        f"INSERT INTO {table} ({table}, rank) SELECT 'hashsize', {FULLTEXT_HASH_BYTES} WHERE NOT EXISTS"
        f" (SELECT 1 FROM {table}_config WHERE k = 'hashsize' AND v = {FULLTEXT_HASH_BYTES});"
        for table in ("documents_fts", "articles_fts"))


def match_columns() -> list[str]:
    """The columns of `documents` that filters, sorts and facets read: a search's matches
    are copied with them into a temporary table (see `_matching_rows`)."""
    return ["id", *field_columns(), "publish_date", "effective_date", *VALIDITY_FIELDS]



def schema_version(connection: sqlite3.Connection) -> int | None:
    """The schema version an existing index file was written with (None for a new file)."""
    if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
        return None
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def check_database(path: Path) -> None:
    """Raise StoreError when `path` exists but is not an SQLite database."""
    if path.exists() and path.stat().st_size:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise StoreError(f"{path} is not an SQLite database")
