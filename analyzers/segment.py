"""Word segmentation with jieba's dictionary and algorithm.

rjieba (a binding of jieba-rs) gives jieba's tokens about twenty times faster than the
pure-Python jieba, which stays as the fallback where rjieba cannot be installed. Both load
the same user dictionary format (``word [freq] [tag]`` a line).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from analyzers.normalize import words_only, words_only_aligned

# Raised when a change to this module or to `normalize` changes the tokens of a text
# (2: a document's pieces cut in one call; the same tokens, spaced otherwise, so that
# their checksums differ and an index made before is segmented again).
TOKENS_VERSION = 2

# Between the pieces of a text cut in one call (`index_pieces`): a character that
# `words_only` never leaves in text (a control character separates words) and jieba
# gives as a token of its own, so no word runs across it.
_PIECE_BREAK = "\x00"
_PIECE_BREAK_BYTE = _PIECE_BREAK.encode()
_PIECE_BREAKS = re.compile(_PIECE_BREAK_BYTE)


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

    def index_pieces(self, text: str, bounds: list[tuple[int, int]],
                     others: list[str] | tuple[str, ...] = ()) -> tuple[bytes, list[tuple[int, int]]]:
        """The tokens to index of each slice text[start:end] and then of each of `others`,
        as one UTF-8 text, with the byte span of each piece's tokens in it: `index_text` of
        each piece, up to whitespace. A law is cut in hundreds of pieces (one an article),
        so the text is normalised once and all its pieces go to jieba in one call, apart
        only by a character no word runs across (not 318,000 calls on the corpus, and no
        piece joined and encoded on its own)."""
        aligned = words_only_aligned(text)
        texts = [aligned[start:end] for start, end in bounds] if aligned is not None else [
            words_only(text[start:end]) for start, end in bounds]
        texts += [words_only(other) for other in others]
        tokens = " ".join(self._cut_for_search(_PIECE_BREAK.join(texts))).encode("utf-8")
        breaks = [match.start() for match in _PIECE_BREAKS.finditer(tokens)]
        if len(breaks) != len(texts) - 1:  # cannot happen with jieba's rules; never a wrong span
            raise AssertionError(f"{len(texts)} pieces cut into {len(breaks) + 1}")
        spans = list(zip([0, *(position + 1 for position in breaks)], [*breaks, len(tokens)], strict=True))
        return tokens.replace(_PIECE_BREAK_BYTE, b" "), spans

    def query_tokens(self, text: str) -> list[str]:
        """The words of a query, in order, repeats kept."""
        return " ".join(self._cut(words_only(text))).split()

    def query_terms(self, text: str) -> list[str]:
        """The words of a query, in order, each once."""
        return list(dict.fromkeys(self.query_tokens(text)))


def default_user_dict() -> Path:
    return Path(str(resources.files("analyzers") / "data" / "user_dict.txt"))
