"""Writing documents to the embedded store: their rows, their tokens in the full-text
index, and taking those back (the full-text table is contentless: see the store)."""

from __future__ import annotations

import sqlite3

from analyzers import Analyzer
from policy_search.fields import stored_fields
from policy_search.schema import VALIDITY_FIELDS, Document
from policy_search.stores.base import IndexRecord, document_tokens, tokens_digest, warn_resegmenting
from policy_search.stores.sqlite.schema import field_columns
from policy_search.stores.sqlite.sql import chunks_of, marks_for
from policy_search.stores.stored import StoredForm

# Text comes as UTF-8 bytes (see IndexRecord), which SQLite would bind as blobs: cast to
# text, which takes them as they are.
FULLTEXT_INSERT = "INSERT INTO documents_fts (rowid, title, body) VALUES (?, CAST(? AS TEXT), CAST(? AS TEXT))"
FULLTEXT_DELETE = ("INSERT INTO documents_fts (documents_fts, rowid, title, body)"
                   " VALUES ('delete', ?, CAST(? AS TEXT), CAST(? AS TEXT))")
VALUE_INSERT = "INSERT INTO document_values (doc_rowid, field, value) VALUES (?, ?, ?)"


def document_insert_sql() -> str:
    columns = ["id", "title", "doc_number", "doc_number_key", "family_id", *field_columns(), "publish_date",
               "effective_date", *VALIDITY_FIELDS, "content_hash", "tokens_digest", "data", "body", "articles"]
    marks = ["?"] * len(columns)
    marks[columns.index("body")] = "CAST(? AS TEXT)"
    return f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join(marks)})"


def document_row(record: IndexRecord, form: StoredForm) -> tuple:
    """The `documents` row of a record (the order of `document_insert_sql`'s columns)."""
    return (
        form.id, form.title, form.doc_number, form.doc_number_key, form.family_id,
        *(values[0] if (values := form.values[name]) else None for name in field_columns()),
        form.publish_date, form.effective_date, *(form.validity[name] for name in VALIDITY_FIELDS),
        record.content_hash, record.tokens_digest, document_data(record.document), record.body, record.article_spans_json,
    )


def value_rows(form: StoredForm) -> list[tuple[str, str]]:
    """(field, value) of a document's multi-valued filter fields and lookup keys."""
    values = {field.name: form.values[field.name] for field in stored_fields(multi=True)}
    values["link_keys"] = form.link_keys
    values["interprets_key"] = [form.interprets_key] if form.interprets_key else []
    values["suggest"] = form.suggest_keys
    return [(field, value) for field, items in values.items() for value in dict.fromkeys(items)]


def document_data(doc: Document) -> str:
    return doc.model_dump_json(exclude={"body", "articles"})


def delete_ids(cursor: sqlite3.Cursor, ids: list[str], analyzer: Analyzer) -> None:
    rows = []
    for chunk in chunks_of(ids, 500):
        rows += cursor.execute(
            f"SELECT rowid, title, body, tokens_digest FROM documents WHERE id IN ({marks_for(chunk)})", chunk
        ).fetchall()
    rebuilt = False
    for rowid, title, body, digest in rows:
        cursor.execute("DELETE FROM document_values WHERE doc_rowid = ?", (rowid,))
        cursor.execute("DELETE FROM documents WHERE rowid = ?", (rowid,))
        tokens = document_tokens(analyzer, title, body)
        if rebuilt or tokens_digest(*tokens) == digest:
            cursor.execute(FULLTEXT_DELETE, (rowid, *tokens))
        else:
            # The text no longer segments into the tokens indexed for it (another
            # dictionary or jieba version): those tokens cannot be taken back one
            # document at a time, so the full-text index is made again from the text
            # of the documents that remain, the rest of `rows` among them.
            rebuild_fulltext(cursor, analyzer)
            rebuilt = True


def rebuild_fulltext(cursor: sqlite3.Cursor, analyzer: Analyzer) -> int:
    count = cursor.execute("SELECT count(*) FROM documents").fetchone()[0]
    warn_resegmenting(count)
    cursor.execute("INSERT INTO documents_fts (documents_fts) VALUES ('delete-all')")
    last = 0
    while rows := cursor.execute(
            "SELECT rowid, title, body FROM documents WHERE rowid > ? ORDER BY rowid LIMIT 500", (last,)).fetchall():
        for rowid, title, body in rows:
            tokens = document_tokens(analyzer, title, body)
            cursor.execute(FULLTEXT_INSERT, (rowid, *tokens))
            cursor.execute("UPDATE documents SET tokens_digest = ? WHERE rowid = ?", (tokens_digest(*tokens), rowid))
        last = rows[-1][0]
    return count
