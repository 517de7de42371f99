"""Articles (条) as units of search: what a unit is, and an article search over a store.

Every article of every document is indexed on its own (beside the document), carrying
the headings it stands under (编/分编/章/节: `第二节 个体工商户和农村承包经营户` is strong
context) and its document's fields, so that a citizen's question is answered with the
article that answers it. A store finds the candidate articles with its BM25 (`Store.
search_articles`); they are then ranked here, identically for both stores, by how much of
the question they cover (`ranking.coverage`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from policy_search.candidates import words_of
from policy_search.ranking import rank_articles, rarity_weights
from policy_search.schema import ArticleSpan, Document
from policy_search.store_query import SearchRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from policy_search.stores.base import Store

# A heading line of a law: 第一编 总则, 第三分编 准合同, 第二章 结婚, 第一节 一般规定; or a
# code's part as its own heading (the Civil Code as one document: 物权编, 总则, 附则).
_HEADING = re.compile(r"^[ \t\u3000]*(?:第[一二三四五六七八九十百千零〇两\d]+(分编|编|章|节)(?:[ \t\u3000].*)?"
                      r"|[\u4e00-\u9fff]{1,6}编|总则|附则)[ \t\u3000]*$", re.MULTILINE)
_LEVELS = {"编": 0, "分编": 1, "章": 2, "节": 3}
# Articles read from a store before they are ranked (`search_articles`).
ARTICLE_WINDOW = 150


def article_headings(body: str, spans: list[ArticleSpan]) -> list[str]:
    """The headings each article stands under, outermost first, joined by a space
    (`第五编 婚姻家庭 第三章 家庭关系 第一节 夫妻关系`; empty where there are none)."""
    result = [""] * len(spans)
    headings = iter(_HEADING.finditer(body))
    heading = next(headings, None)
    stack: dict[int, str] = {}
    for index, span in sorted(((i, s) for i, s in enumerate(spans) if len(s) == 3), key=lambda item: item[1][1]):
        while heading is not None and heading.end() <= span[1]:
            level = _LEVELS[heading.group(1)] if heading.group(1) else 0
            stack = {held: text for held, text in stack.items() if held < level}
            stack[level] = " ".join(heading.group().split())
            heading = next(headings, None)
        result[index] = " ".join(stack[level] for level in sorted(stack))
    return result


def article_anchor(doc_id: str, number: str) -> str:
    """Where an article is on its document's page."""
    return f"/documents/{doc_id}#{number}"


@dataclass
class ArticleHit:
    """One article found: its document (without text), where it stands, its text."""

    document: Document
    ordinal: int  # its place among the document's articles, from 0
    number: str  # 第五十六条
    headings: str
    text: str
    score: float | None  # the store's BM25
    coverage: float = 0.0  # how much of the question it covers (ranking.coverage)

    @property
    def url(self) -> str:
        return article_anchor(self.document.id, self.number)


@dataclass
class ArticleResult:
    total: int
    hits: list[ArticleHit]


def search_articles(store: Store, request: SearchRequest, window: int = ARTICLE_WINDOW,
                    documents: Mapping[str, Document] | None = None) -> ArticleResult:
    """The articles that answer a request best: the store's candidates, ranked by how much of
    the question each covers, then by the store's score (see `ranking.rank_articles`).
    `documents`: some of their documents, read already (`Store.search_articles`)."""
    if not request.has_words:
        return ArticleResult(total=0, hits=[])
    request = weighed(store, request)
    return rank_candidates(store.search_articles(candidates_request(request, window), documents), request)


def weighed(store: Store, request: SearchRequest) -> SearchRequest:
    """A question with its terms weighed by how rare they are in the store's collection
    (`ranking.rarity_weights`); other requests as they are."""
    if not request.any_terms or not request.terms or request.term_weights:
        return request
    total, counts = store.document_frequencies(words_of(request))
    return replace(request, term_weights=rarity_weights(request, total, counts))


def candidates_request(request: SearchRequest, window: int = ARTICLE_WINDOW) -> SearchRequest:
    """What a store is asked for to rank a request's page of articles: the first `window`."""
    return replace(request, page=1, size=max(window, request.offset + request.size))


def rank_candidates(candidates: ArticleResult, request: SearchRequest) -> ArticleResult:
    """The request's page of the candidates (`candidates_request`), ranked."""
    ranked = rank_articles(candidates.hits, request)
    return ArticleResult(total=candidates.total, hits=ranked[request.offset : request.offset + request.size])
