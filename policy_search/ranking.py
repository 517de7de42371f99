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

from datetime import date

from analyzers import normalize_text
from policy_search.schema import Status, status_on, title_key
from policy_search.store_query import Hit, SearchRequest

RERANK_WINDOW = 100
# Weight of a title match over a body match in the stores' BM25 (SQLite: FTS5 column
# weights; Elasticsearch: the title field's boost): title matches dominate.
TITLE_WEIGHT = 10.0
RECENCY_BOOST = 0.05  # at most 5 % of the score, for a document published this year
RECENCY_YEARS = 20
NO_TITLE_MATCH = 3  # the tier of a document whose title does not match the query


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


def rerank(hits: list[Hit], request: SearchRequest) -> list[Hit]:
    query_key = title_key(request.text)

    def sort_key(hit: Hit) -> tuple:
        doc = hit.document
        score = (hit.score or 0.0) * (1 + RECENCY_BOOST * _recency(doc.publish_date, request.valid_on))
        return (title_tier(doc.title, query_key, request.terms), -score, doc.id)

    return in_force_first(sorted(hits, key=sort_key), request.valid_on)


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
