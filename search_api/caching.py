"""Conditional responses: an ETag from the content, 304 when the browser already has it.

Pages are rendered per request (statuses depend on the day), so the tag is a hash of what
was rendered rather than of the stored document: whatever changes the page changes the tag.
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

# Document pages must be revalidated (a re-index or a new day may change them); the widget
# may be kept for an hour by browsers and portal caches, then revalidated by its tag.
REVALIDATE = "no-cache"
WIDGET_MAX_AGE = "public, max-age=3600"


def entity_tag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def conditional_response(request: Request, content: bytes, media_type: str, cache_control: str,
                         status_code: int = 200) -> Response:
    tag = entity_tag(content)
    headers = {"ETag": tag, "Cache-Control": cache_control}
    if status_code == 200 and tag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(content, status_code=status_code, media_type=media_type, headers=headers)


def _tags(header: str) -> set[str]:
    # Weak tags (W/"…") from proxies that compressed the response still name the same content.
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
