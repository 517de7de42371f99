"""Normalisation of what users type and what sources write."""

from __future__ import annotations

import re
import unicodedata


def normalize_text(text: str) -> str:
    """Full-width forms to half-width (NFKC) and letters to lower case."""
    return unicodedata.normalize("NFKC", text).lower()


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


# Looks like a document number: an issuer abbreviation, a bracketed year, a serial number.
DOC_NUMBER_PATTERN = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[\[\(【〔﹝〖（［{]\s*(?:19|20)\d\d\s*[\]\)】〕﹞〗）］}]\s*\d{1,5}\s*号?"
)
