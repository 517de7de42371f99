"""The JSON the HTTP API answers with, as typed models: the contract portals build on.

The routes declare these as their response models, so that /openapi.json describes every
answer and the contract tests (schemathesis) check every answer against it. The service
builds the search answer as plain JSON types for speed (`search.search_response`), in
these shapes.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from policy_search.schema import Article, Kind, LinkedDocument, RepealingDocument, Status
from policy_search.stats.recording import SEARCH_ID_PATTERN
from policy_search.store_query import MAX_RESULT_WINDOW


class ErrorMessage(BaseModel):
    code: str
    message: str


class DocumentFields(BaseModel):
    """A document's public fields, with its status on the day asked about."""

    id: str
    kind: Kind
    title: str
    issuers: list[str]
    doc_number: str | None
    index_no: str | None
    publish_date: date | None
    written_date: date | None
    effective_date: date | None
    expiry_date: date | None
    status: Status
    status_label: str = Field(description="the status in Chinese (现行有效 …)")
    is_current: bool = Field(description="in force on the day asked about")
    level: str | None
    doc_type: str | None
    topics: list[str]
    region: str | None
    family_id: str = Field(description="versions of one regulation share it")
    interprets: LinkedDocument | None = Field(description="for an interpretation: the policy it explains")
    interpretations: list[LinkedDocument] = Field(description="for a policy: its interpretations")
    repealed_by: RepealingDocument | None = Field(
        description="the later document whose text repeals this one (…《X》同时废止), and from which day")
    repeals: list[LinkedDocument] = Field(description="the documents this one repeals (those it gives as repealed_by)")
    disclosure: dict[str, str] = Field(description="公开形式, 公开时限, 责任部门 … where the source gives them")
    source_url: str | None
    source_path: str | None


class MatchedArticle(BaseModel):
    """An article of a result that holds the words searched for."""

    number: str = Field(description="第五十六条")
    headings: str = Field(description="the 编/章/节 it stands under")
    text_html: str = Field(description="a passage of the article, escaped, with <mark> around matched words")
    url: str = Field(description="the article on its document's page: /documents/{id}#第五十六条")


class SearchHit(DocumentFields):
    title_html: str = Field(description="the title, escaped, with <mark> around matched words")
    snippet_html: str = Field(description="a passage of the text, escaped, with <mark> around matched words")
    score: float | None = Field(description="relevance; null when sorted by date")
    articles: list[MatchedArticle] = Field(description="the best one to three articles that hold the words")


class FacetValue(BaseModel):
    value: str
    label: str = Field(description="the value as the pages show it")
    count: int
    selected: bool = Field(description="the search filters on this value")


class ArticleDocument(BaseModel):
    """The document an article belongs to."""

    id: str
    title: str
    status: Status
    status_label: str
    level: str | None
    issuers: list[str]
    publish_date: date | None


class CitationView(BaseModel):
    """The article a query cites (民法典第1062条, 个保法第13条), from the version of its law
    in force on valid_on."""

    name: str = Field(description="the law's name as understood (short forms expanded)")
    number: str = Field(description="the article number as the law writes it: 第一千零六十二条")
    found: bool = Field(description="the law has this article")
    message: str = Field(description="what to tell the user, in Chinese")
    url: str | None = Field(description="the article on its document's page, where found")
    text: str | None = Field(description="the article's text, where found")
    law: ArticleDocument | None = Field(description="the law cited, where one of that name is found")


class SearchResponse(BaseModel):
    query: str
    citation: CitationView | None = Field(description="set when the query cites an article")
    question: bool = Field(description="read as a question: results need only some of its words, ranked by how many")
    total: int
    page: int
    size: int
    sort: str
    valid_on: date
    took_ms: int
    results: list[SearchHit]
    facets: dict[str, list[FacetValue]] = Field(description="counts per facet field; a field's own filter left out")
    search_id: str | None = Field(None, description="this search's own random id, to send back with a click on "
                                  "one of its results (POST /api/v1/clicks); absent where the service records "
                                  "no statistics. It names this search only, never a person.")


