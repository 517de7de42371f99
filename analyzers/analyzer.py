"""The analyzer: how indexing and queries cut text into words, and which short forms they expand.

An `Analyzer` is jieba with the shipped government-terms dictionary and any user
dictionaries of the deployment, the short forms of the shipped synonym file and of any
other synonym files known as words, and the rules that expand those short forms; the
colloquial words of the shipped colloquial file and of any others, also known as words,
with the statutory words they stand for; and the question words that count for nothing
in a question (`colloquial`). It is
made from an `AnalyzerConfig` (the files beyond the shipped ones) where the service is
put together (the CLI, the app) and handed to the store, which indexes and is queried
with it, so that both sides cut text the same way.

One analyzer is kept per configuration in a process (`analyzer_for`): loading the
dictionary costs ~0.3 s. An analyzer pickles as its configuration, so that a worker
process forked by the indexer finds the one its parent built.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analyzers.colloquial import (
    COLLOQUIAL_FREQUENCY,
    colloquial_map,
    default_colloquial_file,
    default_question_words_file,
    peeled,
    read_colloquial,
    read_question_words,
    without_question_words,
)
from analyzers.errors import DataFileError
from analyzers.normalize import normalize_text
from analyzers.segment import Segmenter, default_user_dict
from analyzers.synonyms import SHORT_FORM_FREQUENCY, default_synonyms_file, read_synonyms


@dataclass(frozen=True)
class AnalyzerConfig:
    """The files an analyzer is made of beyond the shipped ones."""

    user_dicts: tuple[Path, ...] = ()  # `word [freq] [tag]` a line
    synonym_files: tuple[Path, ...] = ()  # `short => long` a line
    colloquial_files: tuple[Path, ...] = ()  # `colloquial => statutory[, statutory …]` a line

    @classmethod
    def of(cls, user_dict: str | Path | None = None, synonyms: str | Path | None = None,
           colloquial: str | Path | None = None) -> AnalyzerConfig:
        """From settings' file names (empty: none)."""
        return cls(*(tuple(Path(p) for p in (name,) if p) for name in (user_dict, synonyms, colloquial)))


class Analyzer:
    def __init__(self, config: AnalyzerConfig = AnalyzerConfig()) -> None:
        """Raises DataFileError naming a file that cannot be read or a malformed line."""
        try:
            self._load(config)
        except OSError as error:  # a file named in the settings that is not there
            raise DataFileError(f"{error.filename}: {error.strerror}") from error

    def _load(self, config: AnalyzerConfig) -> None:
        self.config = config
        self.synonyms: dict[str, str] = {}
        for path in (default_synonyms_file(), *config.synonym_files):
            self.synonyms.update(read_synonyms(path))
        self.segmenter = Segmenter([default_user_dict(), *config.user_dicts])
        for short in self.synonyms:  # an abbreviation is cut as one word
            self.segmenter.add_word(short, SHORT_FORM_FREQUENCY)
        self.colloquial = colloquial_map(
            rule for path in (default_colloquial_file(), *config.colloquial_files) for rule in read_colloquial(path))
        for word in self.colloquial:  # 醉驾 is cut as one word, to be found in the map
            # Words jieba's dictionary holds and cuts whole keep their own frequency:
            # lowering it could change how law texts around them are cut, for nothing.
            if not self.segmenter.is_whole_word(word):
                self.segmenter.add_word(word, COLLOQUIAL_FREQUENCY)
        # Query-side only: they change no token, so they are not part of `fingerprint`.
        words = read_question_words(default_question_words_file())
        self.asking_words = words.asking  # they make a text a question
        self.question_words = words.all  # they count for nothing in a question

    def __reduce__(self):
        return analyzer_for, (self.config,)

    @property
    def fingerprint(self) -> str:
        """What the tokens of a text depend on (`Segmenter.fingerprint`)."""
        return self.segmenter.fingerprint

    def index_text(self, text: str) -> str:
        """The tokens to index, separated by spaces."""
        return self.segmenter.index_text(text)

    def index_tokens(self, text: str) -> list[str]:
        return self.segmenter.index_tokens(text)

    def index_pieces(self, text: str, bounds: list[tuple[int, int]],
                     others: list[str] | tuple[str, ...] = ()) -> tuple[bytes, list[tuple[int, int]]]:
        """The tokens to index of each slice of a text and of other texts, as one UTF-8
        text with each piece's byte span in it (`Segmenter.index_pieces`)."""
        return self.segmenter.index_pieces(text, bounds, others)

    def query_terms(self, text: str) -> list[str]:
        """The words of a query, in order, each once."""
        return self.segmenter.query_terms(text)

    def cut(self, text: str) -> list[str]:
        return self.segmenter.cut(text)

    def content_terms(self, text: str) -> list[str]:
        """The words of a question that carry its content: `query_terms` without question
        and function words (怎么办, 吗, 谁, and phrases such as 可以吗 that jieba cuts in
        several tokens) or punctuation, in order, each once."""
        tokens = without_question_words(self.segmenter.query_tokens(text), self.question_words)
        # jieba's model of new words glues 能 or 要 to a neighbour (能换, 要分): a token
        # the dictionary does not hold loses the question characters at its ends
        tokens = [token if self.segmenter.has_word(token) else peeled(token, self.question_words) for token in tokens]
        return list(dict.fromkeys(token for token in tokens if token))

    def is_question(self, text: str) -> bool:
        """Whether the text asks: a question mark, or a word that asks (怎么办, 吗, 谁, and
        phrases such as 可不可以 that jieba cuts in several tokens)."""
        if "?" in normalize_text(text):  # NFKC makes ？ ?
            return True
        tokens = self.segmenter.query_tokens(text)
        return len(without_question_words(tokens, self.asking_words)) < len(tokens)

    def statutory_terms(self, term: str) -> tuple[str, ...]:
        """The words the laws use for a colloquial term (房东: 出租人), empty if none."""
        return self.colloquial.get(normalize_text(term), ())

    def expand_abbreviations(self, text: str) -> str:
        """Short forms that stand as words of the text, replaced by their long forms."""
        if not any(short in text for short in self.synonyms):
            return text
        return "".join(self.synonyms.get(token, token) for token in self.cut(text))


_lock = threading.Lock()  # server threads asking at once load the dictionary once


def analyzer_for(config: AnalyzerConfig = AnalyzerConfig()) -> Analyzer:
    """The analyzer of a configuration, made once a process."""
    with _lock:
        return _analyzer_for(config)


@lru_cache(maxsize=8)
def _analyzer_for(config: AnalyzerConfig) -> Analyzer:
    return Analyzer(config)


def reload_analyzer(config: AnalyzerConfig = AnalyzerConfig()) -> Analyzer:
    """The analyzer of a configuration made again from its files (changed since it was
    made), and the one `analyzer_for` gives for it from now on."""
    with _lock:
        _analyzer_for.cache_clear()  # lru_cache drops all or nothing; the others load again when asked
        return _analyzer_for(config)


def shipped_analyzer() -> Analyzer:
    """The analyzer of the shipped dictionary and synonym file alone."""
    return analyzer_for(AnalyzerConfig())
