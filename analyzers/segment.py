"""Word segmentation with jieba's dictionary and algorithm.

rjieba (a binding of jieba-rs) gives jieba's tokens about twenty times faster than the
pure-Python jieba, which stays as the fallback where rjieba cannot be installed. Both load
the same user dictionary format (``word [freq] [tag]`` a line).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from analyzers.normalize import words_only, words_only_aligned

# Raised when a change to this module or to `normalize` changes the tokens of a text.
TOKENS_VERSION = 1


class Segmenter:
    def __init__(self, user_dicts: list[Path] | None = None) -> None:
        # Imported here, where the engine is chosen: rjieba where it is installed, else the
        # pure-Python jieba, whose import (a quarter to half a second) only the fallback pays.
        try:
            import rjieba

            self._engine: Any = rjieba.Jieba()
            self._cut: Callable[[str], list[str]] = self._engine.cut
            self._cut_for_search: Callable[[str], list[str]] = self._engine.cut_for_search
            self._has_word: Callable[[str], bool] = self._engine.has_word
            engine_add_word = self._engine.add_word
            engine = f"rjieba {metadata.version('rjieba')}"
        except ImportError:  # pragma: no cover - depends on the platform
            import jieba

            self._engine = jieba.Tokenizer()
            self._cut = lambda text: list(self._engine.cut(text))
            self._cut_for_search = lambda text: list(self._engine.cut_for_search(text))
            self._has_word = lambda word: self._engine.check_initialized() or bool(self._engine.FREQ.get(word))
            engine_add_word = self._engine.add_word
            engine = f"jieba {metadata.version('jieba')}"
        # What decides the tokens of a text, for `fingerprint`.
        self._makings = hashlib.sha256(f"{engine} {TOKENS_VERSION} {unicodedata.unidata_version}".encode())

        def add_word(word: str, freq: int | None, tag: str | None) -> None:
            engine_add_word(word, freq, tag)
            self._makings.update(f"\n{word} {freq} {tag}".encode())

        self._add_word = add_word
        for path in user_dicts or []:
            self.load_user_dict(path)

    @property
    def fingerprint(self) -> str:
        """What the tokens of a text depend on: the engine and its version, every word added
        (user dictionary, short forms), this module's way of making tokens and the Unicode
        tables of normalisation. An index written under another fingerprint holds tokens
        that queries no longer produce, and is segmented again (Store.ensure_segmentation)."""
        return self._makings.hexdigest()[:16]

    def load_user_dict(self, path: Path) -> None:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            self._add_word(word, freq, tag)

    def add_word(self, word: str, freq: int | None = None) -> None:
        self._add_word(word, freq, None)

    def has_word(self, word: str) -> bool:
        """Whether the dictionary holds the word (jieba may still cut an unknown word
        whole on its own, by its model of new words, but not in every context)."""
        return self._has_word(word)

    def is_whole_word(self, word: str) -> bool:
        """Whether the dictionary holds the word, often enough to cut it whole on its own
        (it holds 小三, but too rarely: 小 / 三)."""
        return self._has_word(word) and self.cut(word) == [word]

    def cut(self, text: str) -> list[str]:
        """jieba's precise cut of the text as it is (no normalisation)."""
        return list(self._cut(text))

    def index_text(self, text: str) -> str:
        """The tokens to index, separated by whitespace: every word and the dictionary
        words inside longer ones (jieba's search mode)."""
        return " ".join(self._cut_for_search(words_only(text)))

    def index_tokens(self, text: str) -> list[str]:
        return self.index_text(text).split()

    def index_pieces(self, text: str, bounds: list[tuple[int, int]]) -> list[str]:
        """`index_text` of each slice text[start:end], normalising the text once (a law is
        cut in hundreds of pieces, one an article): the same tokens, up to whitespace."""
        aligned = words_only_aligned(text)
        if aligned is None:
            return [self.index_text(text[start:end]) for start, end in bounds]
        return [" ".join(self._cut_for_search(aligned[start:end])) for start, end in bounds]

    def query_tokens(self, text: str) -> list[str]:
        """The words of a query, in order, repeats kept."""
        return " ".join(self._cut(words_only(text))).split()

    def query_terms(self, text: str) -> list[str]:
        """The words of a query, in order, each once."""
        return list(dict.fromkeys(self.query_tokens(text)))


def default_user_dict() -> Path:
    return Path(str(resources.files("analyzers") / "data" / "user_dict.txt"))
