"""Normalisation of what users type and what sources write."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator


def _compatibility_table() -> dict[int, str]:
    """Characters that NFKC rewrites on their own: full-width forms, ideographic space,
    circled and Roman numerals, compatibility ideographs …"""
    ranges = [range(0x80, 0x10000), range(0x1D400, 0x1D800), range(0x1F100, 0x1F300), range(0x2F800, 0x2FA20)]
    table = {}
    for code in (c for r in ranges for c in r):
        if 0xD800 <= code < 0xE000 or 0xAC00 <= code < 0xD7A4:  # surrogates; Hangul is NFKC-stable
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if folded != char:
            table[code] = folded
    return table


_FOLD = _compatibility_table()


def _bmp(start: int = 0) -> Iterator[int]:
    """The code points of the Basic Multilingual Plane from `start`, surrogates left out."""
    return (code for code in range(start, 0x10000) if not 0xD800 <= code < 0xE000)


def _character_ranges(codes: list[int]) -> str:
    """The inside of a regex character class of the code points, as ranges (a long list of
    single characters makes the regex engine scan it linearly for every character)."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _character_class(codes: list[int]) -> str:
    return f"[{_character_ranges(codes)}]"


# The regex engine tests a class of BMP characters with a bitmap but scans a class with
# astral ranges linearly, so astral characters (rare in Chinese text) get their own pass.
_FOLDABLE = re.compile(_character_class(sorted(code for code in _FOLD if code < 0x10000)))
_FOLDABLE_ASTRAL = re.compile(_character_class(sorted(code for code in _FOLD if code >= 0x10000)))
_ASTRAL_RANGE = "\U00010000-\U0010ffff"
_ASTRAL = re.compile(f"[{_ASTRAL_RANGE}]")
# The most frequent of them in Chinese text (measured on the law corpus), replaced first.
_COMMON = "，；（）：\u3000"
# Combining marks compose with what precedes them; such text takes the full NFKC path.
_COMBINING_MARKS = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f\uff9e\uff9f"
_COMBINING = re.compile(f"[{_COMBINING_MARKS}]")
_UNUSUAL = re.compile(f"[{_COMBINING_MARKS}{_ASTRAL_RANGE}]")


def normalize_text(text: str) -> str:
    """NFKC (full-width forms to half-width and the like) and lower case.

    Equal to ``unicodedata.normalize("NFKC", text).lower()``; most text has no combining
    marks, and for it a regular expression replaces only the characters NFKC changes,
    several times faster than NFKC over the whole text.
    """
    return _normalize(text)[0]


def _normalize(text: str) -> tuple[str, bool]:
    """`normalize_text`, and whether the text holds astral characters (outside the BMP)
    that need a pass of their own. One search tells most text (no combining marks, nothing
    astral) from the rest. BMP characters that NFKC makes astral (compatibility
    ideographs) become ideographs that need no further pass."""
    if not _UNUSUAL.search(text):
        return _fold_bmp(text).lower(), False
    if _COMBINING.search(text):
        return unicodedata.normalize("NFKC", text).lower(), True
    text = _FOLDABLE_ASTRAL.sub(_fold, _fold_bmp(text))
    return text.lower(), True


def _fold_bmp(text: str) -> str:
    for common in _COMMON:  # str.replace is far cheaper than a regex callback per match
        if common in text:
            text = text.replace(common, _FOLD[ord(common)])
    return _FOLDABLE.sub(_fold, text)


def _fold(match: re.Match) -> str:
    return _FOLD[ord(match.group())]


# What separates words: anything that is neither a word character (\w, but not _) nor
# whitespace: punctuation and symbols. Spelled out as BMP ranges, which the regex engine
# tests with a bitmap, twice as fast over Chinese text as the category test of [^\w\s].
_SEPARATORS = re.compile(_character_class([
    code for code in _bmp() if code == ord("_") or not (chr(code).isalnum() or chr(code).isspace())
]) + "+")
_SEPARATORS_ANY = re.compile(r"[^\w\s]+|_+")
# The most frequent of them in normalised Chinese text (measured on the law corpus).
_COMMON_SEPARATORS = ",、。();"


def words_only(text: str) -> str:
    """`normalize_text`, with a space for every run of separators: what is cut into words.

    Both stores then see the same tokens (no token carries punctuation for FTS5's
    tokenizer to split, or Elasticsearch's whitespace analyzer to keep)."""
    text, astral = _normalize(text)
    for common in _COMMON_SEPARATORS:  # most separators, without a regex match each
        if common in text:
            text = text.replace(common, " ")
    text = _SEPARATORS.sub(" ", text)
    return _SEPARATORS_ANY.sub(" ", text) if astral else text


