"""Marking matched words in a document's own text.

Matching runs on the normalised text (full-width folded, lower case) and the marks are
placed on the original characters, so the HTML shows the document exactly as published,
with nothing added by segmentation. Everything but the <mark> tags is escaped.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from analyzers.normalize import expanded_characters, normalize_with_offsets, written_forms_pattern

Span = tuple[int, int]


def match_spans(text: str, terms: list[str]) -> list[Span]:
    """Spans of the original text where any term occurs, merged where they touch."""
    terms = [t for t in terms if t]
    if not terms or not text:
        return []
    expanded = expanded_characters(text)
    if not expanded & set("".join(terms)):
        # the usual case: match the written forms directly, no normalised copy of the text
        searched, offsets = text, None
        pattern = written_forms_pattern(tuple(terms))
    else:
        searched, offsets = normalize_with_offsets(text)
        pattern = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)))
    spans: list[Span] = []
    for match in pattern.finditer(searched):
        start, end = match.span()
        if offsets is not None:
            start, end = offsets[start], offsets[end - 1] + 1
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


# Where a clause ends: a passage cut there does not split a word.
_CLAUSE_END = re.compile(r"[。；;，,、：:！!？? ]")
# An article heading where a line begins (lines are joined by spaces in snippets).
_ARTICLE_START = re.compile(r"(?:^| )(第[一二三四五六七八九十百千零〇\d]+条(?:之[一二三四五六七八九十]+)?)[ \u3000]")


# The most of a text a snippet reads: longer than any law's text (so their passages are
# chosen from the whole), short enough that a document of many megabytes costs a search no
# more than a long law does (a 19 MB document took 2-7 s a search before).
SNIPPET_SCAN = 200_000


def snippet(text: str, terms: list[str], length: int = 120) -> str:
    """A passage of about `length` characters around the densest matches, as HTML.

    In a text of articles (a law), a passage that starts inside an article is headed by
    that article's number: 第十二条 …  A long text is read up to `SNIPPET_SCAN` characters
    from its first stretch that holds a match.
    """
    if len(text) <= SNIPPET_SCAN:
        return _passage(text, terms, length)
    offset, stretch = _stretch_with_match(text, terms)
    passage = _passage(stretch, terms, length)
    return passage if offset == 0 or passage.startswith("…") else "…" + passage


def _passage(text: str, terms: list[str], length: int) -> str:
    text = " ".join(text.split())
    spans = match_spans(text, terms)
    if not spans:
        cut = text[:length]
        return html.escape(cut) + ("…" if len(text) > length else "")
    lead = length // 6  # shown before the first match
    best_start = _densest_window(text, spans, length - lead)
    start = max(0, best_start - lead)
    end = min(len(text), start + length)
    start = max(0, min(start, end - length))
    heading = _article_before(text, best_start)
    if heading and heading[0] >= start:  # the article's own heading is in the passage: start there
        start, end = heading[0], min(len(text), heading[0] + length)
        heading = None
    elif start > 0:  # begin after a clause's end, not inside a word
        boundary = _CLAUSE_END.search(text, start, best_start)
        start = boundary.end() if boundary else start
    if end < len(text):  # and stop after one
        boundaries = list(_CLAUSE_END.finditer(text, max(start, end - lead), end))
        end = boundaries[-1].end() if boundaries else end
    while start < end and text[start] == " ":
        start += 1
    prefix = html.escape(heading[1]) + " …" if heading else ("…" if start > 0 else "")
    return prefix + render(text, spans, start, end) + ("…" if end < len(text) else "")


def _stretch_with_match(text: str, terms: list[str]) -> tuple[int, str]:
    """A stretch of `SNIPPET_SCAN` characters of a long text from a little before its first
    match (where the article holding it begins, mostly), with its offset; the start of the
    text where nothing matches."""
    terms = [t for t in terms if t]
    first = written_forms_pattern(tuple(terms)).search(text) if terms else None
    start = max(0, first.start() - SNIPPET_SCAN // 100) if first else 0
    return start, text[start : start + SNIPPET_SCAN]


def _densest_window(text: str, spans: list[Span], length: int) -> int:
    """Where the window of `length` characters holding the most distinct matched words
    starts (at a match; the first such). One pass with a sliding window: a law can hold
    thousands of matches."""
    words = [text[start:end].lower() for start, end in spans]
    in_window: Counter[str] = Counter()
    best_start, best_score, last = spans[0][0], -1, 0
    for first, (window_start, _) in enumerate(spans):
        while last < len(spans) and spans[last][1] <= window_start + length:
            in_window[words[last]] += 1
            last += 1
        if len(in_window) > best_score:
            best_start, best_score = window_start, len(in_window)
        if last > first:  # the window's first match leaves before the next start
            in_window[words[first]] -= 1
            if not in_window[words[first]]:
                del in_window[words[first]]
        else:
            last = first + 1
    return best_start


def _article_before(text: str, position: int) -> tuple[int, str] | None:
    """The start and number of the article that holds `position`, if the text has articles."""
    found = None
    for match in _ARTICLE_START.finditer(text, 0, position + 1):
        found = (match.start(1), match.group(1))
    return found
