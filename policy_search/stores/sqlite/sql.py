"""Searches as SQL: the WHERE clause of a request, the page of hits, the facet counts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache

from policy_search.candidates import finding_terms, narrows
from policy_search.fields import get_field
from policy_search.ranking import ARTICLE_WEIGHTS, TITLE_WEIGHT, matched_name
from policy_search.schema import STATUS_CONDITIONS, Document, Status, articles_from_spans
from policy_search.store_query import FacetCount, Hit, Scope, SearchRequest, Sort, document_share
from policy_search.stores.sqlite.schema import ARTICLES_PER_DOCUMENT, article_place, article_rowids

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


class TermFrequencies:
    """How many rows of a full-text table hold each word (its FTS5 vocabulary), remembered
    until the file changes: a question looks up some twenty words, 0.1 ms each."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self._version: int | None = None

    def clear(self) -> None:
        """Forget the counts (the connection that reads them is writing)."""
        self._counts.clear()

    def counter(self, cursor: sqlite3.Cursor, table: str) -> Callable[[str], int]:
        """The count of a word's rows in `table`, as the file is now (checked once, here)."""
        # data_version moves when another connection commits (this one's writes call clear)
        version = cursor.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._counts.clear()
            self._version = version
        vocabulary = f"temp.{table}_vocab"
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocabulary} USING fts5vocab(main, {table}, 'row')")

        def count(word: str) -> int:
            key = (table, word)
            if key not in self._counts:
                row = cursor.execute(f"SELECT doc FROM {vocabulary} WHERE term = ?", [word]).fetchone()
                self._counts[key] = row[0] if row else 0
            return self._counts[key]

        return count

    def total(self, cursor: sqlite3.Cursor) -> int:
        """How many documents the file holds (remembered with the counts: call `counter` first)."""
        if ("", "") not in self._counts:
            self._counts[("", "")] = cursor.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self._counts[("", "")]


def rarer_terms(cursor: sqlite3.Cursor, request: SearchRequest, frequencies: TermFrequencies,
                table: str = "articles_fts", budget: int = ARTICLE_MATCH_BUDGET,
                single_characters_last: bool = False) -> SearchRequest:
    """In ANY mode, the request with only the rarer terms that find candidates
    (`candidates.finding_terms` over the rows of `table`)."""
    if not narrows(request):
        return request
    kept = finding_terms(request, frequencies.counter(cursor, table), budget, single_characters_last)
    if kept is None:
        return request
    terms = [request.terms[index] for index in kept]
    return replace(request, terms=terms, expansions={t: e for t, e in request.expansions.items() if t in terms})


def article_rows(cursor: sqlite3.Cursor, request: SearchRequest,
                 frequencies: TermFrequencies) -> tuple[int, list[tuple]]:
    """How many articles match, and the page of them, best BM25 first: (document rowid,
    ordinal, number, headings, text, rank) each. The filters apply to their documents.

    A question's articles holding every term come first where there are enough of them: they
    cover it best (coverage ranks first), and far fewer matches are scored than with any term
    (two common words: ~2,000 articles instead of ~20,000 at 10,000 documents)."""
    narrowed = rarer_terms(cursor, request, frequencies)
    expressions = _expressions(narrowed)
    if request.doc_ids:
        rarer = len(expressions)
        if narrowed.terms != request.terms:  # a document none of whose articles hold a rarer term
            expressions.append(match_expression(replace(request, scope=Scope.ALL)))
        total, ranked = _within_documents(cursor, request, expressions, rarer)
    else:
        for expression in expressions:
            ranked = ranked_articles(cursor, narrowed, expression)
            if len(ranked) >= request.size:
                break
        total = count_articles(cursor, narrowed, expression) if request.with_total else request.offset + len(ranked)
    if not ranked:
        return total, []
    texts = article_texts(cursor, [rowid for rowid, _ in ranked])
    return total, [(*article_place(rowid), *texts[rowid], rank) for rowid, rank in ranked]


def _expressions(request: SearchRequest) -> list[str]:
    """What a request's articles are found by, in turn: in ANY mode those holding every
    term, then those holding any; else every term (and the phrases, exclusions)."""
    expressions = [match_expression(replace(request, scope=Scope.ALL))]
    if request.any_terms and len(request.terms) > 1:
        expressions.insert(0, match_expression(replace(request, scope=Scope.ALL, any_terms=False)))
    return expressions


def _within_documents(cursor: sqlite3.Cursor, request: SearchRequest, expressions: list[str],
                      rarer: int) -> tuple[int, list[tuple[int, float]]]:
    """How many articles match, and (rowid, rank) of the request's page of them, within its
    `doc_ids`: each document its best share (SearchRequest.doc_ids), by the first of
    `expressions` that finds a share of its articles; else by the last of the first `rarer`
    (those of the rarer terms) if it finds any; else by the ones after."""
    matches, params = _article_matches(request)
    sql = _ranked_sql(f"{matches} AND articles_fts.rowid BETWEEN ? AND ?") + " LIMIT ?"
    count = f"SELECT count(*) {matches} AND articles_fts.rowid BETWEEN ? AND ?"
    share = document_share(request)
    total, ranked = 0, []
    for first, last in _article_ranges(cursor, request.doc_ids):
        for place, expression in enumerate(expressions):
            rows = cursor.execute(sql, [*ARTICLE_WEIGHTS, expression, *params, first, last, share]).fetchall()
            if len(rows) >= share or (rows and place >= rarer - 1) or place == len(expressions) - 1:
                break
        ranked += rows
        if request.with_total:
            total += cursor.execute(count, [expression, *params, first, last]).fetchone()[0]
    ranked.sort(key=lambda row: (row[1], row[0]))
    page = ranked[request.offset : request.offset + request.size]
    return (total if request.with_total else request.offset + len(page)), page


