"""Searching a store and shaping the answer: shared by the HTTP API and the CLI."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Any

from analyzers import Analyzer, shipped_analyzer
from analyzers.highlight import highlight, snippet
from analyzers.query import parse_query, question_terms, statutory_expansions
from policy_search.articles import ARTICLE_WINDOW, ArticleHit, search_articles
from policy_search.fields import default_facets, facet_label, field_names, get_field
from policy_search.ranking import RERANK_WINDOW, rerank
from policy_search.schema import public_fields
from policy_search.store_query import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_RESULT_WINDOW,
    Hit,
    Scope,
    SearchRequest,
    SearchResult,
    Sort,
)
from policy_search.stores import Store

SNIPPET_LENGTH = 120


class InvalidRequest(ValueError):
    """A parameter users gave is not acceptable; the message says which and why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def make_request(
    q: str = "",
    *,
    page: int = 1,
    size: int = 10,
    sort: str | None = None,
    filters: dict[str, list[str]] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    valid_on: date | None = None,
    current: bool = False,
    facets: str | list[str] | None = None,
    field: str | None = None,
    analyzer: Analyzer | None = None,
) -> SearchRequest:
    """Validate what a user asked for and turn it into a store request. `analyzer`: the
    one the store was written with (`store.analyzer`; default: the shipped one)."""
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidRequest("q", f"the query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
    if page < 1:
        raise InvalidRequest("page", "pages start at 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest("size", f"size must be between 1 and {MAX_PAGE_SIZE}")
    if page * size > MAX_RESULT_WINDOW:
        raise InvalidRequest("page", f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged to; narrow the query")
    try:
        sort_order = Sort(sort) if sort else (Sort.RELEVANCE if q else Sort.DATE)
    except ValueError:
        raise InvalidRequest("sort", f"unknown sort {sort!r}; use one of {', '.join(s.value for s in Sort)}") from None
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest("date_from", "date_from is after date_to")
    clean_filters: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name not in field_names():
            raise InvalidRequest(name, "not a filter field")
        values = [v.strip() for v in values if v and v.strip()]
        choices = get_field(name).choices
        allowed = {choice.value for choice in choices} if choices else None
        for value in values:
            if allowed and value not in allowed:
                raise InvalidRequest(name, f"unknown value {value!r}; use one of {', '.join(sorted(allowed))}")
        if values:
            clean_filters[name] = list(dict.fromkeys(values))
    facet_fields = _facet_fields(facets)
    try:
        scope = Scope(field or "all")
    except ValueError:
        raise InvalidRequest("field", f"unknown field {field!r}; use one of {', '.join(s.value for s in Scope)}") from None
    analyzer = analyzer or shipped_analyzer()
    parsed = parse_query(q, analyzer)
    return SearchRequest(
        terms=parsed.terms,
        text=parsed.text,
        phrases=parsed.phrases,
        excluded=parsed.excluded,
        scope=scope,
        doc_number_key=parsed.doc_number_key,
        any_terms=parsed.any_terms,
        expansions=parsed.expansions,
        marks=_marks(parsed.terms, parsed.text, analyzer, parsed.expansions),
        page=page,
        size=size,
        sort=sort_order,
        filters=clean_filters,
        date_from=date_from,
        date_to=date_to,
        valid_on=valid_on or date.today(),
        current=current,
        facets=facet_fields,
    )


def _facet_fields(facets: str | list[str] | None) -> tuple[str, ...]:
    if facets is None:
        return default_facets()
    names = facets.split(",") if isinstance(facets, str) else facets
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in field_names()]
    if unknown:
        raise InvalidRequest("facets", f"unknown facet {unknown[0]!r}; use any of {', '.join(field_names())}")
    return tuple(dict.fromkeys(names))


def _marks(terms: list[str], text: str, analyzer: Analyzer, expansions: dict[str, list[list[str]]]) -> list[str]:
    """The words to mark: the query's words, the dictionary words inside them and the
    statutory words they stand for."""
    if not text:
        return []
    inner = [t for t in analyzer.index_tokens(text) if len(t) > 1 and (t in terms or not terms or len(terms) < 4)]
    statutory = ["".join(words) for alternatives in expansions.values() for words in alternatives]
    return list(dict.fromkeys([*terms, *inner, *statutory]))


def ranked_search(store: Store, request: SearchRequest) -> SearchResult:
    """The store's answer, ranked (see `ranking`) when relevance orders it."""
    return ranked_search_with_articles(store, request)[0]


def ranked_search_with_articles(store: Store, request: SearchRequest) -> tuple[SearchResult, SearchRequest]:
    """The store's answer, ranked, and the request as it was answered: a keyword query whose
    words never occur together is answered as a question (ANY mode)."""
    if request.doc_number_key:
        result = store.search(request)
        if result.total:
            return result, request
        request = replace(request, doc_number_key=None)  # not a known number: search its words
    result = _ranked(store, request)
    if not result.total and request.has_words and not request.any_terms and len(request.terms) > 1:
        request = as_question(request, store.analyzer)
        result = _ranked(store, request)
    return result, request


def as_question(request: SearchRequest, analyzer: Analyzer) -> SearchRequest:
    """The request read as a question (ANY mode), its terms those that carry meaning."""
    terms = question_terms(request.text, analyzer) or request.terms
    return replace(request, any_terms=True, terms=terms, expansions=statutory_expansions(terms, analyzer),
                   marks=_marks(terms, request.text, analyzer, statutory_expansions(terms, analyzer)))


def _ranked(store: Store, request: SearchRequest) -> SearchResult:
    if not (request.has_words and request.sort is Sort.RELEVANCE and request.offset + request.size <= RERANK_WINDOW):
        return store.search(request)
    window_request = replace(request, page=1, size=RERANK_WINDOW, with_body=False)
    # Where many texts mention the words, the document titled by them can rank below the
    # window on body matches: the best title matches are candidates too. (Title matches are
    # body-or-title matches, so a window that holds every match holds them already.)
    titles_request = replace(request, page=1, size=RERANK_WINDOW // 2, with_body=False, scope=Scope.TITLE, facets=())
    titles = None
    if request.scope is Scope.ALL and store.batches_searches:  # one round trip for both
        window, titles = store.search_many([window_request, titles_request])
    else:
        window = store.search(window_request)
        if request.scope is Scope.ALL and window.total > RERANK_WINDOW:
            titles = store.search(titles_request)
    candidates = {hit.document.id: hit for hit in window.hits}
    for hit in titles.hits if titles else []:
        candidates.setdefault(hit.document.id, hit)
    article_coverage: dict[str, float] | None = None
    if request.any_terms:
        # A question is answered by an article holding its words together: the documents of
        # the best articles are candidates, ranked by their best article's coverage.
        articles = search_articles(store, replace(request, page=1, size=ARTICLE_WINDOW))
        article_coverage = {}
        for article in articles.hits:
            article_coverage.setdefault(article.document.id, article.coverage)
        missing = [doc_id for doc_id in article_coverage if doc_id not in candidates]
        for doc in store.get_many(missing, with_body=False).values():
            candidates[doc.id] = Hit(doc, 0.0)
    hits = rerank(list(candidates.values()), request, article_coverage)[request.offset : request.offset + request.size]
    full = store.get_many([hit.document.id for hit in hits], with_articles=False)
    hits = [Hit(full.get(hit.document.id, hit.document), hit.score) for hit in hits]
    return SearchResult(total=window.total, hits=hits, facets=window.facets)


def search_response(store: Store, q: str, request: SearchRequest) -> dict[str, Any]:
    """Run a search and return the response body of `GET /api/v1/search`."""
    started = time.perf_counter()
    if q.strip() and not request.has_words and not request.excluded:
        # Only punctuation or spaces: nothing can match, but facets still describe the collection.
        result = SearchResult(total=0, hits=[], facets={f: [] for f in request.facets})
    else:
        result, request = ranked_search_with_articles(store, request)
    marks = request.marks
    matched = matched_articles(store, request, [hit.document.id for hit in result.hits])
    results = []
    for hit in result.hits:
        doc = hit.document
        item = public_fields(doc, request.valid_on)
        item.pop("body", None)
        item.pop("articles", None)
        item["title_html"] = highlight(doc.title, marks)
        item["snippet_html"] = snippet(doc.body, marks, SNIPPET_LENGTH)
        item["score"] = round(hit.score, 4) if hit.score is not None else None
        item["articles"] = [
            {"number": article.number, "headings": article.headings, "url": article.url,
             "text_html": snippet(article.text, marks, SNIPPET_LENGTH)}
            for article in matched.get(doc.id, [])
        ]
        results.append(item)
    facets = {
        field: [
            {
                "value": count.value,
                "label": facet_label(field, count.value),
                "count": count.count,
                "selected": count.value in request.filters.get(field, []),
            }
            for count in counts
        ]
        for field, counts in result.facets.items()
    }
    return {
        "query": q,
        "question": request.any_terms,
        "total": result.total,
        "page": request.page,
        "size": request.size,
        "sort": request.sort.value,
        "valid_on": request.valid_on.isoformat(),
        "took_ms": round((time.perf_counter() - started) * 1000),
        "results": results,
        "facets": facets,
    }


# The articles shown under a document result.
ARTICLES_PER_RESULT = 3


def matched_articles(store: Store, request: SearchRequest, doc_ids: list[str]) -> dict[str, list[ArticleHit]]:
    """The best articles of each document that hold the words (at most ARTICLES_PER_RESULT)."""
    if not doc_ids or not request.has_words or request.doc_number_key:
        return {}
    within = replace(request, any_terms=True, doc_ids=tuple(doc_ids), filters={}, current=False,
                     date_from=None, date_to=None, page=1, size=ARTICLES_PER_RESULT * len(doc_ids) * 3)
    result: dict[str, list[ArticleHit]] = {}
    for article in search_articles(store, within).hits:
        held = result.setdefault(article.document.id, [])
        if len(held) < ARTICLES_PER_RESULT and article.coverage > 0:
            held.append(article)
    return result


def make_article_request(q: str, *, page: int = 1, size: int = 10, filters: dict[str, list[str]] | None = None,
                         valid_on: date | None = None, current: bool = True,
                         analyzer: Analyzer | None = None) -> SearchRequest:
    """An article search: a question is read as one (ANY mode) whatever its form, since an
    article rarely holds every word typed; by default only versions in force."""
    request = make_request(q, page=page, size=size, filters=filters, valid_on=valid_on, current=current,
                           facets=[], analyzer=analyzer)
    if request.doc_number_key:
        request = replace(request, doc_number_key=None)
    return request if request.any_terms else as_question(request, analyzer or shipped_analyzer())


def articles_response(store: Store, q: str, request: SearchRequest) -> dict[str, Any]:
    """Run an article search and return the response body of `GET /api/v1/articles`."""
    started = time.perf_counter()
    result = search_articles(store, request)
    results = []
    for hit in result.hits:
        doc = hit.document
        fields = public_fields(doc, request.valid_on)
        results.append({
            "number": hit.number,
            "headings": hit.headings,
            "text_html": highlight(hit.text, request.marks),
            "document": {name: fields[name] for name in
                         ("id", "title", "status", "status_label", "level", "issuers", "publish_date")},
            "url": hit.url,
            "score": round(hit.coverage, 4),
        })
    return {
        "query": q,
        "question": True,
        "total": result.total,
        "page": request.page,
        "size": request.size,
        "valid_on": request.valid_on.isoformat(),
        "took_ms": round((time.perf_counter() - started) * 1000),
        "results": results,
    }
