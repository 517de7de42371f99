"""Writing documents to the embedded store: their rows, their tokens in the full-text
index, and taking those back (the full-text table is contentless: see the store)."""

from __future__ import annotations

import json
import sqlite3

from analyzers import Analyzer
from policy_search.fields import stored_fields
from policy_search.schema import VALIDITY_FIELDS, Document
from policy_search.stores.base import (
    ArticleTokens,
    DocumentTokens,
    IndexRecord,
    document_tokens,
    tokens_digest,
    warn_resegmenting,
)
from policy_search.stores.sqlite.schema import ARTICLES_PER_DOCUMENT, article_rowid, field_columns
from policy_search.stores.sqlite.sql import chunks_of, marks_for
from policy_search.stores.stored import StoredForm

# Text comes as UTF-8 bytes (see IndexRecord), which SQLite would bind as blobs: cast to
# text, which takes them as they are.
FULLTEXT_INSERT = "INSERT INTO documents_fts (rowid, title, body) VALUES (?, CAST(? AS TEXT), CAST(? AS TEXT))"
FULLTEXT_DELETE = ("INSERT INTO documents_fts (documents_fts, rowid, title, body)"
                   " VALUES ('delete', ?, CAST(? AS TEXT), CAST(? AS TEXT))")
VALUE_INSERT = "INSERT INTO document_values (doc_rowid, field, value) VALUES (?, ?, ?)"
ARTICLE_INSERT = ("INSERT INTO articles (rowid, doc_rowid, ordinal, number, headings, start, end, text)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
ARTICLE_FULLTEXT_INSERT = ("INSERT INTO articles_fts (rowid, title, headings, text)"
                           " VALUES (?, CAST(? AS TEXT), ?, CAST(? AS TEXT))")
ARTICLE_FULLTEXT_DELETE = ("INSERT INTO articles_fts (articles_fts, rowid, title, headings, text)"
                           " VALUES ('delete', ?, CAST(? AS TEXT), ?, CAST(? AS TEXT))")


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
    values["repeals_keys"] = form.repeals_keys
    values["repealed_by_id"] = [form.repealed_by_id] if form.repealed_by_id else []
    values["suggest"] = form.suggest_keys
    return [(field, value) for field, items in values.items() for value in dict.fromkeys(items)]


def document_data(doc: Document) -> str:
    return doc.model_dump_json(exclude={"body", "articles"})


def insert_document(cursor: sqlite3.Cursor, record: IndexRecord, row: tuple, values: list[tuple[str, str]]) -> None:
    """A document's row, its filter values, its tokens and its articles."""
    cursor.execute(document_insert_sql(), row)
    rowid = cursor.lastrowid
    cursor.executemany(VALUE_INSERT, [(rowid, field, value) for field, value in values])
    cursor.execute(FULLTEXT_INSERT, (rowid, record.title_tokens, record.body_tokens))
    spans = json.loads(record.article_spans_json)
    body = record.body.decode("utf-8") if spans else ""
    insert_articles(cursor, rowid, record.title_tokens, record.body_tokens, record.articles, spans, body)


def insert_articles(cursor: sqlite3.Cursor, doc_rowid: int | None, title_tokens: bytes, body_tokens: bytes,
                    articles: list[ArticleTokens], spans: list, body: str) -> None:
    """A document's articles, each with its text: a slice of the body (spans of three) is
    written out too, so that a question reads its 150 candidates' texts and not the bodies
    they are in (50 laws' bodies decoded took 2 ms a question; the file grows by a third)."""
    assert doc_rowid is not None
    articles = articles[:ARTICLES_PER_DOCUMENT]
    rowids = [article_rowid(doc_rowid, ordinal) for ordinal in range(len(articles))]
    cursor.executemany(ARTICLE_INSERT, [
        (rowid, doc_rowid, ordinal, article.number, article.headings,
         *((span[1], span[2], body[span[1]:span[2]]) if len(span) == 3 else (None, None, span[1])))
        for ordinal, (rowid, article, span) in enumerate(zip(rowids, articles, spans, strict=True))])
    cursor.executemany(ARTICLE_FULLTEXT_INSERT, [
        (rowid, title_tokens, article.heading_tokens, article.token_bytes(body_tokens))
        for rowid, article in zip(rowids, articles, strict=True)])


def stored_tokens(analyzer: Analyzer, title: str, body: str, spans_json: str) -> DocumentTokens:
    """A stored document's tokens, made again from its text (to take them back)."""
    return document_tokens(analyzer, title, body, [tuple(span) for span in json.loads(spans_json)])


def delete_ids(cursor: sqlite3.Cursor, ids: list[str], analyzer: Analyzer) -> None:
    rows = []
    for chunk in chunks_of(ids, 500):
        rows += cursor.execute(
            f"SELECT rowid, title, body, articles, tokens_digest FROM documents WHERE id IN ({marks_for(chunk)})",
            chunk,
        ).fetchall()
    rebuilt = False
    for rowid, title, body, spans_json, digest in rows:
        tokens = stored_tokens(analyzer, title, body, spans_json)
        cursor.execute("DELETE FROM document_values WHERE doc_rowid = ?", (rowid,))
        cursor.execute("DELETE FROM articles WHERE doc_rowid = ?", (rowid,))
        cursor.execute("DELETE FROM documents WHERE rowid = ?", (rowid,))
        if rebuilt or tokens_digest(tokens.title, tokens.body) == digest:
            cursor.execute(FULLTEXT_DELETE, (rowid, tokens.title, tokens.body))
            cursor.executemany(ARTICLE_FULLTEXT_DELETE, [
                (article_rowid(rowid, ordinal), tokens.title, article.heading_tokens, article.token_bytes(tokens.body))
                for ordinal, article in enumerate(tokens.articles[:ARTICLES_PER_DOCUMENT])])
        else:
            # The text no longer segments into the tokens indexed for it (another
            # dictionary or jieba version): those tokens cannot be taken back one
            # document at a time, so the full-text index is made again from the text
            # of the documents that remain, the rest of `rows` among them.
            rebuild_fulltext(cursor, analyzer)
            rebuilt = True


def rebuild_fulltext(cursor: sqlite3.Cursor, analyzer: Analyzer) -> int:
    """Both full-text indexes made again from the stored text (segmentation changed)."""
    count = cursor.execute("SELECT count(*) FROM documents").fetchone()[0]
    warn_resegmenting(count)
    cursor.execute("INSERT INTO documents_fts (documents_fts) VALUES ('delete-all')")
    cursor.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    cursor.execute("DELETE FROM articles")
    last = 0
    while rows := cursor.execute(
            "SELECT rowid, title, body, articles FROM documents WHERE rowid > ? ORDER BY rowid LIMIT 500",
            (last,)).fetchall():
        for rowid, title, body, spans_json in rows:
            tokens = stored_tokens(analyzer, title, body, spans_json)
            cursor.execute(FULLTEXT_INSERT, (rowid, tokens.title, tokens.body))
            insert_articles(cursor, rowid, tokens.title, tokens.body, tokens.articles, json.loads(spans_json), body)
            cursor.execute("UPDATE documents SET tokens_digest = ? WHERE rowid = ?",
                           (tokens_digest(tokens.title, tokens.body), rowid))
        last = rows[-1][0]
    return count
