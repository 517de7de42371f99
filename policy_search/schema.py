"""The document schema and the status rules: the one place every layer takes them from.

A document is one *version* of a policy, law or interpretation. Its status (时效性) is not
stored: it is a function of the day asked about, computed from four validity dates that
both stores index (see :class:`Validity`), so a document indexed as 尚未生效 becomes
现行有效 on its effective date without being indexed again.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from analyzers.normalize import DOC_NUMBER_PATTERN, doc_number_key


class Kind(StrEnum):
    POLICY = "policy"
    INTERPRETATION = "interpretation"
    OTHER = "other"  # news and service information of a portal: indexed, and easy to leave out


KIND_LABELS = {Kind.POLICY: "政策文件", Kind.INTERPRETATION: "政策解读", Kind.OTHER: "其他信息"}


class Status(StrEnum):
    IN_FORCE = "in_force"
    NOT_YET_EFFECTIVE = "not_yet_effective"
    AMENDED = "amended"
    REPEALED = "repealed"
    EXPIRED = "expired"


STATUS_LABELS = {
    Status.IN_FORCE: "现行有效",
    Status.NOT_YET_EFFECTIVE: "尚未生效",
    Status.AMENDED: "已被修改",
    Status.REPEALED: "已废止",
    Status.EXPIRED: "失效",
}


class LinkedDocument(BaseModel):
    id: str
    title: str


class RepealingDocument(LinkedDocument):
    """The document whose text repeals another (…《X》同时废止), and the day it does so:
    the day it takes effect itself."""

    on: date


# A dataclass, not a model: a parser makes 150,000 of them for the law corpus, which as
# models took 0.2 s more; the models that hold them (Document, the API's views) validate,
# serialise and describe it alike.
@dataclass(frozen=True, slots=True)
class Article:
    """One article (条) of a document: its number (第五十六条) and its text."""

    number: str
    text: str


# An article as stored: (number, start, end) when its text is body[start:end], as it is
# for laws, whose body is their articles; else (number, text). Far cheaper to move
# between processes and to store than the text again.
ArticleSpan = tuple[str, int, int] | tuple[str, str]


def article_spans(body: str, articles: list[Article]) -> list[ArticleSpan]:
    spans: list[ArticleSpan] = []
    position = 0
    for article in articles:
        start = body.find(article.text, position) if article.text else -1
        if start < 0:
            spans.append((article.number, article.text))
        else:
            position = start + len(article.text)
            spans.append((article.number, start, position))
    return spans


def articles_from_spans(body: str, spans: list) -> list[Article]:
    return [
        Article(number=span[0], text=body[span[1] : span[2]] if len(span) == 3 else span[1])
        for span in spans
    ]


# Fields the indexer derives (indexer.linking: which version supersedes which, which policy
# an interpretation explains): what a source or a client says of them is not taken.
DERIVED_FIELDS = frozenset({"superseded_date", "interprets", "interpretations", "repealed_by", "repeals"})


class Document(BaseModel):
    """One document version, with the field names of the public API."""

    model_config = ConfigDict(extra="ignore")

    id: str
    kind: Kind = Kind.POLICY
    title: str = Field(min_length=1)
    issuers: list[str] = Field(default_factory=list)
    doc_number: str | None = None
    index_no: str | None = None
    publish_date: date | None = None
    written_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    # What the source itself says about validity (已废止 / 失效); wins over everything.
    declared_status: Literal["repealed", "expired"] | None = None
    repealed_date: date | None = None
    level: str | None = None
    doc_type: str | None = None
    topics: list[str] = Field(default_factory=list)
    region: str | None = None
    family_id: str | None = None
    # Derived from the family at indexing time: when a newer version took effect.
    superseded_date: date | None = None
    interprets: LinkedDocument | None = None
    # How an interpretation names its policy (document number or title), for linking.
    interprets_ref: str | None = None
    interpretations: list[LinkedDocument] = Field(default_factory=list)
    # What the text says it repeals (titles, document numbers: indexer.repeals), for linking.
    repeals_refs: list[str] = Field(default_factory=list)
    # Derived (indexer.linking.relink_repeals): the later document whose text repeals this one.
    repealed_by: RepealingDocument | None = None
    # Derived too: the documents this one repeals (those whose `repealed_by` it is).
    repeals: list[LinkedDocument] = Field(default_factory=list)
    disclosure: dict[str, str] = Field(default_factory=dict)
    body: str = ""
    articles: list[Article] = Field(default_factory=list)
    source_url: str | None = None
    source_path: str | None = None

    @field_validator("source_url")
    @classmethod
    def _web_address_only(cls, url: str | None) -> str | None:
        """Only http(s) addresses: a javascript: or data: "URL" would run in the reader's
        browser from the document page's link."""
        if url is None:
            return None
        parts = urlsplit(url.strip())
        return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None

    @property
    def family(self) -> str:
        return self.family_id or self.id

    @property
    def year(self) -> str | None:
        return str(self.publish_date.year) if self.publish_date else None

    def content_hash(self, spans_json: str | None = None, body: bytes | None = None) -> str:
        """Hash of what the source says (derived and linked fields left out).

        Articles count as their spans of the body (`article_spans`, as JSON): the same
        information as their text, which would hash the body twice. The spans and the UTF-8
        body are passed in where they are at hand."""
        fields = self.model_dump_json(exclude={*DERIVED_FIELDS, "articles", "body"})
        if spans_json is None:
            spans_json = json.dumps(article_spans(self.body, self.articles), ensure_ascii=False)
        digest = hashlib.sha256(fields.encode("utf-8"))
        digest.update(spans_json.encode("utf-8"))
        digest.update(body if body is not None else self.body.encode("utf-8"))
        return digest.hexdigest()


