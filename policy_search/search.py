"""Searching a store and shaping the answer: shared by the HTTP API and the CLI."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Any

from analyzers.highlight import highlight, snippet
from policy_search.articles import (
    ARTICLE_WINDOW,
    ArticleHit,
    candidates_request,
    rank_candidates,
    search_articles,
    weighed,
)
from policy_search.citations import Citation, resolve_citation
from policy_search.fields import facet_label
from policy_search.ranking import RERANK_WINDOW, rerank
from policy_search.requests import InvalidRequest, as_question, make_article_request, make_request
from policy_search.schema import Document, public_fields
from policy_search.store_query import (
    Hit,
    Scope,
    SearchRequest,
    SearchResult,
    Sort,
)
from policy_search.stores import Store

# Requests are made in requests.py (the citation resolver, which searches, makes them too);
# callers find them here, beside what runs them.
__all__ = ["InvalidRequest", "articles_response", "make_article_request", "make_request", "matched_articles",
           "ranked_search", "search_response"]

SNIPPET_LENGTH = 120


def ranked_search(store: Store, request: SearchRequest) -> SearchResult:
    """The store's answer, ranked (see `ranking`) when relevance orders it."""
    return ranked_search_with_articles(store, request)[0]


def ranked_search_with_articles(store: Store, request: SearchRequest
                                ) -> tuple[SearchResult, SearchRequest, list[ArticleHit]]:
    """The store's answer, ranked; the request as it was answered (a keyword query whose
    words never occur together is answered as a question, ANY mode); and for a question, the
    best articles its documents were ranked by."""
    if request.doc_number_key:
        result = store.search(request)
        if result.total:
            return result, request, []
        request = replace(request, doc_number_key=None)  # not a known number: search its words
    result, articles = _ranked(store, request)
    if not result.total and request.has_words and not request.any_terms and len(request.terms) > 1:
        request = as_question(request, store.analyzer)
        result, articles = _ranked(store, request)
    return result, request, articles


