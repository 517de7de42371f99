"""Government portal pages (政府信息公开): metadata by label, the body without the chrome.

Portals lay out their metadata block differently (tables, definition lists, `label：value`
lines), so it is read by its labels, never by one site's CSS selectors.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from indexer.encoding import read_text
from indexer.errors import ParseError
from indexer.metadata import INTERPRETATION_TITLE, field_of, interpretation_reference, to_fields
from policy_search.schema import Document, Kind, make_id

_CHROME_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "button",
                "select", "input", "svg"]
_CHROME_NAMES = re.compile(r"nav|menu|footer|header|breadcrumb|share|bdshare|toolbar|sidebar|copyright|crumb|"
                           r"print|related|xgwj|fenxiang|jiathis|top-bar|search", re.I)
_CONTENT_NAMES = re.compile(r"content|article|zoom|trs_editor|editor|main|detail|text|zw|body", re.I)
_LABEL_VALUE = re.compile(r"^\s*([\u4e00-\u9fff]{2,6})\s*[:：]\s*(.+?)\s*$")


def parse_portal_html(path: Path) -> list[Document]:
    text = read_text(path)
    if not re.search(r"<(html|body|div|p|table)\b", text[:20000], re.I):
        raise ParseError("not an HTML page")
    soup = BeautifulSoup(text, "lxml")
    if soup.body is None:
        raise ParseError("the page has no body")
    for tag in soup(_CHROME_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        tag.decompose()
    pairs, metadata_nodes = _metadata(soup)
    for node in metadata_nodes:
        node.decompose()
    fields = to_fields(pairs)
    title = fields.pop("title", None) or _title(soup)
    if not title:
        raise ParseError("no title (no 标题 label, <h1> or <title>)")
    body = _body(soup, title)
    if not body and not pairs:
        raise ParseError("no content: the page is empty or truncated before its text")
    kind = Kind.INTERPRETATION if INTERPRETATION_TITLE.search(title) else Kind.POLICY
    source_url = _canonical_url(soup)
    doc = Document(
        id=make_id("html", source_url or fields.get("index_no") or str(path.name), title),
        kind=kind,
        title=title,
        body=body,
        source_url=source_url,
        source_path=str(path),
        doc_type="解读" if kind is Kind.INTERPRETATION else _doc_type(title),
        interprets_ref=interpretation_reference(title, body) if kind is Kind.INTERPRETATION else None,
        **fields,
    )
    return [doc]


def _is_chrome(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.name in ("html", "body") or tag.attrs is None:
        return False
    names = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(names.strip()) and bool(_CHROME_NAMES.search(names)) and not _CONTENT_NAMES.search(names)


def _metadata(soup: BeautifulSoup) -> tuple[dict[str, str], list[Tag]]:
    """Label → value pairs from tables, definition lists and `label：value` lines."""
    pairs: dict[str, str] = {}
    nodes: list[Tag] = []

    def add(label: str, value: str, node: Tag) -> None:
        if field_of(label) and label not in pairs:
            pairs[label] = value
            if node not in nodes:
                nodes.append(node)

    for cells_row in soup.find_all("tr"):
        cells = cells_row.find_all(["td", "th"])
        for label_cell, value_cell in zip(cells[::2], cells[1::2]):
            add(label_cell.get_text(" ", strip=True), value_cell.get_text(" ", strip=True), cells_row.find_parent("table") or cells_row)
    for term in soup.find_all("dt"):
        value = term.find_next_sibling("dd")
        if value:
            add(term.get_text(strip=True), value.get_text(" ", strip=True), term.find_parent("dl") or term)
    for node in soup.find_all(["li", "p", "span", "div"]):
        if node.find(["li", "p", "div", "table"]):
            continue
        match = _LABEL_VALUE.match(node.get_text(" ", strip=True))
        if match:
            add(match.group(1), match.group(2), node)
    return pairs, nodes


def _title(soup: BeautifulSoup) -> str | None:
    for tag in soup.find_all(["h1", "h2"]):
        text = tag.get_text(" ", strip=True)
        if len(text) >= 4:
            return text
    if soup.title and soup.title.string:
        return re.split(r"\s*[-_|—]\s*", soup.title.string.strip())[0] or None
    return None


def _body(soup: BeautifulSoup, title: str) -> str:
    candidates = [tag for tag in soup.find_all(["div", "article", "section", "td"])
                  if _CONTENT_NAMES.search(" ".join([tag.get("id") or "", *(tag.get("class") or [])]))]
    best = max(candidates, key=lambda tag: len(tag.get_text(strip=True)), default=None)
    if best is None or len(best.get_text(strip=True)) < 20:
        best = soup.body
    for heading in best.find_all(["h1", "h2"]):
        if heading.get_text(" ", strip=True) == title:
            heading.decompose()
    blocks = []
    for line in best.get_text("\n").splitlines():
        line = " ".join(line.split())
        if line:
            blocks.append(line)
    return "\n".join(blocks)


def _canonical_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel="canonical")
    if link and link.get("href"):
        return link["href"]
    meta = soup.find("meta", attrs={"property": "og:url"})
    return meta.get("content") if meta else None


_DOC_TYPES = ("通知", "意见", "办法", "规定", "决定", "方案", "通告", "公告", "条例", "细则", "规划", "批复", "函")


def _doc_type(title: str) -> str | None:
    return next((t for t in _DOC_TYPES if title.endswith(t)), None)
