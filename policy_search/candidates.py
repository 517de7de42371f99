"""Which of a question's terms find its candidates, the same way on every store.

A question (ANY mode) of eight or so words matches most of a collection if every word finds
candidates: most of the 3,478 documents of the corpus hold one of 规定, 后 or 合同. Its
candidates are instead the documents holding its rarer terms, up to a budget of matches, and
every term still counts in ranking (`Hit.matched`, the stores' scores). Both stores choose
the same terms from the same document frequencies, so they count and facet the same
documents.
"""

from __future__ import annotations

from collections.abc import Callable

from policy_search.store_query import SearchRequest

# Matches of a question's document search at most (the two rarest terms find candidates
# whatever their count). On the corpus a question's terms together match some 2,400 of its
# 3,478 documents; at 2,000 a question costs the embedded store ~13 ms less and document
# hit@10 moves from 0.850 to 0.828 (bench/relevance).
DOCUMENT_MATCH_BUDGET = 2000


def narrows(request: SearchRequest) -> bool:
    """Whether some of a request's terms may be left out of finding its candidates: a
    question of three terms or more."""
    return request.any_terms and len(request.terms) > 2


def finding_terms(request: SearchRequest, frequency: Callable[[str], int], budget: int = DOCUMENT_MATCH_BUDGET,
                  single_characters_last: bool = True) -> list[int] | None:
    """The indexes of the terms whose matches are the candidates, in order of how many rows
    hold them (`frequency` of a word), while the matches stay within `budget`; None: every
    term (not a question, or two terms at most). A term stands for its statutory words too
    (their rows add up). `single_characters_last`: one-character terms (钱, 没, 交: rare as
    tokens of a whole document, and saying little) only after the words."""
    if not narrows(request):
        return None
    held = []
    for index in range(len(request.terms)):
        count = sum(min(frequency(word) for word in words) for words in request.alternatives(index))
        if count:
            held.append((single_characters_last and len(request.terms[index]) == 1, count, index))
    kept: list[int] = []
    matches = 0
    for _, count, index in sorted(held):
        if len(kept) >= 2 and matches + count > budget:
            break
        kept.append(index)
        matches += count
    return sorted(kept) or [0]


def words_of(request: SearchRequest) -> list[str]:
    """Every word a request's terms stand for (whose frequencies `finding_terms` reads)."""
    return list(dict.fromkeys(word for index in range(len(request.terms))
                              for words in request.alternatives(index) for word in words))
