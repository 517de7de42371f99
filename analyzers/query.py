"""What a user typed, understood the same way for both stores.

    "政府信息公开" 条例 -草案      a quoted phrase, a word, an excluded word
    道交法                         an abbreviation: searched as 道路交通安全法 (synonym files)
    個人信息保護法                 traditional characters: searched as simplified (OpenCC t2s)
    莆政办网传(2021)13号           a document number: matched exactly, in any bracket style
    房东不退押金怎么办？           a question: its content words, any of them (ANY mode), the
                                   question and function words dropped, 房东 also as 出租人

Nothing a user types is a syntax error: unbalanced quotes and stray operators are read
as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import opencc

from analyzers.analyzer import Analyzer
from analyzers.normalize import DOC_NUMBER_PATTERN, doc_number_key, normalize_text

# Quotes people type, after NFKC (which leaves “” 「」 『』 as they are).
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
_EXCLUDED = re.compile(r"(?:^|\s)-(\S+)")


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # normalised, simplified, abbreviations expanded, operators removed
    terms: list[str] = field(default_factory=list)  # words that must all occur, in order
    phrases: list[list[str]] = field(default_factory=list)  # quoted: index tokens in sequence
    excluded: list[list[str]] = field(default_factory=list)  # -word: index tokens in sequence
    doc_number_key: str | None = None  # the whole query is a document number
    any_terms: bool = False  # a question: documents need only some of the terms (ranked by how many)
    # statutory words a term stands for (老公 -> 配偶), each as its terms
    expansions: dict[str, list[list[str]]] = field(default_factory=dict)


def parse_query(q: str, analyzer: Analyzer) -> ParsedQuery:
    """A query as `analyzer` cuts it (the analyzer the index was written with)."""
    text = normalize_query(q).strip()
    if DOC_NUMBER_PATTERN.fullmatch(text):
        return ParsedQuery(text=text, terms=analyzer.query_terms(text), doc_number_key=doc_number_key(text))
    phrases: list[list[str]] = []
    for match in _QUOTED.finditer(text):
        phrase = analyzer.expand_abbreviations(next(g for g in match.groups() if g is not None))
        if tokens := analyzer.index_tokens(phrase):
            phrases.append(tokens)
    text = _QUOTED.sub(lambda m: " " + next(g for g in m.groups() if g is not None) + " ", text)
    excluded = [tokens for word in _EXCLUDED.findall(text) if (tokens := analyzer.index_tokens(word))]
    text = " ".join(analyzer.expand_abbreviations(_EXCLUDED.sub(" ", text)).split())
    terms = analyzer.query_terms(text)
    if not analyzer.is_question(q):
        return ParsedQuery(text=text, terms=terms, phrases=phrases, excluded=excluded)
    content = question_terms(text, analyzer)
    return ParsedQuery(text=text, terms=content, phrases=phrases, excluded=excluded, any_terms=True,
                       expansions=statutory_expansions(content, analyzer))


# --- questions ---------------------------------------------------------------------------

# Amounts and spans of time (三个, 八个月, 两千块, 16): what the law says of them is found by
# the other words of a question.
_QUANTITY = re.compile(r"^[\d一二三四五六七八九十百千万两几半多]*[个年月日天周块元次岁号]{0,2}$")


def question_terms(text: str, analyzer: Analyzer) -> list[str]:
    """The terms of a question that carry its meaning: no question or function words
    (`Analyzer.content_terms`), no amounts."""
    return [term for term in analyzer.content_terms(text) if not _QUANTITY.match(term)]


def statutory_expansions(terms: list[str], analyzer: Analyzer) -> dict[str, list[list[str]]]:
    """For each term that stands for words of the law (房东: 出租人), those words, each as
    the terms it is cut into."""
    expansions = {}
    for term in terms:
        alternatives = [cut for word in analyzer.statutory_terms(term)
                        if (cut := analyzer.query_terms(word)) and cut != [term]]
        if alternatives:
            expansions[term] = alternatives
    return expansions


# --- traditional characters --------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # character-level t2s: phrase-level configurations (tw2sp) also rewrite words such as
    # 文件 -> 文档 that government texts use as they are
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def normalize_query(text: str) -> str:
    """What a user typed, folded (NFKC, lower case) and in simplified characters."""
    return to_simplified(normalize_text(text))
