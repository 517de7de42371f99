"""Searches as SQL: the WHERE clause of a request, the page of hits, the facet counts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from policy_search.fields import get_field
from policy_search.ranking import ARTICLE_WEIGHTS, TITLE_WEIGHT, matched_name
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
    # Every word (or a statutory word it stands for) and phrase must occur (implicit AND),
    # or in ANY mode one of the words at least; quoting keeps FTS5 from reading operators
    # in what users typed.
    terms = [term_expression(request, index) for index in range(len(request.terms))]
    phrases = [phrase(p) for p in request.phrases]
    if request.any_terms and len(terms) > 1:
        expression = " AND ".join(["(" + " OR ".join(terms) + ")", *phrases])
    else:
        expression = " AND ".join([*terms, *phrases])
    return f"{{title}} : ({expression})" if request.scope is Scope.TITLE else expression


def term_expression(request: SearchRequest, index: int, expansions: bool = True) -> str:
    """Term `index`, or any statutory word it stands for (all of its terms)."""
    alternatives = request.alternatives(index) if expansions else request.alternatives(index)[:1]
    parts = [" AND ".join(phrase([word]) for word in words) for words in alternatives]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(f"({part})" for part in parts) + ")"


def expansion_expression(request: SearchRequest, index: int) -> str | None:
    """The statutory words term `index` stands for, without the term (None: none)."""
    parts = [" AND ".join(phrase([word]) for word in words) for words in request.alternatives(index)[1:]]
    return " OR ".join(f"({part})" for part in parts) if parts else None


def phrase(tokens: list[str]) -> str:
    return '"' + " ".join(token.replace('"', '""') for token in tokens) + '"'


# A question's candidate articles are those holding its rarer terms, up to about this many
# matches: BM25 costs FTS5 ~5 µs a match, and a common term (经济: 9,314 articles of the corpus)
# adds little to BM25 and nothing to what the rarer ones find. Every term still counts in
# ranking (`ranking.coverage`).
ARTICLE_MATCH_BUDGET = 5000


def rarer_terms(cursor: sqlite3.Cursor, request: SearchRequest) -> SearchRequest:
    """In ANY mode, the request with only the rarer terms that find candidates: in order of
    how many articles hold them, while the matches stay within ARTICLE_MATCH_BUDGET (the two
    rarest always)."""
    if not request.any_terms or len(request.terms) <= 2:
        return request
    cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_vocab USING fts5vocab(main, articles_fts, 'row')")

    def frequency(words: list[str]) -> int:
        counts = [(cursor.execute("SELECT doc FROM temp.articles_vocab WHERE term = ?", [word]).fetchone() or (0,))[0]
                  for word in words]
        return min(counts)

    held = []
    for index in range(len(request.terms)):
        count = sum(frequency(words) for words in request.alternatives(index))
        if count:
            held.append((count, index))
    kept: list[int] = []
    matches = 0
    for count, index in sorted(held):
        if len(kept) >= 2 and matches + count > ARTICLE_MATCH_BUDGET:
            break
        kept.append(index)
        matches += count
    terms = [request.terms[index] for index in sorted(kept)] or request.terms[:1]
    return replace(request, terms=terms, expansions={t: e for t, e in request.expansions.items() if t in terms})


def article_rows(cursor: sqlite3.Cursor, request: SearchRequest) -> tuple[int, list[tuple]]:
    """How many articles match, and the page of them, best BM25 first: (document rowid,
    ordinal, number, headings, text, rank) each. The filters apply to their documents."""
    request = rarer_terms(cursor, request)
    filters_only = replace(request, terms=[], phrases=[], expansions={}, doc_number_key=None)
    where, params = where_clause(filters_only)
    if request.doc_ids:
        where += f" AND d.id IN ({marks_for(list(request.doc_ids))})"
        params = [*params, *request.doc_ids]
    matches = ("FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
               f" JOIN documents d ON d.rowid = a.doc_rowid WHERE articles_fts MATCH ? AND {where}")
    total = 0
    if request.any_terms and len(request.terms) > 1:
        # The articles holding every term, where there are enough of them: they cover the
        # question best (coverage ranks first), and far fewer matches are scored than with
        # any term (two common words: ~2,000 articles instead of ~20,000 at 10,000 documents).
        expression = match_expression(replace(request, scope=Scope.ALL, any_terms=False))
        total = cursor.execute(f"SELECT count(*) {matches}", [expression, *params]).fetchone()[0]
    if total < request.offset + request.size:
        expression = match_expression(replace(request, scope=Scope.ALL))
        total = cursor.execute(f"SELECT count(*) {matches}", [expression, *params]).fetchone()[0]
    if not total:
        return 0, []
    # the text as a slice of the body (substr counts characters, from 1), not the whole body
    text = "coalesce(a.text, substr(d.body, a.start + 1, a.end - a.start))"
    sql = (f"SELECT a.doc_rowid, a.ordinal, a.number, a.headings, {text}, bm25(articles_fts, ?, ?, ?) AS rank"
           f" {matches} ORDER BY rank, a.doc_rowid, a.ordinal LIMIT ? OFFSET ?")
    rows = cursor.execute(sql, [*ARTICLE_WEIGHTS, expression, *params, request.size, request.offset]).fetchall()
    return total, rows


def article_documents(cursor: sqlite3.Cursor, rowids: set[int]) -> dict[int, Document]:
    """The documents of found articles, without text, by rowid."""
    result: dict[int, Document] = {}
    for chunk in chunks_of(sorted(rowids), 500):
        rows = cursor.execute(f"SELECT rowid, data FROM documents WHERE rowid IN ({marks_for(chunk)})", chunk)
        result.update((rowid, read_document(data)) for rowid, data in rows)
    return result


def matched_terms(cursor: sqlite3.Cursor, request: SearchRequest, hits: list[Hit]) -> list[Hit]:
    """The hits, each with the terms it holds (ANY mode: `Hit.matched`)."""
    ids = [hit.document.id for hit in hits]
    rowids = dict(cursor.execute(f"SELECT rowid, id FROM documents WHERE id IN ({marks_for(ids)})", ids).fetchall())
    held: dict[str, set[str]] = {doc_id: set() for doc_id in ids}
    for index in range(len(request.terms)):
        for expansion, expression in ((False, term_expression(request, index, expansions=False)),
                                      (True, expansion_expression(request, index))):
            if expression is None:
                continue
            if request.scope is Scope.TITLE:
                expression = f"{{title}} : ({expression})"
            # every match, intersected here: FTS5 does not look rowids IN a list up (3 ms a
            # term for 100 rowids, 0.3 ms for all the matches of a common one)
            for (rowid,) in cursor.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", [expression]):
                if rowid in rowids:
                    held[rowids[rowid]].add(matched_name(index, expansion))
    return [replace(hit, matched=frozenset(held[hit.document.id])) for hit in hits]


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


