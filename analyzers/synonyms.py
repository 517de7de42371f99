"""Abbreviations people type for long names: `short => long` rules from a synonym file.

The shipped rules are in `analyzers/data/synonyms.txt`; a deployment adds its own in files
of the same format (the POLICY_SEARCH_SYNONYMS setting; see `analyzer.AnalyzerConfig`). The
analyzer knows each short form as a word from the start, so that indexing and queries cut
text the same way whenever it runs.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from analyzers.errors import DataFileError
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
            raise DataFileError(f"{path}:{number}: expected `short => long`, got {line!r}")
        rules[normalize_text(short.strip())] = normalize_text(long.strip())
    return rules