def article_texts(cursor: sqlite3.Cursor, rowids: list[int]) -> dict[int, tuple[str, str, str]]:
    """(number, headings, text) of articles by rowid. A file written before article texts
    were copied holds slices of the body instead: each body is read once."""
    rows = cursor.execute(f"SELECT rowid, doc_rowid, number, headings, text, start, end FROM articles"
                          f" WHERE rowid IN ({marks_for(rowids)})", rowids).fetchall()
    sliced = sorted({doc_rowid for _, doc_rowid, _, _, text, _, _ in rows if text is None})
    bodies = dict(cursor.execute(f"SELECT rowid, body FROM documents WHERE rowid IN ({marks_for(sliced)})",
                                 sliced)) if sliced else {}
    return {rowid: (number, headings, text if text is not None else (bodies.get(doc_rowid) or "")[start:end])
            for rowid, doc_rowid, number, headings, text, start, end in rows}


def _article_matches(request: SearchRequest) -> tuple[str, list]:
    """FROM ... WHERE of the articles matching an expression (its `?` first) under the request's filters."""
    filters_only = replace(request, terms=[], phrases=[], expansions={}, doc_number_key=None)
    where, params = where_clause(filters_only)
    if where == "1":  # no filter: the documents need not be read
        return "FROM articles_fts WHERE articles_fts MATCH ?", []
    return (f"FROM articles_fts JOIN documents d ON d.rowid = articles_fts.rowid / {ARTICLES_PER_DOCUMENT}"
            f" WHERE articles_fts MATCH ? AND {where}", params)


def ranked_articles(cursor: sqlite3.Cursor, request: SearchRequest, expression: str) -> list[tuple[int, float]]:
    """(article rowid, BM25 rank) of the request's page of articles matching `expression`
    (within documents: `_within_documents`)."""
    matches, params = _article_matches(request)
    return cursor.execute(_ranked_sql(matches) + " LIMIT ? OFFSET ?",
                          [*ARTICLE_WEIGHTS, expression, *params, request.size, request.offset]).fetchall()


def _ranked_sql(matches: str) -> str:
    """(rowid, BM25 rank) of the articles of `matches` (FROM ... WHERE), best first."""
    return f"SELECT articles_fts.rowid, bm25(articles_fts, ?, ?, ?) AS rank {matches} ORDER BY rank, articles_fts.rowid"


def _article_ranges(cursor: sqlite3.Cursor, doc_ids: tuple[str, ...]) -> list[tuple[int, int]]:
    """The rowid range of each document's articles (an FTS5 lookup without a scan)."""
    rowids = cursor.execute(f"SELECT rowid FROM documents WHERE id IN ({marks_for(list(doc_ids))})", list(doc_ids))
    return [article_rowids(rowid) for (rowid,) in rowids]


def count_articles(cursor: sqlite3.Cursor, request: SearchRequest, expression: str) -> int:
    matches, params = _article_matches(request)
    return cursor.execute(f"SELECT count(*) {matches}", [expression, *params]).fetchone()[0]


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
    page = json.dumps(list(rowids))
    for index in range(len(request.terms)):
        for expansion, expression in ((False, term_expression(request, index, expansions=False)),
                                      (True, expansion_expression(request, index))):
            if expression is None:
                continue
            if request.scope is Scope.TITLE:
                expression = f"{{title}} : ({expression})"
            # every match, intersected with the hits by SQLite: FTS5 does not look rowids IN a
            # list up (3 ms a term for 100 rowids), and a loop here over the matches of a
            # common term took twice as long (0.7 ms)
            for (rowid,) in cursor.execute(
                    "SELECT hit.value FROM json_each(?) AS hit WHERE hit.value IN"
                    " (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)", [page, expression]):
                held[rowids[rowid]].add(matched_name(index, expansion))
    return [replace(hit, matched=frozenset(held[hit.document.id])) for hit in hits]


def read_document(data: str, body: str = "", articles: str = "[]") -> Document:
    """A stored document: its fields (`data`), with its text where read."""
    doc = parsed_document(data)
    if not body and articles == "[]":
        return doc
    spans = articles_from_spans(body, json.loads(articles)) if articles != "[]" else []
    return doc.model_copy(update={"body": body, "articles": spans})


@lru_cache(maxsize=8192)
def parsed_document(data: str) -> Document:
    """The document whose fields are `data`, parsed once: a question reads some 180
    documents' fields (14 µs each to parse), mostly the same ones again. Keyed by the fields
    themselves, so a changed document is parsed anew. Shared: never changed in place (copies
    are made with `model_copy`)."""
    return Document.model_validate_json(data)


def marks_for(values: list) -> str:
    return ", ".join("?" for _ in values)


def chunks_of(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


