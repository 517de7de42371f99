"""The filter and facet fields of a search, each declared once, here.

A field names a parameter of `GET /api/v1/search` (repeat it for OR), a facet (counts of
its values) and a box of the search page. Both stores build their columns and mappings
from `FIELDS` when an index is made, the search route and the CLI take one parameter per
field, and the pages show one facet per field, so that adding a field is one entry here
(and indexing again, for the documents to get its values).

Statuses are the one field not stored: a document's status depends on the day asked
about, so the stores compute it from the validity dates (schema.STATUS_CONDITIONS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from policy_search.schema import KIND_LABELS, STATUS_LABELS, Document, Kind, Status


@dataclass(frozen=True)
class Field:
    """A filter and facet field.

    `attribute` is the `Document` attribute holding a document's value or values (None for
    the computed status); `multi` fields hold several a document (a joint notice's
    issuers); `choices` closes the set of values (checked on input, listed in the API
    description); `labels` shows values in Chinese."""

    name: str
    attribute: str | None
    label: str  # the facet's title on the pages
    multi: bool = False
    default: bool = False  # counted when a search names no facets
    choices: type[StrEnum] | None = None
    labels: Mapping[Any, str] = field(default_factory=dict)  # value (a str or StrEnum) -> label

    @property
    def computed(self) -> bool:
        return self.attribute is None

    def values_of(self, doc: Document) -> list[str]:
        """The document's values of this field, each once."""
        value = getattr(doc, self.attribute) if self.attribute else None
        values = value if isinstance(value, list) else [value]
        return list(dict.fromkeys(str(v) for v in values if v))

    def label_of(self, value: str) -> str:
        return self.labels.get(value, value)


# In the order the search page shows their facets.
FIELDS: list[Field] = [
    Field("status", None, "时效性", default=True, choices=Status, labels=STATUS_LABELS),
    Field("level", "level", "效力级别", default=True),
    Field("kind", "kind", "文件类别", default=True, choices=Kind, labels=KIND_LABELS),
    Field("issuer", "issuers", "发布机关", multi=True, default=True),
    Field("year", "year", "发布年份", default=True),
    Field("topic", "topics", "主题分类", multi=True, default=True),
    Field("doc_type", "doc_type", "文种"),
    Field("region", "region", "地区"),
]


def all_fields() -> list[Field]:
    """The fields declared now (read `FIELDS` through this: a test may declare another)."""
    return FIELDS


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS)


def default_facets() -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS if f.default)


def get_field(name: str) -> Field:
    """The field of a name; KeyError for one that is not a field."""
    for declared in FIELDS:
        if declared.name == name:
            return declared
    raise KeyError(name)


def stored_fields(multi: bool) -> list[Field]:
    """The fields a store keeps values of: single-valued ones, or those of several values."""
    return [f for f in FIELDS if not f.computed and f.multi == multi]


def facet_label(name: str, value: str) -> str:
    """A facet value as the pages and the API's `label` show it."""
    try:
        return get_field(name).label_of(value)
    except KeyError:
        return value
