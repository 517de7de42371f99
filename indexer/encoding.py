"""Reading text whatever its encoding: UTF-8, GBK, GB2312, GB18030, declared or not."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from indexer.errors import ParseError

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def decode(data: bytes) -> str:
    """Text from bytes, never mojibake.

    Declarations are often wrong, so they are checked, not trusted: bytes that are valid
    UTF-8 are UTF-8; the Chinese national encodings are read as GB18030 (a superset of
    GB2312 and GBK); anything else goes to charset detection.
    """
    if not data.strip():
        raise ParseError("empty file")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("binary data, not text")
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    # a UTF-8 mark is no proof: some CMSs put it before GBK bytes
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.end == len(data):
            return data[: error.start].decode("utf-8")  # cut inside its last character
    declared = _DECLARED.search(data[:4096])
    candidates = ["gb18030"]
    if declared and declared.group(1).decode("ascii", "ignore").lower() not in ("utf-8", "utf8", "gbk", "gb2312", "gb18030"):
        candidates.insert(0, declared.group(1).decode("ascii", "ignore"))
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(data).best()
    if best is None:
        raise ParseError("cannot tell the text encoding (binary data?)")
    return str(best)


def read_text(path: Path) -> str:
    text = decode(path.read_bytes())
    if looks_binary(text):
        raise ParseError("binary data, not text")
    return text


def looks_binary(text: str) -> bool:
    """Control characters and unassigned code points betray bytes that were never text."""
    sample = text[:20000]
    odd = sum(1 for char in sample if unicodedata.category(char) in ("Cc", "Co", "Cn") and char not in "\n\r\t\f")
    return odd > max(5, len(sample) // 100)