class Click(BaseModel):
    """A click on a search result, for the statistics: which result of which search, nothing
    about who clicked."""

    model_config = ConfigDict(extra="forbid")

    search_id: str = Field(pattern=SEARCH_ID_PATTERN, description="the search's `search_id`")
    doc_id: str = Field(min_length=1, max_length=200, description="the id of the document clicked")
    position: int = Field(ge=1, le=MAX_RESULT_WINDOW, description="its rank, 1-based across pages")
    source: Literal["page", "widget", "api"] = Field(description="the search page, the widget, or another client")


class ArticleResultView(BaseModel):
    number: str = Field(description="第五十六条")
    headings: str = Field(description="the 编/章/节 it stands under")
    text_html: str = Field(description="the article's text, escaped, with <mark> around matched words")
    document: ArticleDocument
    url: str = Field(description="the article on its document's page: /documents/{id}#第五十六条")
    score: float | None = Field(description="relevance: the words covered, then BM25")


class ArticlesResponse(BaseModel):
    query: str
    citation: CitationView | None = Field(description="set when the query cites an article (then first)")
    question: bool = Field(description="read as a question: articles need only some of its words")
    total: int = Field(description="articles holding the words")
    page: int
    size: int
    valid_on: date
    took_ms: int
    results: list[ArticleResultView]


class VersionSummary(BaseModel):
    id: str
    title: str
    doc_number: str | None
    publish_date: date | None
    effective_date: date | None
    expiry_date: date | None
    status: Status
    status_label: str
    is_current: bool


class DocumentView(DocumentFields):
    body: str
    articles: list[Article]
    versions: list[VersionSummary] = Field(description="the regulation's versions, oldest first")


class VersionsView(BaseModel):
    family_id: str
    versions: list[VersionSummary]


class Suggestion(BaseModel):
    text: str = Field(description="a title completing what was typed")
    id: str = Field(description="the document it points at (the version in force where there is one)")


class Suggestions(BaseModel):
    suggestions: list[Suggestion]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    store: str


# --- the write API ------------------------------------------------------------------------

WriteOutcome = Literal["created", "updated", "unchanged", "deleted"]


class WriteResult(BaseModel):
    id: str = Field(description="the document's id: the source_id it was written under")
    result: WriteOutcome = Field(description="unchanged: the same content was indexed already, nothing was written")


class BatchLineResult(BaseModel):
    line: int = Field(description="the line of the request body, from 1")
    source_id: str | None
    action: Literal["put", "delete"] | None
    result: WriteOutcome | Literal["error"]
    status: int = Field(description="the HTTP status this line alone would have been answered with")
    error: ErrorMessage | None = Field(None, description="why the line was not written")


class BatchResult(BaseModel):
    errors: bool = Field(description="whether any line was not written")
    counts: dict[str, int] = Field(description="lines by result")
    results: list[BatchLineResult]


class AuditEntryView(BaseModel):
    time: str = Field(description="UTC, ISO 8601")
    key_id: str
    action: str
    document_id: str | None
    outcome: str


class AuditLog(BaseModel):
    entries: list[AuditEntryView] = Field(description="newest first")


class DocumentRecord(BaseModel):
    """A document as a CMS sends it (`PUT /api/v1/documents/{id}`, a batch's `document`): the
    API's document fields, all but the title optional. Fields the service derives (status,
    versions, links) are its own; other fields are ignored."""

    id: str | None = Field(None, description="if given, the id of the URL (the source id)")
    title: str = Field(min_length=1)
    kind: Kind = Kind.POLICY
    issuers: list[str] | str | None = Field(default_factory=list, description="issuing bodies (one, or a list); an issuer key "
                                    "needs its own among them")
    doc_number: str | None = Field(None, description="文号, in any bracket style")
    index_no: str | None = Field(None, description="索引号")
    publish_date: date | None = None
    written_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    declared_status: Literal["repealed", "expired"] | None = Field(None, description="what the source says: 已废止 / 失效")
    repealed_date: date | None = None
    level: str | None = None
    doc_type: str | None = None
    topics: list[str] = Field(default_factory=list)
    region: str | None = None
    family_id: str | None = Field(None, description="versions of one regulation share it")
    interprets_ref: str | None = Field(None, description="for an interpretation: its policy's number, title or page URL")
    disclosure: dict[str, str] = Field(default_factory=dict)
    body: str = ""
    articles: list[Article] = Field(default_factory=list)
    source_url: str | None = Field(None, description="http(s) address of the document's page")