def without_derived(doc: Document) -> Document:
    """The document as a source gives it: its derived fields at their defaults (a document
    read from a store, written back as a version of its own, is not left amended)."""
    return doc.model_copy(update={name: Document.model_fields[name].get_default(call_default_factory=True)
                                  for name in DERIVED_FIELDS})


def title_key(title: str) -> str:
    """A title as compared when linking: folded, without 《》, spaces and the state name."""
    return suggest_key(title).removeprefix("中华人民共和国")


def suggest_key(text: str) -> str:
    """A title or typed text folded, without 《》, quotes and spaces: the form in which
    titles are compared for completion (and, without the state name, for linking)."""
    return re.sub(r"[\s《》〈〉<>\"“”]", "", unicodedata.normalize("NFKC", text).lower())


def suggest_keys(doc: Document) -> list[str]:
    """What a title can be completed from: its start, its short title (without
    中华人民共和国), and what follows 关于 (国务院办公厅关于… is found by typing 关于's object)."""
    key = suggest_key(doc.title)
    keys = [key, key.removeprefix("中华人民共和国")]
    if "关于" in key:
        keys.append(key.split("关于", 1)[1])
    return [k for k in dict.fromkeys(keys) if k]


# A notice that issues a document under its own title: …关于印发《X》的通知, …重新发布X的通知.
WRAPPED_TITLE = re.compile(r"关于(?:印发|发布|重新发布|公布|修订印发)《?(.+?)》?的通知$")


def link_keys(doc: Document) -> list[str]:
    """How an interpretation may name this policy: its document number or its title."""
    if doc.kind is not Kind.POLICY:
        return []
    keys = [f"title:{title_key(doc.title)}"]
    wrapped = WRAPPED_TITLE.search(doc.title)
    if wrapped:  # …关于印发《X》的通知 is what 解读《X》 names
        keys.append(f"title:{title_key(wrapped.group(1))}")
    if doc.doc_number:
        keys.insert(0, f"number:{doc_number_key(doc.doc_number)}")
    if doc.source_url:
        keys.append(f"url:{url_key(doc.source_url)}")
    return keys


def url_key(url: str) -> str:
    """A page's address as pages link to it: host and path (http and https alike)."""
    parts = urlsplit(url.strip())
    return parts.netloc.lower() + (parts.path.rstrip("/") or "/")


def reference_key(reference: str | None) -> str | None:
    """The link key of an interpretation's reference to its policy (number, title or the
    policy page's address)."""
    if not reference or not reference.strip():
        return None
    if reference.startswith(("http://", "https://")):
        return f"url:{url_key(reference)}"
    if DOC_NUMBER_PATTERN.fullmatch(unicodedata.normalize("NFKC", reference.strip())):
        return f"number:{doc_number_key(reference)}"
    return f"title:{title_key(reference)}"


