"""Legal-database text records: `TITLE 文章属性 •【制定机关】… •【公布日期】… 正文 BODY`."""

from __future__ import annotations

import re
from pathlib import Path

from indexer.encoding import read_text
from indexer.errors import ParseError
from indexer.metadata import to_fields
from policy_search.schema import Document, make_id

_ATTRIBUTE = re.compile(r"【([^】]{1,10})】\s*([^•【]*?)\s*(?=•|【|正文|$)", re.S)


def parse_legal_database_record(path: Path) -> list[Document]:
    text = read_text(path)
    if "文章属性" not in text:
        raise ParseError("not a legal-database record (no 文章属性 block)")
    title, _, rest = text.partition("文章属性")
    attributes, _, body = rest.partition("正文")
    pairs = {label: value for label, value in _ATTRIBUTE.findall(attributes)}
    fields = to_fields(pairs)
    if not fields:
        raise ParseError("the 文章属性 block has no 【label】 items")
    title = " ".join(title.split()) or str(fields.get("title") or "")
    if not title:
        raise ParseError("no title before 文章属性")
    body = body.strip()
    # the body often repeats the title and the number before the text proper
    for prefix in (title, fields.get("doc_number") or ""):
        if prefix and body.startswith(prefix):
            body = body[len(prefix):].lstrip()
    fields.pop("title", None)
    fields.setdefault("effective_date", None)
    return [Document(
        id=make_id("record", fields.get("doc_number") or title, str(fields.get("publish_date") or "")),
        title=title, body=body, source_path=str(path), **fields,
    )]
