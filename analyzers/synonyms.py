"""Abbreviations people type for long names: `short => long` rules from a synonym file.

The shipped rules are in `analyzers/data/synonyms.txt`; a deployment adds its own in files
of the same format (the POLICY_SEARCH_SYNONYMS setting; see `analyzer.AnalyzerConfig`). The
analyzer knows each short form as a word from the start, so that indexing and queries cut
text the same way whenever it runs.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
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


class RuleConflict(Exception):
    """The file already has a rule for the short form, to another long form."""


def add_synonym(path: Path, short: str, long: str, note: str = "") -> bool:
    """Add the rule `short => long` to a synonym file (made where missing): false when the
    file has it already. The file is written whole to a temporary file and renamed over
    the old one, so that a service reading it (`search_api.live_words`) never sees half a
    line. Raises ValueError for a form a rule cannot hold, RuleConflict where the file
    maps the short form to another long form, DataFileError for a malformed file."""
    short, long = normalize_text(short.strip()), normalize_text(long.strip())
    for form in (short, long):
        if not form or "=>" in form or "#" in form or "\n" in form or "\r" in form:
            raise ValueError(f"not a form a synonym rule can hold: {form!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writing(path):
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        rules = read_synonyms(path) if text else {}
        if short in rules:
            if rules[short] == long:
                return False
            raise RuleConflict(f"{path} maps {short} to {rules[short]} already")
        if text and not text.endswith("\n"):
            text += "\n"
        text += f"{short} => {long}" + (f"  # {note}" if note else "") + "\n"
        _replace_text(path, text)
    return True


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """One writer of a synonym file at a time (two staff accepting rules at once would
    each write the file as read before the other's rule: one rule lost). A `flock` on a
    lock file beside it, released by the system however the process ends."""
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _replace_text(path: Path, text: str) -> None:
    """The file's text replaced at once: written to a file of this writer's own beside it
    (created as any new file is, so that a first synonym file is as readable as the
    user's others: not mkstemp's owner-only mode), then renamed over it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            temporary.chmod(path.stat().st_mode)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