def make_id(*parts: str | None) -> str:
    """A stable id from the parts that identify a source (path, url, number …)."""
    key = "\x1f".join(p or "" for p in parts)
    # surrogatepass: a file name that is not UTF-8 still gives its stable id
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# --- Status rules -----------------------------------------------------------------------

FAR_PAST = date(1, 1, 1)
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class Validity:
    """The four dates from which a document's status on any day follows.

    Unknown dates are replaced by FAR_PAST / FAR_FUTURE so that every status is a plain
    conjunction of date comparisons, which both stores can evaluate in a query.
    """

    in_force_from: date  # effective date, else publish date
    superseded_on: date  # when a newer version of the family took effect
    repealed_on: date  # when the source, or a later document, says it was repealed
    expired_on: date  # when it lapsed (expiry date, or the source says 失效)


VALIDITY_FIELDS = ("valid_from", "superseded_on", "repealed_on", "expired_on")


def validity(doc: Document) -> Validity:
    in_force_from = doc.effective_date or doc.publish_date or FAR_PAST
    superseded_on = doc.superseded_date or FAR_FUTURE
    if doc.declared_status == "repealed":
        repealed_on = doc.repealed_date or doc.expiry_date or FAR_PAST
    else:
        repealed_on = FAR_FUTURE
    if doc.repealed_by is not None:  # a later document says so: repealed when it takes effect
        repealed_on = min(repealed_on, doc.repealed_by.on)
    if doc.declared_status == "expired":
        expired_on = doc.expiry_date or FAR_PAST
    else:
        expired_on = doc.expiry_date or FAR_FUTURE
    return Validity(in_force_from, superseded_on, repealed_on, expired_on)


def validity_values(doc: Document) -> dict[str, date]:
    v = validity(doc)
    return dict(zip(VALIDITY_FIELDS, (v.in_force_from, v.superseded_on, v.repealed_on, v.expired_on)))


# A status on day D holds when every (field, op, D) condition holds; op is "<=" or ">".
Condition = tuple[str, Literal["<=", ">"]]

STATUS_CONDITIONS: dict[Status, tuple[Condition, ...]] = {
    Status.REPEALED: (("repealed_on", "<="),),
    Status.EXPIRED: (("repealed_on", ">"), ("expired_on", "<=")),
    Status.NOT_YET_EFFECTIVE: (("repealed_on", ">"), ("expired_on", ">"), ("valid_from", ">")),
    Status.AMENDED: (
        ("repealed_on", ">"), ("expired_on", ">"), ("valid_from", "<="), ("superseded_on", "<="),
    ),
    Status.IN_FORCE: (
        ("repealed_on", ">"), ("expired_on", ">"), ("valid_from", "<="), ("superseded_on", ">"),
    ),
}


def status_on(doc: Document, day: date) -> Status:
    """The status of a document on a day: the one status whose conditions all hold."""
    values = validity_values(doc)
    for status, conditions in STATUS_CONDITIONS.items():
        if all(
            values[field] <= day if op == "<=" else values[field] > day
            for field, op in conditions
        ):
            return status
    raise AssertionError("status conditions must cover every case")  # pragma: no cover


def ordered_versions(versions: list[Document]) -> list[Document]:
    """The versions of one family, oldest first (by publish date, effective date, id)."""

    def order(doc: Document) -> tuple[date, date, str]:
        v = validity(doc)
        return (doc.publish_date or v.in_force_from, v.in_force_from, doc.id)

    return sorted(versions, key=order)


def supersession_dates(versions: list[Document]) -> dict[str, date | None]:
    """For the versions of one family, when each was replaced by the next newer version.

    A version is superseded from the day the next one takes effect; the newest never is.
    """
    ordered = ordered_versions(versions)
    result: dict[str, date | None] = {}
    for older, newer in zip(ordered, ordered[1:]):
        result[older.id] = validity(newer).in_force_from
    if ordered:
        result[ordered[-1].id] = None
    return result


def public_fields(doc: Document, day: date) -> dict[str, Any]:
    """The document as the API shows it, with its status on `day`."""
    data = doc.model_dump(
        mode="json", exclude={"interprets_ref", "repeals_refs", "superseded_date", "repealed_date", "declared_status"}
    )
    status = status_on(doc, day)
    data["status"] = status.value
    data["status_label"] = STATUS_LABELS[status]
    data["is_current"] = status is Status.IN_FORCE
    data["family_id"] = doc.family
    return data
