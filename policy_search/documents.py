"""Documents as the API and the pages show them: every field, versions, links."""

from __future__ import annotations

from datetime import date
from typing import Any

from analyzers.query import normalize_query
from policy_search.ranking import NO_TITLE_MATCH, title_tier
from policy_search.schema import (
    STATUS_LABELS,
    Document,
    Status,
    ordered_versions,
    public_fields,
    status_on,
    suggest_key,
    title_key,
)
from policy_search.search import make_request, ranked_search
from policy_search.store_query import Sort
from policy_search.stores import Store

MAX_SUGGESTIONS = 20


class NoVersionInForce(LookupError):
    """No regulation matches a title, or none of its versions is in force on the day."""


class NoTitleMatch(NoVersionInForce):
    """No regulation's title matches what was asked for (words in bodies do not count)."""


def version_summaries(versions: list[Document], day: date) -> list[dict[str, Any]]:
    """The versions of a family, oldest first, with their status on `day`."""
    summaries = []
    for doc in ordered_versions(versions):
        status = status_on(doc, day)
        summaries.append({
            "id": doc.id, "title": doc.title, "doc_number": doc.doc_number,
            "publish_date": _iso(doc.publish_date), "effective_date": _iso(doc.effective_date),
            "expiry_date": _iso(doc.expiry_date), "status": status.value,
            "status_label": STATUS_LABELS[status], "is_current": status.value == "in_force",
        })
    return summaries


def versions_view(store: Store, doc_id: str, day: date) -> dict[str, Any] | None:
    doc = store.get_many([doc_id], with_body=False).get(doc_id)
    if doc is None:
        return None
    versions = store.family_versions([doc.family])[doc.family] or [doc]
    return {"family_id": doc.family, "versions": version_summaries(versions, day)}


def document_view(store: Store, doc_id: str, day: date) -> dict[str, Any] | None:
    doc = store.get(doc_id)
    if doc is None:
        return None
    data = public_fields(doc, day)
    versions = store.family_versions([doc.family])[doc.family] or [doc]
    data["versions"] = version_summaries(versions, day)
    return data


def current_document(store: Store, title: str, day: date) -> Document:
    """The version in force on `day` of the regulation that best matches `title`."""
    # ranking puts the best title match first (or the version of its family in force)
    request = make_request(title, valid_on=day, size=1, sort=Sort.RELEVANCE.value, facets=[], analyzer=store.analyzer)
    hits = ranked_search(store, request).hits if request.has_words else []
    # Ranking puts titles that match (the title itself, the short title, titles holding the
    # words) before documents that only mention the words in their text: when the first
    # is one of those, no title matches.
    if not hits or title_tier(hits[0].document.title, title_key(request.text), request.terms) == NO_TITLE_MATCH:
        raise NoTitleMatch(f"no regulation's title matches {title!r}")
    best = hits[0]
    family = best.document.family
    versions = store.family_versions([family])[family] or [best.document]
    ordered = ordered_versions(versions)
    in_force = [doc for doc in ordered if status_on(doc, day) is Status.IN_FORCE]
    if not in_force:
        newest = ordered[-1]
        if newest.repealed_by and status_on(newest, day) is Status.REPEALED:  # say what to read instead
            raise NoVersionInForce(f"{newest.title} was repealed on {newest.repealed_by.on.isoformat()} by"
                                   f" {newest.repealed_by.title} (id {newest.repealed_by.id})")
        raise NoVersionInForce(f"no version of {best.document.title} is in force on {day.isoformat()}")
    found = store.get(in_force[-1].id)
    if found is None:  # deleted since the versions were read
        raise NoVersionInForce(f"no version of {best.document.title} is in force on {day.isoformat()}")
    return found


def suggestions(store: Store, q: str, size: int, day: date) -> list[dict[str, str]]:
    """Title completions for what a user has typed so far: one per title, pointing at the
    version in force on `day` where there is one."""
    key = suggest_key(store.analyzer.expand_abbreviations(normalize_query(q)))
    if not key:
        return []
    chosen: dict[str, Document] = {}
    for doc in store.suggest(key, limit=size * 5):
        held = chosen.get(doc.title)
        if held is None or (status_on(doc, day) is Status.IN_FORCE and status_on(held, day) is not Status.IN_FORCE):
            chosen[doc.title] = doc
    return [{"text": doc.title, "id": doc.id} for doc in list(chosen.values())[:size]]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