def _ranked(store: Store, request: SearchRequest) -> tuple[SearchResult, list[ArticleHit]]:
    if not (request.has_words and request.sort is Sort.RELEVANCE and request.offset + request.size <= RERANK_WINDOW):
        return store.search(request), []
    request = weighed(store, request)
    window_request = replace(request, page=1, size=RERANK_WINDOW, with_body=False)
    # Where many texts mention the words, the document titled by them can rank below the
    # window on body matches: the best title matches are candidates too. (Title matches are
    # body-or-title matches, so a window that holds every match holds them already.)
    titles_request = replace(request, page=1, size=RERANK_WINDOW // 2, with_body=False, scope=Scope.TITLE, facets=())
    # A question is answered by an article holding its words together: the documents of the
    # best articles are candidates, ranked by their best article's coverage.
    article_request = replace(request, page=1, size=ARTICLE_WINDOW, with_total=False)
    # (a question's candidates are ranked by what they cover, which the titles add nothing to:
    # doc hit@10 0.828 with them, 0.833 without)
    with_titles = request.scope is Scope.ALL and not request.any_terms
    searches = [window_request]
    if with_titles and store.batches_searches:  # one round trip for all
        searches.append(titles_request)
    found = None
    if request.any_terms:
        results, found = store.search_with_articles(searches, candidates_request(article_request))
    else:
        results = store.search_many(searches)
    window, titles = results[0], results[1] if len(results) > 1 else None
    if titles is None and with_titles and window.total > RERANK_WINDOW:
        titles = store.search(titles_request)
    candidates = {hit.document.id: hit for hit in window.hits}
    for hit in titles.hits if titles else []:
        candidates.setdefault(hit.document.id, hit)
    article_coverage: dict[str, float] | None = None
    articles: list[ArticleHit] = []
    if found is not None:
        articles = rank_candidates(found, article_request).hits
        article_coverage = {}
        for article in articles:
            article_coverage.setdefault(article.document.id, article.coverage)
            candidates.setdefault(article.document.id, Hit(article.document, 0.0))
    hits = rerank(list(candidates.values()), request, article_coverage)[request.offset : request.offset + request.size]
    if request.with_body:
        hits = with_bodies(store, hits)
    return SearchResult(total=window.total, hits=hits, facets=window.facets), articles


def with_bodies(store: Store, hits: list[Hit]) -> list[Hit]:
    """The hits with their documents' text (not their articles' spans)."""
    full = store.get_many([hit.document.id for hit in hits], with_articles=False)
    return [replace(hit, document=full.get(hit.document.id, hit.document)) for hit in hits]


def search_response(store: Store, q: str, request: SearchRequest) -> dict[str, Any]:
    """Run a search and return the response body of `GET /api/v1/search`."""
    started = time.perf_counter()
    ranked_by: list[ArticleHit] = []
    if q.strip() and not request.has_words and not request.excluded:
        # Only punctuation or spaces: nothing can match, but facets still describe the collection.
        result = SearchResult(total=0, hits=[], facets={f: [] for f in request.facets})
    else:
        # the texts are read after ranking, and only for the results whose passage is not an article's
        result, request, ranked_by = ranked_search_with_articles(store, replace(request, with_body=False))
    marks = request.marks
    matched = matched_articles(store, request, result.hits, ranked_by)
    needing_text = [hit for hit in result.hits if not (request.any_terms and matched.get(hit.document.id))]
    texts = {hit.document.id: hit.document for hit in with_bodies(store, needing_text)}
    results = []
    for hit in result.hits:
        doc = texts.get(hit.document.id, hit.document)
        item = public_fields(doc, request.valid_on)
        item.pop("body", None)
        item.pop("articles", None)
        item["title_html"] = highlight(doc.title, marks)
        best = matched.get(doc.id)
        # a question's passage: where its best article answers (and no scan of a long body)
        item["snippet_html"] = snippet(best[0].text if request.any_terms and best else doc.body, marks, SNIPPET_LENGTH)
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
    citation = resolve_citation(store, q, request.valid_on, store.analyzer) if q.strip() and request.page == 1 else None
    return {
        "query": q,
        "citation": citation_block(citation, request.valid_on),
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


def matched_articles(store: Store, request: SearchRequest, hits: list[Hit],
                     known: tuple[ArticleHit, ...] | list[ArticleHit] = ()) -> dict[str, list[ArticleHit]]:
    """The best articles of each document that hold the words (at most ARTICLES_PER_RESULT):
    from the `known` ones (ranked already) where a document has some, else searched for."""
    if not hits or not request.has_words or request.doc_number_key:
        return {}
    doc_ids = [hit.document.id for hit in hits]
    result: dict[str, list[ArticleHit]] = {}
    wanted = set(doc_ids)

    def take(articles: list[ArticleHit]) -> None:
        for article in articles:
            held = result.setdefault(article.document.id, [])
            if article.document.id in wanted and len(held) < ARTICLES_PER_RESULT and article.coverage > 0:
                held.append(article)

    take(list(known))
    missing = [doc_id for doc_id in doc_ids if not result.get(doc_id)]
    if missing:
        # each document brings its own share of the page (SearchRequest.doc_ids), all of
        # them ranked and the best of each taken; a multiple of the documents, so that every
        # share fits in the page
        size = len(missing) * max(ARTICLES_PER_RESULT, -(-ARTICLE_WINDOW // len(missing)))
        within = replace(request, any_terms=True, doc_ids=tuple(missing), filters={}, current=False,
                         date_from=None, date_to=None, page=1, size=size, with_total=False)
        take(search_articles(store, within, documents={hit.document.id: hit.document for hit in hits}).hits)
    return result


def citation_block(citation: Citation | None, day: date) -> dict[str, Any] | None:
    """What a response says of the article a query cites (`citations.resolve_citation`)."""
    if citation is None:
        return None
    if citation.law is None:
        message = f"未找到名为“{citation.name}”的法律法规"
    elif citation.article is None:
        message = f"《{citation.law.title}》没有{citation.number}"
    else:
        message = f"《{citation.law.title}》{citation.number}"
    return {
        "name": citation.name, "number": citation.number, "found": citation.article is not None,
        "message": message, "url": citation.anchor if citation.article is not None else None,
        "text": citation.article.text if citation.article is not None else None,
        "law": _article_document(citation.law, day) if citation.law is not None else None,
    }


def _article_document(doc: Document, day: date) -> dict[str, Any]:
    fields = public_fields(doc, day)
    return {name: fields[name] for name in ("id", "title", "status", "status_label", "level", "issuers", "publish_date")}


def articles_response(store: Store, q: str, request: SearchRequest, passage_length: int | None = None) -> dict[str, Any]:
    """Run an article search and return the response body of `GET /api/v1/articles`: the
    article a query cites first (`民法典第1062条`), then the articles that answer it; each
    article's whole text highlighted, or, given `passage_length`, the passage around its
    matched words (the search page shows passages)."""
    started = time.perf_counter()
    citation = resolve_citation(store, q, request.valid_on, store.analyzer)
    result = search_articles(store, request)
    results: list[dict[str, Any]] = []
    if citation is not None and citation.law is not None and citation.article is not None and request.page == 1:
        results.append({
            "number": citation.number, "headings": "",
            "text_html": (snippet(citation.article.text, [], passage_length) if passage_length
                          else highlight(citation.article.text, [])),
            "document": _article_document(citation.law, request.valid_on), "url": citation.anchor, "score": None,
        })
    for hit in result.hits:
        if results and hit.url == results[0]["url"]:
            continue
        results.append({
            "number": hit.number,
            "headings": hit.headings,
            "text_html": (snippet(hit.text, request.marks, passage_length) if passage_length
                          else highlight(hit.text, request.marks)),
            "document": _article_document(hit.document, request.valid_on),
            "url": hit.url,
            "score": round(hit.coverage, 4),
        })
    return {
        "query": q,
        "citation": citation_block(citation, request.valid_on),
        "question": True,
        "total": result.total,
        "page": request.page,
        "size": request.size,
        "valid_on": request.valid_on.isoformat(),
        "took_ms": round((time.perf_counter() - started) * 1000),
        "results": results,
    }
