"""Abbreviations people type for long names: `short => long` rules from a synonym file.

The shipped rules are in `analyzers/data/synonyms.txt`; the rules of a file named by the
POLICY_SEARCH_SYNONYMS setting are added to them. The segmenter knows each short form as a
word from the start, so that indexing and queries cut text the same way whenever it runs.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from analyzers.normalize import normalize_text

# Frequency given to a short form in the segmenter: enough to keep 道交法 whole, not so
# much that it wins over ordinary words around it (撤消法人 stays 撤消 / 法人).
SHORT_FORM_FREQUENCY = 2_000


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
    return rules
