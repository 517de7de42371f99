"""Short forms to add, proposed from the queries that found nothing.

A query that found nothing is often a short form of a title the index holds: its start
(个人信息保 for 个人信息保护法), an abbreviation made of the first characters of the title's
words (个保法), or the title with characters left out (道路交通法). For each such query the
titles starting with its first character are asked of the store (`Store.suggest`, on the
titles' completion keys: the title, the title without 中华人民共和国, what follows 关于), and
the best match proposes a synonym rule `query => words of the title`: the title from its
start to the end of the word holding the query's last character. A rule is proposed only
where a search for those words finds documents, and where the query is no short form yet.
Staff accept one with `policy-search stats accept QUERY`, which adds the rule to the
deployment's synonym file (`analyzers.synonyms.add_synonym`); the service uses it within
seconds (`search_api.live_words`).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers import Analyzer
from policy_search import search as search_service
from policy_search.schema import suggest_key, suggest_keys
from policy_search.stats.recording import normalised
from policy_search.stats.report import QueryCount
from policy_search.stores import Store

# Titles looked at for a query (those starting with its first character, shortest first).
TITLES_SCANNED = 500
# The longest short form and the longest rule's long form proposed.
MAX_SHORT, MAX_LONG = 12, 24

# How a query stands for a title, best first.
KINDS = ("prefix", "abbreviation", "gapped")
KIND_LABELS = {"prefix": "标题开头", "abbreviation": "简称（各词首字）", "gapped": "标题删字"}


@dataclass(frozen=True)
class Candidate:
    query: str  # the short form: the query as recorded
    long: str  # the words of the title it stands for
    kind: str  # one of KINDS
    title: str  # the title it was found in
    doc_id: str
    searches: int = 0  # how often the query was searched in the period

    @property
    def rule(self) -> str:
        """The line of a synonym file that accepts it."""
        return f"{self.query} => {self.long}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _word_starts(analyzer: Analyzer, key: str) -> tuple[set[int], list[int]]:
    """Where words start in `key` (the words of the precise cut and the shorter dictionary
    words within them), and where the precise cut's words end."""
    starts, ends, offset = set(), [], 0
    for word in analyzer.cut(key):
        starts.add(offset)
        starts.update(offset + word.find(inner) for inner in analyzer.index_tokens(word) if inner in word)
        offset += len(word)
        ends.append(offset)
    return starts, ends


def _holds_in_order(key: str, query: str) -> bool:
    if not key.startswith(query[0]):
        return False
    rest = iter(key)
    return all(char in rest for char in query)


def _align(query: str, key: str, starts: set[int], word_starts_first: bool = True) -> list[int] | None:
    """Positions in `key` of the query's characters in order, the first at the key's start,
    each at the start of a word where one follows (else the next occurrence); None when the
    key does not hold them so."""
    if not key.startswith(query[0]):
        return None
    positions = [0]
    for char in query[1:]:
        found = [i for i in range(positions[-1] + 1, len(key)) if key[i] == char]
        if not found:  # a word start taken earlier may have passed what the rest needs
            return _align(query, key, starts, False) if word_starts_first else None
        positions.append(next((i for i in found if i in starts), found[0]) if word_starts_first else found[0])
    return positions


def _kind(query: str, key: str, positions: list[int], starts: set[int]) -> str:
    if key.startswith(query):
        return "prefix"
    inner = positions[:-1] if positions[-1] == len(key) - 1 else positions  # 法 of 个保法 ends the title
    return "abbreviation" if all(p in starts for p in inner) else "gapped"


def match(analyzer: Analyzer, query: str, key: str) -> tuple[str, str] | None:
    """(kind, long form) where `query` stands for the start of the title key `key`."""
    if not _holds_in_order(key, query):  # most titles: decided without cutting them
        return None
    starts, ends = _word_starts(analyzer, key)
    positions = _align(query, key, starts)
    if positions is None:
        return None
    end = next(end for end in ends if end > positions[-1])
    long = key[:end]
    if long == query or len(long) > MAX_LONG:
        return None
    return _kind(query, key, positions, starts), long


def _finds_documents(store: Store, words: str) -> bool:
    request = search_service.make_request(words, size=1, facets=[], analyzer=store.analyzer)
    return bool(store.search(request).total)


def short_form(query: str) -> str:
    """A query as a short form of a rule: normalised, without spaces, quotes or 《》."""
    return suggest_key(normalised(query))


def candidate_for(store: Store, query: str, searches: int = 0) -> Candidate | None:
    """The best short form rule for a query, or None."""
    short = short_form(query)
    if not 2 <= len(short) <= MAX_SHORT or short in store.analyzer.synonyms or short.isascii():
        return None
    found: list[tuple[tuple[int, int, int], Candidate]] = []
    for doc in store.suggest(short[0], limit=TITLES_SCANNED):
        for key in suggest_keys(doc):
            matched = match(store.analyzer, short, key)
            if matched:
                kind, long = matched
                rank = (KINDS.index(kind), len(long), len(doc.title))
                found.append((rank, Candidate(short, long, kind, doc.title, doc.id, searches)))
    tried: set[str] = set()
    for _, candidate in sorted(found, key=lambda pair: pair[0]):
        if candidate.long not in tried and _finds_documents(store, candidate.long):
            return candidate
        tried.add(candidate.long)
    return None


# Queries without results looked at, at most (the most searched first): each costs a
# suggestion lookup and a search per title, and the admin page works them out when shown.
PROPOSE_LIMIT = 50


def propose(store: Store, queries: list[QueryCount]) -> list[Candidate]:
    """A candidate for each of the queries (those without results) that has one."""
    proposed = [candidate_for(store, row.query, row.searches) for row in queries[:PROPOSE_LIMIT]]
    return [candidate for candidate in proposed if candidate is not None]
