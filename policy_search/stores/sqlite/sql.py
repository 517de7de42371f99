"""Searches as SQL: the WHERE clause of a request, the page of hits, the facet counts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date

from policy_search.fields import get_field
from policy_search.ranking import TITLE_WEIGHT
from policy_search.schema import STATUS_CONDITIONS, Document, Status, articles_from_spans
from policy_search.store_query import FacetCount, Hit, Scope, SearchRequest, Sort

# What a search reads from, aliased `d` either way: every document, or its matches.
ALL_ROWS = "documents d"
MATCHED_ROWS = "temp.matched d"
# BM25 weights of the FTS columns (title, body)
BM25_WEIGHTS = (TITLE_WEIGHT, 1.0)


def where_clause(request: SearchRequest, without: str | None = None, matched: bool = False) -> tuple[str, list]:
    """The WHERE clause of a request, leaving out the filter on field `without`; with
    `matched`, for reading the matches table, where the words need no clause."""
    clauses: list[str] = []
    params: list = []
    if request.doc_number_key:
        clauses.append("d.doc_number_key = ?")
        params.append(request.doc_number_key)
    elif request.has_words and not matched:
        clauses.append("d.rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(match_expression(request))
    if request.excluded and not request.doc_number_key:
        clauses.append("d.rowid NOT IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(" OR ".join(phrase(tokens) for tokens in request.excluded))
    for field, values in request.filters.items():
        if field == without or not values:
            continue
        if field == "status":
            parts = [status_sql(Status(value), request.valid_on) for value in values]
            clauses.append("(" + " OR ".join(sql for sql, _ in parts) + ")")
            params.extend(arg for _, args in parts for arg in args)
        elif get_field(field).multi:
            clauses.append(
                "d.rowid IN (SELECT doc_rowid FROM document_values"
                f" WHERE field = ? AND value IN ({marks_for(values)}))"
            )
            params.extend([field, *values])
        else:
            clauses.append(f"d.{get_field(field).name} IN ({marks_for(values)})")
            params.extend(values)
    if request.date_from:
        clauses.append("d.publish_date >= ?")
        params.append(request.date_from.isoformat())
    if request.date_to:
        clauses.append("d.publish_date <= ?")
        params.append(request.date_to.isoformat())
    if request.current:
        sql, args = status_sql(Status.IN_FORCE, request.valid_on)
        clauses.append(sql)
        params.extend(args)
    return (" AND ".join(clauses) or "1"), params


def page_hits(cursor: sqlite3.Cursor, request: SearchRequest, source: str, where: str,
          params: list) -> list[Hit]:
    body = "d.body" if request.with_body else "''"
    # The page is chosen on row ids and sort keys only, then its rows are read: sorting
    # thousands of matches with their JSON in tow costs more than the ranking itself.
    if request.has_words and request.sort is Sort.RELEVANCE and not request.doc_number_key:
        sql = (
            f"SELECT d.data, {body}, page.rank FROM ("
            " SELECT d.rowid AS rowid, bm25(documents_fts, ?, ?) AS rank, d.publish_date AS published, d.id AS id"
            f" FROM documents_fts JOIN {source} ON d.rowid = documents_fts.rowid"
            f" WHERE documents_fts MATCH ? AND {where}"
            " ORDER BY rank, published IS NULL, published DESC, id LIMIT ? OFFSET ?"
            ") AS page JOIN documents d ON d.rowid = page.rowid"
            " ORDER BY page.rank, page.published IS NULL, page.published DESC, page.id"
        )
        args = [*BM25_WEIGHTS, match_expression(request), *params, request.size, request.offset]
        return [Hit(read_document(data, body), -rank) for data, body, rank in cursor.execute(sql, args)]
    # NULLs sort lowest in SQLite, so DESC puts undated documents last, as an index can.
    order = {
        Sort.DATE: "d.publish_date DESC, d.id",
        Sort.RELEVANCE: "d.publish_date DESC, d.id",
        Sort.DATE_ASC: "d.publish_date IS NULL, d.publish_date ASC, d.id",
        Sort.EFFECTIVE: "d.effective_date IS NULL, d.effective_date DESC, d.id",
    }[request.sort]
    sql = (
        f"SELECT d.data, {body} FROM (SELECT d.rowid AS rowid FROM {source} WHERE {where}"
        f" ORDER BY {order} LIMIT ? OFFSET ?) AS page JOIN documents d ON d.rowid = page.rowid ORDER BY {order}"
    )
    rows = cursor.execute(sql, [*params, request.size, request.offset])
    return [Hit(read_document(data, body), None) for data, body in rows]


def facet_counts(cursor: sqlite3.Cursor, request: SearchRequest, field: str,
           source: str = ALL_ROWS) -> list[FacetCount]:
    where, params = where_clause(request, without=field, matched=source == MATCHED_ROWS)
    if field == "status":
        cases = []
        case_params: list = []
        for status in STATUS_CONDITIONS:
            sql, args = status_sql(status, request.valid_on)
            cases.append(f"WHEN {sql} THEN '{status.value}'")
            case_params.extend(args)
        sql = (
            f"SELECT CASE {' '.join(cases)} END AS value, count(*) AS n FROM {source}"
            f" WHERE {where} GROUP BY value"
        )
        params = [*case_params, *params]
    elif get_field(field).multi:
        # a subquery (answered from the indexes) rather than a join to the wide rows
        restricted = where != "1" or source != ALL_ROWS
        restrict = f" AND v.doc_rowid IN (SELECT d.rowid FROM {source} WHERE {where})" if restricted else ""
        sql = f"SELECT v.value, count(*) AS n FROM document_values v WHERE v.field = ?{restrict} GROUP BY v.value"
        params = [field, *params]
    else:
        column = get_field(field).name
        sql = (
            f"SELECT d.{column} AS value, count(*) AS n FROM {source}"
            f" WHERE d.{column} IS NOT NULL AND {where} GROUP BY value"
        )
    sql += " ORDER BY n DESC, value LIMIT ?"
    rows = cursor.execute(sql, [*params, request.facet_size]).fetchall()
    return [FacetCount(value, n) for value, n in rows if value is not None]


def status_sql(status: Status, day: date) -> tuple[str, list[str]]:
    """SQL that holds for documents whose status on `day` is `status`, and its parameters."""
    conditions = STATUS_CONDITIONS[status]
    sql = " AND ".join(f"d.{field} {op} ?" for field, op in conditions)
    return f"({sql})", [day.isoformat()] * len(conditions)


def match_expression(request: SearchRequest) -> str:
    # Every word and phrase must occur (implicit AND); quoting keeps FTS5 from reading
    # operators in what users typed.
    expression = " ".join([phrase([term]) for term in request.terms] + [phrase(p) for p in request.phrases])
    return f"{{title}} : ({expression})" if request.scope is Scope.TITLE else expression


def phrase(tokens: list[str]) -> str:
    return '"' + " ".join(token.replace('"', '""') for token in tokens) + '"'


def read_document(data: str, body: str = "", articles: str = "[]") -> Document:
    doc = Document.model_validate_json(data)
    doc.body = body
    if articles != "[]":
        doc.articles = articles_from_spans(body, json.loads(articles))
    return doc


def marks_for(values: list) -> str:
    return ", ".join("?" for _ in values)


def chunks_of(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


