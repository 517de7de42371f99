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
    content = content_terms(terms)
    question = bool(_QUESTION_MARK.search(q)) or any(term in QUESTION_WORDS for term in terms)
    expansions = {term: alternatives for term in content if (alternatives := _expansions(term, analyzer))}
    return ParsedQuery(text=text, terms=content if question else terms, phrases=phrases, excluded=excluded,
                       any_terms=question, expansions=expansions)


def as_question(parsed: ParsedQuery) -> ParsedQuery:
    """A keyword query read as a question (ANY mode): when all of its words match nothing."""
    return ParsedQuery(text=parsed.text, terms=content_terms(parsed.terms), phrases=parsed.phrases,
                       excluded=parsed.excluded, any_terms=True, expansions=parsed.expansions)


# --- questions ---------------------------------------------------------------------------

_QUESTION_MARK = re.compile(r"[?？]")
# Words that make a query a question. (Placeholder list until the shipped question-word file.)
QUESTION_WORDS = frozenset(
    "谁 什么 怎么 怎么办 怎样 如何 吗 呢 么 能否 是否 可否 可不可以 能不能 会不会 有没有 要不要 该不该 哪些 哪里 哪个"
    " 多少 多久 几个 几年 几天 为什么 为啥 咋 咋办 啥 请问".split())
# Words that count for nothing in a question.
FUNCTION_WORDS = QUESTION_WORDS | frozenset(
    "的 了 着 过 吧 啊 呀 嘛 我 你 他 她 我们 你们 他们 我家 自己 这 那 这个 那个 这种 一下 就 都 也 又 才 被 把 让 给"
    " 和 与 或 及 在 是 有 要 想 能 会 可以 应该 需要 可 该 得 对 从 向 跟 到 去 来 说 算 没 该怎么办 一个".split())


# Amounts and spans of time (三个, 八个月, 两千块, 16): what the law says of them is found by
# the other words of a question.
_QUANTITY = re.compile(r"^[\d一二三四五六七八九十百千万两几半多]*[个年月日天周块元次岁号]{0,2}$")


def content_terms(terms: list[str]) -> list[str]:
    """The terms of a question that carry its meaning: no question or function words, no
    amounts, no punctuation."""
    return [term for term in terms
            if term not in FUNCTION_WORDS and any(ch.isalnum() for ch in term) and not _QUANTITY.match(term)]


def _expansions(term: str, analyzer: Analyzer) -> list[list[str]]:
    """The statutory words a colloquial term stands for, each as the terms it is cut into."""
    statutory = getattr(analyzer, "statutory_terms", None)
    words = statutory(term) if statutory else ()
    return [cut for word in words if (cut := analyzer.query_terms(word)) and cut != [term]]


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
