"""Everyday words to the law's words, and the words of a question that say nothing.

Citizens ask in their own words (房东不退押金怎么办); the laws answer in theirs (出租人,
押金, 返还). Two data files bridge the gap:

- `analyzers/data/colloquial.txt`: `colloquial => statutory[, statutory …]` a line, the
  words the laws use for a word people say (房东 => 出租人). A deployment adds its own
  in files of the same format (the POLICY_SEARCH_COLLOQUIAL setting; see
  `analyzer.AnalyzerConfig`); their words are added to the shipped ones.
- `analyzers/data/question_words.txt`: one word or phrase a line, the question words
  that make a text a question (怎么办, 吗, 谁) and, with them, the function words that
  count for nothing in a question (的, 我, 可以).

The analyzer knows every colloquial word as a word (so that 打官司 stays whole in a
query and in the index) and says which statutory words it stands for; weighing them is
the query parser's business.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from analyzers.errors import DataFileError
from analyzers.normalize import normalize_text, words_only

# Frequency given to a colloquial word that jieba does not take whole: as a short form's
# (synonyms.SHORT_FORM_FREQUENCY), enough to keep 打官司 whole in a question, not so much
# that it breaks the words of the laws around it (scripts/check_colloquial.py --segmentation).
COLLOQUIAL_FREQUENCY = 2_000

# What separates the statutory words of a rule (after NFKC, ， is ,).
_STATUTORY_SEPARATOR = re.compile(r"[,、;]")


@dataclass(frozen=True)
class ColloquialRule:
    """One line of a colloquial file: a word people say and the laws' words for it."""

    colloquial: str
    statutory: tuple[str, ...]
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def default_colloquial_file() -> Path:
    return Path(str(resources.files("analyzers") / "data" / "colloquial.txt"))


def default_question_words_file() -> Path:
    return Path(str(resources.files("analyzers") / "data" / "question_words.txt"))


def _content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The numbered lines of a data file, comments (from #) and blank lines left out."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line


def _is_one_word(text: str) -> bool:
    """Whether `text` is one run of word characters: what the segmenter can take whole."""
    return bool(text) and words_only(text).split() == [normalize_text(text)]


def read_colloquial(path: Path) -> list[ColloquialRule]:
    """The rules of a colloquial file, in order (comments start with #).

    Raises DataFileError naming the file and line of the first malformed one."""
    rules: list[ColloquialRule] = []
    for number, line in _content_lines(path):
        colloquial, arrow, statutory = (part.strip() for part in normalize_text(line).partition("=>"))
        terms = tuple(term.strip() for term in _STATUTORY_SEPARATOR.split(statutory))
        if not arrow or not _is_one_word(colloquial) or not all(_is_one_word(term) for term in terms):
            raise DataFileError(f"{path}:{number}: expected `colloquial => statutory[, statutory …]` "
                             f"(words without spaces or punctuation), got {line!r}")
        rules.append(ColloquialRule(colloquial, tuple(dict.fromkeys(terms)), Path(path), number))
    return rules


def colloquial_map(rules: Iterable[ColloquialRule]) -> dict[str, tuple[str, ...]]:
    """Colloquial word -> its statutory words. A later rule for the same word adds its
    words to the earlier ones (a staff file extends the shipped rules, it does not
    replace them); a word is never its own statutory word (the word typed counts anyway)."""
    merged: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        words = (*merged.get(rule.colloquial, ()), *rule.statutory)
        merged[rule.colloquial] = tuple(w for w in dict.fromkeys(words) if w != rule.colloquial)
    return merged


@dataclass(frozen=True)
class QuestionWords:
    """The words of a question-words file: those that ask (怎么办, 吗, 谁: a text holding
    one is a question) and the other function words (的, 我, 可以: they count for nothing
    in a question, but 政府信息公开的规定 is no question for holding 的)."""

    asking: frozenset[str]
    function: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.asking | self.function


_SECTIONS = ("[asking]", "[function]")


def read_question_words(path: Path) -> QuestionWords:
    """The words and phrases of a question-words file, one a line, under a `[asking]` or
    `[function]` line (comments start with #).

    Raises DataFileError naming the file and line of a line that is not one word, or of
    a word before the first section."""
    sections: dict[str, set[str]] = {section: set() for section in _SECTIONS}
    section: str | None = None
    for number, line in _content_lines(path):
        if line in _SECTIONS:
            section = line
        elif section is None:
            raise DataFileError(f"{path}:{number}: expected [asking] or [function] before the first word, got {line!r}")
        elif not _is_one_word(line):
            raise DataFileError(f"{path}:{number}: expected one word or phrase without spaces or punctuation, "
                                f"got {line!r}")
        else:
            sections[section].add(normalize_text(line))
    return QuestionWords(frozenset(sections["[asking]"]), frozenset(sections["[function]"]))


def without_question_words(tokens: list[str], question_words: frozenset[str]) -> list[str]:
    """The tokens, in order, without those that are question words and without runs of
    tokens that together spell one (可以 + 吗 for 可以吗, 咨询 + 一下): the longest run
    is taken first."""
    longest = _longest(question_words)
    kept: list[str] = []
    start = 0
    while start < len(tokens):
        end = _question_run_end(tokens, start, question_words, longest)
        if end == start:
            kept.append(tokens[start])
            end = start + 1
        start = end
    return kept


# Question words of one character that jieba's model of new words glues to a neighbour
# (能换, 要分, 人要): modal verbs, particles, pronouns. Not 中, 上, 于, 某 …, which also
# stand in names (中建, 于某) that the model makes words of.
_GLUED = frozenset("能要会想该应需得可吗么呢吧了的啊呀嘛哦啦我你他她它谁啥人")


def peeled(token: str, question_words: frozenset[str]) -> str:
    """A token without the question words of one character glued to its ends (能换 -> 换,
    能要 -> nothing). For tokens that jieba's model of new words made; a dictionary
    word (要求, 会议) must not be given to it."""
    glued = _GLUED & question_words
    start, end = 0, len(token)
    while start < end and token[start] in glued:
        start += 1
    while end > start and token[end - 1] in glued:
        end -= 1
    return token[start:end]


@functools.lru_cache(maxsize=8)
def _longest(words: frozenset[str]) -> int:
    """The length of the longest of the words (a frozenset keeps its hash: cheap to look up)."""
    return max((len(word) for word in words), default=0)


def _question_run_end(tokens: list[str], start: int, question_words: frozenset[str], longest: int) -> int:
    """The end of the longest run of tokens from `start` that spells a question word
    (`start` itself where none does)."""
    best, spelled = start, ""
    for end in range(start, len(tokens)):
        spelled += tokens[end]
        if len(spelled) > longest:
            break
        if spelled in question_words:
            best = end + 1
    return best


def missing_statutory_terms(rules: Iterable[ColloquialRule], texts: Iterable[str]) -> list[tuple[ColloquialRule, str]]:
    """The statutory words of the rules that occur in none of the texts, each with its
    rule (for the file and line), in the order of the rules.

    Texts are compared as the segmenter sees them (normalised, punctuation as spaces),
    so that a word does not count as occurring across a comma."""
    rules = list(rules)
    wanted = {term for rule in rules for term in rule.statutory}
    for text in texts:
        text = words_only(text)
        wanted -= {term for term in wanted if term in text}
        if not wanted:
            break
    return [(rule, term) for rule in rules for term in rule.statutory if term in wanted]
