"""The analyzer: how indexing and queries cut text into words, and which short forms they expand.

An `Analyzer` is jieba with the shipped government-terms dictionary and any user
dictionaries of the deployment, the short forms of the shipped synonym file and of any
other synonym files known as words, and the rules that expand those short forms. It is
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

from analyzers.segment import Segmenter, default_user_dict
from analyzers.synonyms import SHORT_FORM_FREQUENCY, default_synonyms_file, read_synonyms


@dataclass(frozen=True)
class AnalyzerConfig:
    """The files an analyzer is made of beyond the shipped ones."""

    user_dicts: tuple[Path, ...] = ()  # `word [freq] [tag]` a line
    synonym_files: tuple[Path, ...] = ()  # `short => long` a line

    @classmethod
    def of(cls, user_dict: str | Path | None = None, synonyms: str | Path | None = None) -> AnalyzerConfig:
        """From settings' file names (empty: none)."""
        return cls(tuple(Path(p) for p in (user_dict,) if p), tuple(Path(p) for p in (synonyms,) if p))


class Analyzer:
    def __init__(self, config: AnalyzerConfig = AnalyzerConfig()) -> None:
        self.config = config
        self.synonyms: dict[str, str] = {}
        for path in (default_synonyms_file(), *config.synonym_files):
            self.synonyms.update(read_synonyms(path))
        self.segmenter = Segmenter([default_user_dict(), *config.user_dicts])
        for short in self.synonyms:  # an abbreviation is cut as one word
            self.segmenter.add_word(short, SHORT_FORM_FREQUENCY)

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

    def query_terms(self, text: str) -> list[str]:
        """The words of a query, in order, each once."""
        return self.segmenter.query_terms(text)

    def cut(self, text: str) -> list[str]:
        return self.segmenter.cut(text)

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


def shipped_analyzer() -> Analyzer:
    """The analyzer of the shipped dictionary and synonym file alone."""
    return analyzer_for(AnalyzerConfig())
