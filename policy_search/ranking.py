"""Relevance ranking shared by both stores.

A store finds the candidates and scores them (BM25, title weighted over body); the first
`RERANK_WINDOW` candidates are then ordered here, identically for both stores:

1. how the title matches: the exact title or short title (without 中华人民共和国 or 《》)
   first, then titles holding the query as a phrase, then titles holding all its words,
   then the rest;
2. within a tier, the store's score, nudged up slightly for recent documents (a
   tie-breaker);
3. among versions of one regulation, the version in force on `valid_on` takes the place of
   the best-placed version of its family, the others follow it.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from analyzers import normalize_text
from policy_search.schema import Document, Status, status_on, title_key
from policy_search.store_query import Hit, SearchRequest

if TYPE_CHECKING:
    from policy_search.articles import ArticleHit

RERANK_WINDOW = 100
# Weight of a title match over a body match in the stores' BM25 (SQLite: FTS5 column
# weights; Elasticsearch: the title field's boost): title matches dominate.
TITLE_WEIGHT = 10.0
RECENCY_BOOST = 0.05  # at most 5 % of the score, for a document published this year
RECENCY_YEARS = 20
NO_TITLE_MATCH = 3  # the tier of a document whose title does not match the query
# BM25 weights of an article's fields (title of its document, headings, text).
ARTICLE_WEIGHTS = (1.0, 4.0, 2.0)  # Elasticsearch's combined_fields takes no weight under 1
# A term found only through a statutory word it stands for counts this much (typed: 1).
EXPANSION_WEIGHT = 0.8
# A one-character term (交, 债, 欠) says little on its own and occurs inside many words.
SHORT_TERM_WEIGHT = 0.4
# A question's terms count by how rare they are in the collection, relative to its rarest:
# the square root of their inverse document frequency (log) over the rarest's, never less
# than this. Its common words (已经, 问题, 小区 …) then weigh less than those that name its
# matter (狗, 咬伤). On bench/relevance (questions.jsonl and heldout.jsonl, embedded store)
# the plain ratio gave art@10 +0.004/+0.025 and doc@10 -0.009/+0.026; its square root
# +0.013/+0.013 and 0/+0.013, the only variant tried that lost nothing on either set.
COMMON_TERM_WEIGHT = 0.45
# A term found only in the title of an article's document (not in the article) counts this much.
TITLE_ONLY_WEIGHT = 0.5
# In ANY mode, the store's score (scaled to the best candidate's) adds at most this much to
# the terms covered: coverage decides, BM25 orders what covers as much.
SCORE_SHARE = 1.5
# A question asked without a place is answered for the whole country first: the national
# levels are nudged up over local ones (at most LEVEL_SHARE of one term covered). A search
# filtered by region or level is not affected (the candidates all share it).
LEVEL_PRIOR = {"宪法": 1.0, "法律": 1.0, "行政法规": 0.8, "司法解释": 0.8, "部门规章": 0.5}
LEVEL_SHARE = 1.0
# A document's terms spread over its whole text count for less than held in one article.
SPREAD_WEIGHT = 0.8


def title_tier(title: str, query_key: str, terms: list[str]) -> int:
    key = title_key(title)
    if not query_key:
        return NO_TITLE_MATCH
    if key == query_key:
        return 0
    if query_key in key:
        return 1
    folded = normalize_text(title)
    if terms and all(term in folded for term in terms):
        return 2
    return NO_TITLE_MATCH


def rerank(hits: list[Hit], request: SearchRequest, article_coverage: dict[str, float] | None = None) -> list[Hit]:
    """Documents in order. In ANY mode, by how much of the query each covers: the terms it
    holds anywhere (`Hit.matched`, counted at `SPREAD_WEIGHT`) or, better, in one of its
    articles (`article_coverage`: document id -> the best article's coverage)."""
    query_key = title_key(request.text)
    best = max((hit.score or 0.0 for hit in hits), default=0.0) or 1.0

    def sort_key(hit: Hit) -> tuple:
        doc = hit.document
        score = (hit.score or 0.0) * (1 + RECENCY_BOOST * _recency(doc.publish_date, request.valid_on))
        tier = title_tier(doc.title, query_key, request.terms)
        if not request.any_terms:
            return (tier, -score, doc.id)
        covered = max(SPREAD_WEIGHT * matched_weight(hit.matched, request),
                      (article_coverage or {}).get(doc.id, 0.0))
        return (tier, -(covered + SCORE_SHARE * score / best + LEVEL_SHARE * level_prior(doc)), doc.id)

    return in_force_first(sorted(hits, key=sort_key), request.valid_on)


def matched_name(index: int, expansion: bool) -> str:
    """How a store names term `index` found (typed, or through a statutory word) in `Hit.matched`."""
    return f"{index}~" if expansion else str(index)


def term_weight(request: SearchRequest, index: int) -> float:
    """How much term `index` of a question counts when found: less for one character, and
    by its rarity (`request.term_weights`)."""
    weight = SHORT_TERM_WEIGHT if len(request.terms[index]) == 1 else 1.0
    return weight * request.term_weights[index] if request.term_weights else weight


def rarity_weights(request: SearchRequest, total: int, counts: dict[str, int]) -> tuple[float, ...]:
    """The weight of each term of a question by its inverse document frequency, the rarest
    1 (see `COMMON_TERM_WEIGHT`). A term the collection holds only as a statutory word
    it stands for (老公: 配偶) takes the rarest of those words' frequencies."""
    idf = []
    for index in range(len(request.terms)):
        held = [min(counts.get(word, 0) for word in words) for words in request.alternatives(index)]
        frequency = held[0] or min((count for count in held if count), default=0)
        idf.append(math.log((total + 1) / (frequency + 0.5)) if frequency else None)
    rarest = max((value for value in idf if value is not None), default=0.0)
    if rarest <= 0:
        return ()
    return tuple(1.0 if value is None else max(COMMON_TERM_WEIGHT, math.sqrt(value / rarest)) for value in idf)


def matched_weight(matched: frozenset[str], request: SearchRequest) -> float:
    total = 0.0
    for index in range(len(request.terms)):
        found = 1.0 if matched_name(index, False) in matched else EXPANSION_WEIGHT if matched_name(
            index, True) in matched else 0.0
        total += found * term_weight(request, index)
    return total


def coverage(text: str, title: str, request: SearchRequest) -> float:
    """How much of the query a text covers: each term 1 where it occurs, less where only a
    statutory word it stands for does (`EXPANSION_WEIGHT`) or only the title holds it."""
    return Coverage(request)(text, normalize_text(title))


class Coverage:
    """`coverage` for one request, its terms' alternatives and weights worked out once (a
    question ranks some 150 articles)."""

    def __init__(self, request: SearchRequest) -> None:
        # per term: its weight, and (weight, words that must all occur) of each alternative
        self.terms = [
            (term_weight(request, index),
             [(1.0 if number == 0 else EXPANSION_WEIGHT, words)
              for number, words in enumerate(request.alternatives(index))])
            for index in range(len(request.terms))
        ]

    def __call__(self, text: str, folded_title: str) -> float:
        """The coverage of `text` under a title already folded (`normalize_text`)."""
        # lower() and not normalize_text for the text: the statutory texts are written in the
        # forms the terms are normalised to, and normalising 150 articles a question costs 20 ms
        text, title = text.lower(), folded_title
        total = 0.0
        for term_weight, alternatives in self.terms:
            found = 0.0
            for weight, words in alternatives:
                if weight <= found:
                    continue
                if all(word in text for word in words):
                    found = weight
                elif weight * TITLE_ONLY_WEIGHT > found and all(word in title for word in words):
                    found = weight * TITLE_ONLY_WEIGHT
            total += found * term_weight
        return total


def rank_articles(hits: list[ArticleHit], request: SearchRequest) -> list[ArticleHit]:
    """Articles by how much of the query they cover, then by the store's score."""
    best = max((hit.score or 0.0 for hit in hits), default=0.0) or 1.0
    covers = Coverage(request)
    titles: dict[str, str] = {}
    for hit in hits:
        # the title folded once a document (a law's articles are found together)
        title = titles.setdefault(hit.document.id, normalize_text(hit.document.title))
        hit.coverage = covers(f"{hit.headings}\n{hit.text}", title)
    return sorted(hits, key=lambda hit: (-(hit.coverage + SCORE_SHARE * (hit.score or 0.0) / best
                                           + LEVEL_SHARE * level_prior(hit.document)),
                                         hit.document.id, hit.ordinal))


def level_prior(doc: Document) -> float:
    return LEVEL_PRIOR.get(doc.level or "", 0.0)


def in_force_first(hits: list[Hit], day: date) -> list[Hit]:
    """The version in force of each family moved up to where its family first appears."""
    in_force = {}
    for hit in hits:
        family = hit.document.family
        if family not in in_force and status_on(hit.document, day) is Status.IN_FORCE:
            in_force[family] = hit
    ordered: list[Hit] = []
    placed: set[str] = set()
    for hit in hits:
        leader = in_force.get(hit.document.family)
        if leader is not None and leader.document.id not in placed:
            ordered.append(leader)
            placed.add(leader.document.id)
        if hit.document.id not in placed:
            ordered.append(hit)
            placed.add(hit.document.id)
    return ordered


def _recency(published: date | None, day: date) -> float:
    if published is None:
        return 0.0
    years = max(0.0, (day - published).days / 365.25)
    return max(0.0, 1 - years / RECENCY_YEARS)
