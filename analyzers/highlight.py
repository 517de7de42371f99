"""Marking matched words in a document's own text.

Matching runs on the normalised text (full-width folded, lower case) and the marks are
placed on the original characters, so the HTML shows the document exactly as published,
with nothing added by segmentation. Everything but the <mark> tags is escaped.
"""

from __future__ import annotations

import html
import re
import unicodedata

Span = tuple[int, int]


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the original index."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower() if not char.isascii() else char.lower()
        chars.append(folded)
        offsets.extend([index] * len(folded))
    return "".join(chars), offsets


def match_spans(text: str, terms: list[str]) -> list[Span]:
    """Spans of the original text where any term occurs, merged where they touch."""
    terms = [t for t in terms if t]
    if not terms or not text:
        return []
    normalised, offsets = _normalised_with_offsets(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)))
    spans: list[Span] = []
    for match in pattern.finditer(normalised):
        start, end = offsets[match.start()], offsets[match.end() - 1] + 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def render(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out: list[str] = []
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(html.escape(text[position:span_start]))
        out.append("<mark>" + html.escape(text[span_start:span_end]) + "</mark>")
        position = span_end
    out.append(html.escape(text[position:end]))
    return "".join(out)


def highlight(text: str, terms: list[str]) -> str:
    """The whole text as HTML with the terms marked."""
    return render(text, match_spans(text, terms))


# An article heading where a line begins (lines are joined by spaces in snippets).
_ARTICLE_START = re.compile(r"(?:^| )(第[一二三四五六七八九十百千零〇\d]+条(?:之[一二三四五六七八九十]+)?)[ \u3000]")


def snippet(text: str, terms: list[str], length: int = 120) -> str:
    """A passage of about `length` characters around the densest matches, as HTML.

    In a text of articles (a law), a passage that starts inside an article is headed by
    that article's number: 第十二条 …
    """
    text = " ".join(text.split())
    spans = match_spans(text, terms)
    if not spans:
        cut = text[:length]
        return html.escape(cut) + ("…" if len(text) > length else "")
    best_start, best_score = spans[0][0], -1
    for index, (span_start, _) in enumerate(spans):
        window_end = span_start + length
        covered = {text[s:e].lower() for s, e in spans[index:] if e <= window_end}
        if len(covered) > best_score:
            best_start, best_score = span_start, len(covered)
    start = max(0, best_start - length // 6)
    end = min(len(text), start + length)
    start = max(0, min(start, end - length))
    heading = _article_before(text, best_start)
    if heading and heading[0] >= start:  # the article's own heading is in the passage: start there
        start, end = heading[0], min(len(text), heading[0] + length)
        heading = None
    prefix = html.escape(heading[1]) + " …" if heading else ("…" if start > 0 else "")
    return prefix + render(text, spans, start, end) + ("…" if end < len(text) else "")


def _article_before(text: str, position: int) -> tuple[int, str] | None:
    """The start and number of the article that holds `position`, if the text has articles."""
    found = None
    for match in _ARTICLE_START.finditer(text, 0, position + 1):
        found = (match.start(1), match.group(1))
    return found
