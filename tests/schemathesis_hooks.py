"""Hooks for the schemathesis run of test_api_contract.py (loaded by SCHEMATHESIS_HOOKS).

Two rules of /api/v1/search span two parameters, which an OpenAPI description cannot state:
page × size may not exceed the result window, and date_from may not be after date_to. Both
answer 422 (test_api.py and test_security.py check that); here the generated requests that
are valid parameter by parameter are kept inside them. And half of the valid document ids
generated are replaced by ones that exist, so that the documents' routes are tried with answers,
not only with 404s. For the write API (run with a key): a text/html body is a real portal
page, and a record's id, where one is generated, is the id of the URL, as it must be.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import schemathesis

from policy_search.store_query import MAX_RESULT_WINDOW

# The write API's batch body is JSON lines: sent as the text generated for it.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

# What a valid text/html body is cannot be described (it must be a portal page): a real one.
PORTAL_PAGE = (Path(__file__).resolve().parent.parent / "fixtures" / "portal" / "shenzhen-notice.html").read_text(
    encoding="utf-8")

KNOWN_IDS = [i for i in os.environ.get("POLICY_SEARCH_CONTRACT_IDS", "").split(",") if i]
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number(value: object) -> int | None:
    if type(value) is int:
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _within_rules(query: dict) -> None:
    page, size = _number(query.get("page", 1)), _number(query.get("size", 10))
    if page and size and page * size > MAX_RESULT_WINDOW:
        query["page"] = max(1, MAX_RESULT_WINDOW // size)
    first, last = query.get("date_from"), query.get("date_to")
    if isinstance(first, str) and isinstance(last, str) and DAY.fullmatch(first) and DAY.fullmatch(last) \
            and first > last:
        query["date_from"], query["date_to"] = last, first


@schemathesis.hook
def map_case(context, case):
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case  # requests meant to be refused are left as they were made
    if isinstance(case.query, dict):
        _within_rules(case.query)
    if case.media_type == "text/html":
        case.body = PORTAL_PAGE  # a page a CMS sends, not text made up to be one
    if isinstance(case.body, dict) and case.body.get("id") is not None and case.path_parameters:
        case.body["id"] = case.path_parameters.get("doc_id")  # a record's id may only repeat the URL's
    doc_id = (case.path_parameters or {}).get("doc_id")
    if KNOWN_IDS and isinstance(doc_id, str):
        pick = zlib.crc32(doc_id.encode("utf-8", "surrogatepass"))
        if pick % 2:
            case.path_parameters["doc_id"] = KNOWN_IDS[pick // 2 % len(KNOWN_IDS)]
    return case
