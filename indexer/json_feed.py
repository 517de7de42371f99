"""JSON and JSONL records in the API's document fields, for programmatic feeds."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from analyzers import normalize_doc_number
from indexer.errors import ParseError
from policy_search.schema import DERIVED_FIELDS, Document, make_id


def parse_json_feed(path: Path) -> list[Document]:
    """Documents from a .json file (one object or a list) or a .jsonl file (one per line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    if path.suffix.lower() == ".jsonl":
        records = []
        # lines end at "\n" only: U+2028 and U+2029 may stand raw inside JSON strings
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip():
                records.append(load_json(line, f"line {number}"))
    else:
        data = load_json(text, "file")
        records = data if isinstance(data, list) else [data]
    return [record_to_document(record, path, position) for position, record in enumerate(records, 1)]


def load_json(text: str, where: str):
    """JSON text as data, or a ParseError saying what is wrong and where."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"invalid JSON in {where}: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise ParseError(f"JSON in {where} is nested too deeply") from None
    try:  # a \ud800 escape decodes to a lone surrogate, which no store can hold
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError(f"JSON in {where} holds an invalid Unicode escape (a lone surrogate)") from None
    return data


def _text_list(value: object, field: str, position: int) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise ParseError(f"record {position}: {field}: must be text or a list of texts")
    return [item.strip() for item in values if item.strip()]


def record_to_document(record: object, path: Path | None = None, position: int = 1) -> Document:
    if not isinstance(record, dict):
        raise ParseError(f"record {position} is not a JSON object")
    # the derived fields are the indexer's: a record exported from the API (or another
    # index) names them, and a supersession date kept would mark a version amended for good
    data = {name: value for name, value in record.items() if name not in DERIVED_FIELDS}
    for field in ("id", "title", "doc_number"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise ParseError(f"record {position}: {field}: must be text")
    if data.get("doc_number"):
        data["doc_number"] = normalize_doc_number(data["doc_number"])
    data["issuers"] = _text_list(data.get("issuers"), "issuers", position)
    if not data.get("id"):
        data["id"] = make_id("record", data.get("doc_number") or data.get("title"), str(data.get("publish_date") or ""))
    if path is not None and not data.get("source_path"):
        data["source_path"] = str(path)
    try:
        return Document.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "record"
        raise ParseError(f"record {position}: {field}: {first['msg']}") from None
