"""What a user typed, understood the same way for both stores.

    "政府信息公开" 条例 -草案      a quoted phrase, a word, an excluded word
    道交法                         an abbreviation: searched as 道路交通安全法 (synonyms.txt)
    個人信息保護法                 traditional characters: searched as simplified (OpenCC t2s)
    莆政办网传(2021)13号           a document number: matched exactly, in any bracket style

Nothing a user types is a syntax error: unbalanced quotes and stray operators are read
as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from analyzers.normalize import DOC_NUMBER_PATTERN, doc_number_key, normalize_text
from analyzers.segment import default_segmenter

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


def parse_query(q: str) -> ParsedQuery:
    text = to_simplified(normalize_text(q)).strip()
    if DOC_NUMBER_PATTERN.fullmatch(text):
        return ParsedQuery(text=text, terms=_words(text), doc_number_key=doc_number_key(text))
    segmenter = default_segmenter()
    phrases: list[list[str]] = []
    for match in _QUOTED.finditer(text):
        phrase = expand_abbreviations(next(g for g in match.groups() if g is not None))
        if tokens := segmenter.index_tokens(phrase):
            phrases.append(tokens)
    text = _QUOTED.sub(lambda m: " " + next(g for g in m.groups() if g is not None) + " ", text)
    excluded = [tokens for word in _EXCLUDED.findall(text) if (tokens := segmenter.index_tokens(word))]
    text = " ".join(expand_abbreviations(_EXCLUDED.sub(" ", text)).split())
    return ParsedQuery(text=text, terms=_words(text), phrases=phrases, excluded=excluded)


def _words(text: str) -> list[str]:
    return default_segmenter().query_terms(text)


# --- traditional characters --------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    # character-level t2s: phrase-level configurations (tw2sp) also rewrite words such as
    # 文件 -> 文档 that government texts use as they are
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


# --- abbreviations -----------------------------------------------------------------------


def default_synonyms_file() -> Path:
    return Path(str(resources.files("analyzers") / "data" / "synonyms.txt"))


def read_synonyms(path: Path) -> dict[str, str]:
    """`short => long` rules of a synonym file (comments start with #)."""
    rules: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        short, arrow, long = line.partition("=>")
        if not arrow or not short.strip() or not long.strip():
            raise ValueError(f"{path}:{number}: expected `short => long`, got {line!r}")
        rules[normalize_text(short.strip())] = normalize_text(long.strip())
    return rules


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """The shipped rules, plus those of the file named by the POLICY_SEARCH_SYNONYMS setting."""
    from policy_search.settings import get_settings  # settings live with the service

    rules = read_synonyms(default_synonyms_file())
    if extra := get_settings().synonyms:
        rules.update(read_synonyms(Path(extra)))
    segmenter = default_segmenter()
    for short in rules:  # so that an abbreviation is cut as one word
        segmenter.add_word(short, 2_000)
    return rules


def expand_abbreviations(text: str) -> str:
    """Abbreviations that stand as words of the text, replaced by their long forms."""
    rules = synonyms()
    if not any(short in text for short in rules):
        return text
    tokens = default_segmenter().cut(text)
    return "".join(rules.get(token, token) for token in tokens)