def words_only_aligned(text: str) -> str | None:
    """`words_only` with every separator its own space, so that each character of the
    result stands where it stood in `text`; None where normalising changes the length
    (a ligature, a combining mark). Slices of it are `words_only` of the same slices of the
    text, up to the number of spaces (which no token holds)."""
    normalized, astral = _normalize(text)
    if len(normalized) != len(text):
        return None
    for common in _COMMON_SEPARATORS:
        if common in normalized:
            normalized = normalized.replace(common, " ")
    normalized = _SEPARATORS.sub(_spaces, normalized)
    return _SEPARATORS_ANY.sub(_spaces, normalized) if astral else normalized


def _spaces(match: re.Match) -> str:
    return " " * (match.end() - match.start())


# Characters that do not normalise to exactly one character (ﬁ → fi, ㈠ → (一), İ → i̇ …),
# combining marks (they compose with their neighbour) and anything astral.
_NOT_ONE_FOR_ONE = re.compile(
    "["
    + _character_ranges(sorted(
        {code for code, folded in _FOLD.items() if code < 0x10000 and len(folded.lower()) != 1}
        | {code for code in _bmp(0x80) if len(chr(code).lower()) != 1}
    ))
    + _COMBINING_MARKS + _ASTRAL_RANGE + "]"
)


@functools.cache
def _written_forms() -> dict[str, str]:
    """For each character of normalised text, every BMP character that normalises to it
    (ａ, Ａ and A for a), as the inside of a regex character class."""
    forms: dict[str, set[str]] = {}
    for code in _bmp():
        char = chr(code)
        folded = _FOLD.get(code, char).lower()
        if len(folded) == 1 and folded != char:
            forms.setdefault(folded, {folded}).add(char)
    return {folded: "".join(re.escape(c) for c in sorted(chars)) for folded, chars in forms.items()}


@functools.lru_cache(maxsize=512)
def written_forms_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """A regex that finds, in text as written, what equals one of the (normalised) terms
    once normalised, without normalising the text: longer terms first."""
    forms = _written_forms()

    def term_pattern(term: str) -> str:
        return "".join(f"[{forms[c]}]" if c in forms else re.escape(c) for c in term)

    return re.compile("|".join(term_pattern(t) for t in sorted(set(terms), key=len, reverse=True)))


def expanded_characters(text: str) -> set[str]:
    """The characters produced by those of `text` that do not normalise one for one (ﬁ
    gives f and i): a term holding none of them can be matched in the text as written."""
    return {char for match in _NOT_ONE_FOR_ONE.findall(text) for char in normalize_text(match)}


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """`normalize_text` character by character, with the index in `text` of each character
    of the result; None instead of the list where every character stays one character (the
    usual case), so that positions are the same in both."""
    breaks = list(_NOT_ONE_FOR_ONE.finditer(text))
    if not breaks:
        return normalize_text(text), None
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in breaks:  # the runs between them map one for one
        run = normalize_text(text[position : match.start()])
        parts.append(run)
        offsets.extend(range(position, match.start()))
        folded = unicodedata.normalize("NFKC", match.group()).lower()
        parts.append(folded)
        offsets.extend([match.start()] * len(folded))
        position = match.end()
    parts.append(normalize_text(text[position:]))
    offsets.extend(range(position, len(text)))
    return "".join(parts), offsets


# A year in any bracket style people use in document numbers: [2021] (2021) （2021）
# 【2021】 〔2021〕 ［2021］ ﹝2021﹞ … (NFKC has already made full-width forms ASCII).
_YEAR_IN_BRACKETS = re.compile(r"[\[\(【〔﹝〖{]\s*((?:19|20)\d\d)\s*[\]\)】〕﹞〗}]")


def normalize_doc_number(doc_number: str) -> str:
    """A document number with its year in 〔YYYY〕 brackets and no stray spaces.

    >>> normalize_doc_number("莆政办网传[2021] 13号")
    '莆政办网传〔2021〕13号'
    """
    text = unicodedata.normalize("NFKC", doc_number)
    text = re.sub(r"\s+", "", text)
    return _YEAR_IN_BRACKETS.sub(r"〔\1〕", text)


def doc_number_key(doc_number: str) -> str:
    """The form in which document numbers are compared: normalised, without a final 号."""
    key = normalize_doc_number(doc_number).lower()
    return key[:-1] if key.endswith("号") else key


# Looks like a document number: an issuer abbreviation, a bracketed year, a serial number
# (莆政办网传〔2021〕13号), or an order number (国务院令第711号).
DOC_NUMBER_PATTERN = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[\[\(【〔﹝〖（［{]\s*(?:19|20)\d\d\s*[\]\)】〕﹞〗）］}]\s*\d{1,5}\s*号?"
    r"|[\u4e00-\u9fff]{1,20}令\s*第\s*\d{1,5}\s*号?"
)
