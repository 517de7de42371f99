"""Chinese numerals as laws write article numbers: 第一千零六十二条, 第一百三十三条之一.

Users cite articles in Arabic or Chinese numerals (第1062条, 第一千零六十二条); the corpus
writes them in Chinese, in the standard form (一百一十, 一千零一, 十五). These functions
convert between the two, so that a number typed either way finds the article.
"""

from __future__ import annotations

import re

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NAMES = "零一二三四五六七八九"

CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"
# An article number as the corpus writes it: 第X条 or 第X条之Y.
_ARTICLE_NUMBER = re.compile(f"^第({CHINESE_NUMERAL})条(?:之({CHINESE_NUMERAL}))?$")


def chinese_to_int(text: str) -> int:
    """一千零六十二 -> 1062, 十五 -> 15, 一〇六二 -> 1062 (digit by digit); ValueError if
    `text` is not a Chinese numeral."""
    if not text or not re.fullmatch(CHINESE_NUMERAL, text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(char in _UNITS for char in text):  # written digit by digit
        return int("".join(str(_DIGITS[char]) for char in text))
    total, section, digit = 0, 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _UNITS[char]
            digit = None
    return total + section + (digit or 0)


def int_to_chinese(number: int) -> str:
    """1062 -> 一千零六十二, 15 -> 十五, 110 -> 一百一十, 1001 -> 一千零一 (below 10,000, the
    numbers articles have)."""
    if not 0 <= number < 10_000:
        raise ValueError(f"out of range for an article number: {number}")
    if number == 0:
        return "零"
    if 10 <= number < 20:  # 十五, not 一十五
        return "十" + (_NAMES[number - 10] if number > 10 else "")
    words: list[str] = []
    pending_zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(_NAMES[digit] + unit)
    return "".join(words)


def numeral_value(text: str) -> int:
    """A number typed in Arabic or Chinese numerals: 1062, １０６２, 一千零六十二."""
    text = text.strip()
    if text.isdecimal():
        return int(text)
    return chinese_to_int(text)


def article_number(main: int, sub: int | None = None) -> str:
    """The article number as the corpus writes it: (1062, None) -> 第一千零六十二条,
    (133, 1) -> 第一百三十三条之一."""
    number = f"第{int_to_chinese(main)}条"
    return f"{number}之{int_to_chinese(sub)}" if sub else number


def article_value(number: str) -> tuple[int, int] | None:
    """第一百三十三条之一 -> (133, 1), 第五条 -> (5, 0); None for anything else. Orders
    articles by number."""
    match = _ARTICLE_NUMBER.match(number.strip())
    if not match:
        return None
    return chinese_to_int(match.group(1)), chinese_to_int(match.group(2)) if match.group(2) else 0
