"""Dates in the forms Chinese sources write them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_CHINESE_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# 2021年4月12日, 2021.04.12, 2021-4-12, 2021/04/12, 2021 - 12 - 20 (full-width folded first)
DATE_PATTERN = re.compile(
    r"((?:19|20)\d\d)\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})(?!\d))"
)
_CHINESE_DATE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def chinese_number(text: str) -> int:
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CHINESE_DIGITS.get(units, 0) if units else 0)
    return _CHINESE_DIGITS[text]


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every valid date in the text with its position, in order."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, date]] = []
    for match in DATE_PATTERN.finditer(text):
        year = int(match.group(1))
        month = int(match.group(2) or match.group(4))
        day = int(match.group(3) or match.group(5))
        try:
            found.append((match.start(), date(year, month, day)))
        except ValueError:
            continue
    for match in _CHINESE_DATE.finditer(text):
        try:
            year = int("".join(str(_CHINESE_DIGITS[c]) for c in match.group(1)))
            found.append((match.start(), date(year, chinese_number(match.group(2)), chinese_number(match.group(3)))))
        except (KeyError, ValueError):
            continue
    return sorted(found, key=lambda item: item[0])


def parse_date(text: str | None) -> date | None:
    """The first date in the text, or None."""
    if not text:
        return None
    dates = find_dates(text)
    return dates[0][1] if dates else None
