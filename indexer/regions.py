"""The region (行政区划) of an issuer, from the place names its name starts with.

Looked up in a table of China's administrative divisions (`data/regions.tsv`), never
guessed: 广州市天河区科技工业和信息化局 → 广东省广州市天河区, 广东省人力资源和社会保障厅 →
广东省, 国务院 → 国家. A county-level name that several cities share (朝阳区) counts only
inside a place already named, or inside the page's own place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_TABLE = Path(__file__).with_name("data") / "regions.tsv"
NATIONAL = "国家"
# Issuers of the state itself, whose names carry no place.
_NATIONAL_ISSUERS = ("国务院", "全国人民代表大会", "全国人大", "最高人民法院", "最高人民检察院", "中共中央",
                     "中华人民共和国", "国家")
# What an issuer's name may start with before its place (中共广州市天河区委统战部).
_LEADING = ("中国共产党", "中共")


@dataclass(frozen=True)
class Place:
    code: str  # six digits: province 44 0000, city 4401 00, county 440106
    name: str
    region: str  # the full region: 广东省广州市天河区

    def contains(self, other: Place) -> bool:
        if self.code.endswith("0000"):
            return other.code[:2] == self.code[:2]
        if self.code.endswith("00"):
            return other.code[:4] == self.code[:4]
        return other.code == self.code


@lru_cache(maxsize=1)
def _places() -> dict[str, list[Place]]:
    by_name: dict[str, list[Place]] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, region = line.split("\t")
        by_name.setdefault(name, []).append(Place(code, name, region))
    return by_name


_LONGEST = 12


def place_of(name: str, within: Place | None = None) -> Place | None:
    """The most specific place a name starts with (广州市天河区… → 天河区 of 广州市)."""
    text = name.strip()
    for word in _LEADING:
        text = text.removeprefix(word)
    places = _places()
    found: Place | None = None
    position = 0
    while position < len(text):
        match = None
        for length in range(min(_LONGEST, len(text) - position), 1, -1):
            candidates = places.get(text[position : position + length])
            if not candidates:
                continue
            scope = found or within
            inside = [p for p in candidates if scope is None or scope.contains(p) or p.contains(scope)]
            if found is not None:
                inside = [p for p in inside if found.contains(p) and p != found]
            if len(inside) == 1 or (len(candidates) == 1 and found is None and not inside):
                match = (inside or candidates)[0]
                position += length
                break
        if match is None:
            break
        found = match
    return found


def region_of(issuer: str, within: Place | None = None) -> str | None:
    """The region of an issuer: 国家 for the state's own bodies, else its place's region."""
    text = issuer.strip()
    if text.startswith(_NATIONAL_ISSUERS):
        return NATIONAL
    place = place_of(text, within)
    return place.region if place else None


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Place]:
    return {place.code: place for places in _places().values() for place in places}


def place_by_code(code: str) -> Place | None:
    return _by_code().get(code)
