"""What a store indexes of a document beside its text: one projection for both stores.

The derived values (the validity dates that statuses are computed from, the keys that
document numbers, links and suggestions are looked up by, the values of every filter
field) are worked out here once; each store only maps them to its own columns or fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers import doc_number_key
from policy_search.fields import all_fields
from policy_search.schema import Document, link_keys, reference_key, suggest_keys, validity_values


@dataclass(frozen=True)
class StoredForm:
    id: str
    title: str
    doc_number: str | None
    doc_number_key: str | None  # the number in one bracket style, for exact lookups
    family_id: str
    publish_date: str | None  # ISO days
    effective_date: str | None
    validity: dict[str, str]  # schema.VALIDITY_FIELDS -> ISO day
    values: dict[str, list[str]]  # every stored filter field (fields.FIELDS) -> the document's values
    link_keys: list[str]  # how interpretations may name this policy
    interprets_key: str | None  # how this interpretation names its policy
    repeals_keys: list[str]  # the link keys of what this document says it repeals
    repealed_by_id: str | None  # the document that repeals this one (indexer.linking)
    suggest_keys: list[str]  # the prefixes suggestions complete
    title_length: int  # suggestions: shorter titles first


def stored_form(doc: Document) -> StoredForm:
    return StoredForm(
        id=doc.id,
        title=doc.title,
        doc_number=doc.doc_number,
        doc_number_key=doc_number_key(doc.doc_number) if doc.doc_number else None,
        family_id=doc.family,
        publish_date=doc.publish_date.isoformat() if doc.publish_date else None,
        effective_date=doc.effective_date.isoformat() if doc.effective_date else None,
        validity={name: day.isoformat() for name, day in validity_values(doc).items()},
        values={field.name: field.values_of(doc) for field in all_fields() if not field.computed},
        link_keys=link_keys(doc),
        interprets_key=reference_key(doc.interprets_ref),
        repeals_keys=[key for key in dict.fromkeys(map(reference_key, doc.repeals_refs)) if key],
        repealed_by_id=doc.repealed_by.id if doc.repealed_by else None,
        suggest_keys=suggest_keys(doc),
        title_length=len(doc.title),
    )
