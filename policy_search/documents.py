"""Documents as the API and the pages show them: every field, versions, links."""

from __future__ import annotations

from datetime import date
from typing import Any

from policy_search.schema import STATUS_LABELS, Document, ordered_versions, public_fields, status_on
from policy_search.stores import Store


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


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
