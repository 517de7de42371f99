"""The Elasticsearch store, for large collections and clusters.

The index sits behind an alias (`POLICY_SEARCH_INDEX`, default `policies`) so that it can
be rebuilt and swapped without downtime. Text fields hold the space-separated tokens of
`analyzers` and use the `whitespace` analyzer, so Elasticsearch indexes exactly the tokens
the embedded store indexes. Facets leave their own field's filter out: the filters go in
`post_filter`, and each facet aggregation applies the other fields' filters.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from functools import partial
from itertools import islice
from typing import Any

from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch, TransportError, helpers

from analyzers import Analyzer, shipped_analyzer
from policy_search import candidates
from policy_search.articles import ArticleHit, ArticleResult
from policy_search.candidates import finding_terms, narrows, words_of
from policy_search.fields import Field, get_field, stored_fields
from policy_search.ranking import ARTICLE_WEIGHTS, TITLE_WEIGHT, matched_name
from policy_search.schema import STATUS_CONDITIONS, Document, Status, article_spans
from policy_search.store_query import FacetCount, Hit, Scope, SearchRequest, SearchResult, Sort, document_share
from policy_search.stores.base import (
    DocumentsRejected,
    DocumentTokens,
    IndexRecord,
    LookupField,
    Store,
    StoreError,
    StoreUnavailable,
    derived_json,
    document_tokens,
    tokens_digest,
    warn_resegmenting,
)
from policy_search.stores.layout import DEFAULT_LAYOUT, IndexLayout
from policy_search.stores.stored import StoredForm, stored_form

logger = logging.getLogger(__name__)

# Lucene refuses a term over 32,766 bytes, and with it the whole document: longer values
# (8,191 characters of up to 4 bytes) stay in _source without being indexed, so that one
# record with a huge doc_number or issuer is stored as the embedded store stores it.
KEYWORD_LIMIT = 8191
_KEYWORD = {"type": "keyword", "ignore_above": KEYWORD_LIMIT}
_DATE = {"type": "date", "format": "strict_date"}

# The index's fields beside one keyword field for each filter field (see `mappings`).
_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "title": {"type": "keyword", "ignore_above": 1024},
    "title_tokens": {"type": "text", "analyzer": "whitespace"},
    "body_tokens": {"type": "text", "analyzer": "whitespace"},
    "body": {"type": "text", "index": False},
    "doc_number": _KEYWORD,
    "doc_number_key": _KEYWORD,
    "family_id": _KEYWORD,
    "publish_date": _DATE,
    "effective_date": _DATE,
    "valid_from": _DATE,
    "superseded_on": _DATE,
    "repealed_on": _DATE,
    "expired_on": _DATE,
    "content_hash": _KEYWORD,
    "link_keys": _KEYWORD,
    "suggest_keys": _KEYWORD,
    "title_length": {"type": "integer"},
    "interprets_key": _KEYWORD,
    "repeals_keys": _KEYWORD,
    "repealed_by_id": _KEYWORD,
    "article_count": {"type": "integer"},
    # The document without its text (`_summary`), stored on its own: a search's hits and the
    # documents of found articles are read from it instead of from _source, whose parsing on
    # the node (the body, its tokens and the articles: ~250 KB for a law) took half of a
    # question's search and 80 % of an mget of 50 documents (13 ms -> 2.5 ms).
    # (text, not keyword: Lucene refuses a keyword over 32 KB even where it is not indexed)
    "summary": {"type": "text", "index": False, "store": True},
}

# The articles index (policy_search.articles): an article's place, its tokens, and the fields
# of its document that filters read (the validity dates, each stored filter field).
_ARTICLE_PROPERTIES: dict[str, Any] = {
    "doc_id": _KEYWORD,
    "ordinal": {"type": "integer"},
    "number": {"type": "keyword", "index": False},
    "headings": {"type": "keyword", "index": False},
    "text": {"type": "text", "index": False},
    "title_tokens": {"type": "text", "analyzer": "whitespace"},
    "headings_tokens": {"type": "text", "analyzer": "whitespace"},
    "text_tokens": {"type": "text", "analyzer": "whitespace"},
    "content_hash": _KEYWORD,
    "family_id": _KEYWORD,
    "publish_date": _DATE,
    "valid_from": _DATE,
    "superseded_on": _DATE,
    "repealed_on": _DATE,
    "expired_on": _DATE,
}


def mappings() -> dict[str, Any]:
    """The index mapping: each filter field (fields.FIELDS) a keyword field named as the
    document attribute that holds it (issuer: issuers), which _source holds already."""
    return {
        # Nested structures (articles, disclosure, links) stay in _source without being indexed.
        # The token fields stay in _source too: partial updates (patch) rebuild a
        # document from its _source and would otherwise lose them.
        "dynamic": False,
        "properties": {**_PROPERTIES, **{_attribute(field): _KEYWORD for field in _stored_fields()}},
    }


def article_mappings() -> dict[str, Any]:
    """The articles index's mapping. An article is routed by its document's id, so that a
    document's articles share one shard: writing or deleting them touches that shard only,
    and a write without the routing is refused rather than put on another shard."""
    return {"dynamic": False, "_routing": {"required": True},
            "properties": {**_ARTICLE_PROPERTIES, **{_attribute(field): _KEYWORD for field in _stored_fields()}}}


def _stored_fields() -> list[Field]:
    return [*stored_fields(multi=False), *stored_fields(multi=True)]


def _attribute(field: Field) -> str:
    """The index field of a stored filter field: the document attribute that holds it."""
    assert field.attribute is not None, f"{field.name} is computed, not stored"
    return field.attribute


def _internal() -> list[str]:
    """Fields kept out of _source in documents returned: what the index derives."""
    derived = [_attribute(field) for field in _stored_fields() if field.attribute not in Document.model_fields]
    return [*_INTERNAL, *derived]

# What a document without its text leaves out.
_TEXT = ["body", "articles"]
# How a document without its text is read: from its summary, not its _source.
_SUMMARY: dict[str, Any] = {"_source": False, "stored_fields": ["summary"]}
# Connections to each node: one for each thread of the server's pool (40, anyio's default),
# so that no request waits for a connection (the client's default of 10 made searches wait
# in turn for a hung node: 6 s each at 16 in flight instead of the 2 s timeout).
CONNECTIONS_PER_NODE = 40
# Documents a bulk request carries (and at most this many bytes).
BULK_DOCUMENTS = 500
BULK_BYTES = 20 * 1024 * 1024
# How long the word counts of a question are kept (`_document_frequencies`), and for how
# many questions at most.
FREQUENCIES_SECONDS = 2.0
FREQUENCIES_KEPT = 1024
# Item statuses worth sending again (the node overloaded, a shard moving between nodes),
# and the waits before each new attempt, in seconds.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_WAITS = (0.5, 1.0, 2.0, 4.0)
# Items refused because their index is closed to writes (a rebuild putting its indexes in
# place: `rebuild`) are sent again every so often for this long: the alias then names the
# new index, where they land.
BLOCKED_RETRY_SECONDS = 30.0
BLOCKED_RETRY_WAIT = 0.25
# Fields kept out of _source in documents returned.
_INTERNAL = ["title_tokens", "body_tokens", "doc_number_key", "valid_from", "superseded_on",
             "repealed_on", "expired_on", "content_hash", "link_keys", "interprets_key", "repeals_keys", "repealed_by_id",
             "suggest_keys", "title_length", "article_count", "summary"]
# Longest routing (documents' ids, comma-separated) a search of their articles is sent with:
# it goes in the request line, which Elasticsearch limits to 4 KB.
ROUTING_BYTES = 2048
# Article matches counted exactly up to this many ("at least" beyond).
ARTICLE_TOTAL_LIMIT = 10_000
# Ranked searches gather the term statistics of every shard first, so that an index of several
# shards scores as an index of one: each shard's own statistics changed the first result of a
# third of the growth bench's queries at 10,000 documents on 2 shards, while this costs 1-2 ms
# at the median (docs/benchmarks.md, "Sharding the article index"). Elasticsearch runs a search
# of one shard as a plain query_then_fetch: an index of one shard pays nothing.
_SEARCH_TYPE = "dfs_query_then_fetch"
# How often a new index (both) makes what was written visible to searches; its shards and
# replicas are the store's `IndexLayout`s (Settings.es_shards …).
_REFRESH_INTERVAL = "1s"


class ElasticsearchStore(Store):
    """`url`: one node, or several nodes of a cluster comma-separated; a request that cannot
    reach one node is tried once on another. `request_timeout`: seconds a request may take
    (the service passes `Settings.es_timeout`; a timed-out request is not tried again).
    `layout`, `article_layout`: the shards and replicas of the documents index and of the
    articles index, used when they are made or rebuilt."""

    def __init__(self, url: str, index: str = "policies", *, request_timeout: float = 10.0,
                 analyzer: Analyzer | None = None, layout: IndexLayout = DEFAULT_LAYOUT,
                 article_layout: IndexLayout = DEFAULT_LAYOUT) -> None:
        self.analyzer = analyzer or shipped_analyzer()
        self.layout, self.article_layout = layout, article_layout
        self.url = url
        self.alias = index
        self.articles_alias = f"{index}-articles"
        self.request_timeout = request_timeout
        self._frequencies: dict[tuple[str, ...], tuple[float, dict[str, int]]] = {}  # see _document_frequencies
        nodes = [node.strip() for node in url.split(",") if node.strip()]
        self.client = Elasticsearch(
            nodes, request_timeout=request_timeout, max_retries=1, retry_on_timeout=False,
            connections_per_node=CONNECTIONS_PER_NODE,
        )

    def __reduce__(self):
        return partial(ElasticsearchStore, request_timeout=self.request_timeout, analyzer=self.analyzer,
                       layout=self.layout, article_layout=self.article_layout), (self.url, self.alias)

    # --- errors ------------------------------------------------------------------------

    def _call(self, method, *args, **kwargs):
        """Call the client, turning transport failures into store errors users may see."""
        try:
            return method(*args, **kwargs)
        except ConnectionTimeout as error:
            raise StoreUnavailable("Elasticsearch did not answer in time") from error
        except ConnectionError as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error
        except ApiError as error:  # NotFoundError among them
            raise self._refusal(error.meta.status) from error
        except TransportError as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error

    def _refusal(self, status: int) -> StoreError:
        """The store error for a status Elasticsearch answered a request (or one of an
        `_msearch`'s searches) with."""
        if status == 404:
            return StoreUnavailable(f"the index {self.alias!r} does not exist; run `policy-search index` first",
                                    "the index does not exist; run `policy-search index` first")
        if status in (429, 502, 503, 504):
            return StoreUnavailable("Elasticsearch is overloaded or unavailable")
        return StoreError(f"Elasticsearch refused the request ({status})")

    # --- lifecycle ---------------------------------------------------------------------

    def create(self) -> None:
        for alias, index_mappings, layout in ((self.alias, mappings(), self.layout),
                                              (self.articles_alias, article_mappings(), self.article_layout)):
            if self._call(self.client.indices.exists_alias, name=alias):
                # fields added since the index was made (documents get them when re-indexed)
                self._call(self.client.indices.put_mapping, index=alias, properties=index_mappings["properties"])
                continue
            self._call(self.client.indices.create, index=f"{alias}-v1", mappings=index_mappings,
                       settings={**layout.settings(), "refresh_interval": _REFRESH_INTERVAL}, aliases={alias: {}})

    def ensure_segmentation(self, fingerprint: str) -> int:
        recorded = self.get_meta("segmentation")
        count = self._resegment() if recorded is not None and recorded != fingerprint else 0
        if recorded != fingerprint:
            self.set_meta("segmentation", fingerprint)
        return count

    # What the index records about itself is in its mapping's _meta, which documents do not see.

    def _mapping_meta(self) -> dict[str, str]:
        mappings = self._call(self.client.indices.get_mapping, index=self.alias).body
        return next(iter(mappings.values()))["mappings"].get("_meta", {})

    def get_meta(self, key: str) -> str | None:
        return self._mapping_meta().get(key)

    def set_meta(self, key: str, value: str | None) -> None:
        meta = {k: v for k, v in self._mapping_meta().items() if k != key}  # _meta is replaced whole
        if value is not None:
            meta[key] = value
        self._call(self.client.indices.put_mapping, index=self.alias, meta=meta)

    def _resegment(self) -> int:
        """Every document's tokens, and its articles', made again from its stored text."""
        count = self.count()
        warn_resegmenting(count)
        hits = helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}},
                            source_excludes=[name for name in _internal() if name != "content_hash"])
        for chunk in _batches(hits, BULK_DOCUMENTS):
            updates, articles = [], []
            for hit in chunk:
                doc = Document.model_validate(hit["_source"])
                tokens = document_tokens(self.analyzer, doc.title, doc.body, article_spans(doc.body, doc.articles))
                updates.append({"_op_type": "update", "_index": self.alias, "_id": hit["_id"],
                                "doc": {"title_tokens": tokens.title.decode("utf-8"),
                                        "body_tokens": tokens.body.decode("utf-8")}})
                articles.extend(self._article_actions(doc, tokens, stored_form(doc), hit["_source"].get(
                    "content_hash", "")))
            self._bulk(updates)
            self._bulk(articles)
        self.refresh()
        return count

    def rebuild(self, build: Callable[[Store], None], settle: Callable[[Store], None] | None = None) -> None:
        serving = {alias: list(self._call(self.client.indices.get_alias, name=alias).body)
                   for alias in (self.alias, self.articles_alias)}
        serving_indexes = [index for indexes in serving.values() for index in indexes]
        version, left_over = self._versions(serving)
        new = {alias: f"{alias}-v{version}" for alias in serving}
        meta = self._mapping_meta()
        # written with refreshes off (each would make segments for nothing), turned on at the end
        building = {"refresh_interval": "-1"}
        target = self.clone()
        assert isinstance(target, ElasticsearchStore)
        target.alias, target.articles_alias = new[self.alias], new[self.articles_alias]
        blocked = False
        try:
            self._call(self.client.indices.create, index=new[self.alias], mappings={**mappings(), "_meta": meta},
                       settings={**self.layout.settings(), **building})
            self._call(self.client.indices.create, index=new[self.articles_alias], mappings=article_mappings(),
                       settings={**self.article_layout.settings(), **building})
            build(target)
            # From the last catch-up to the swap the serving indexes take no writes: a writer's
            # refused items are sent again (`_bulk_chunk`) and land behind the moved aliases.
            self._block_writes(serving_indexes, True)
            blocked = True
            if settle is not None:
                settle(target)
            self._call(self.client.indices.put_settings, index=",".join(new.values()),
                       settings={"refresh_interval": _REFRESH_INTERVAL})
            target.refresh()
            # one request: searches see the old indexes or the new ones, never one of each
            self._call(self.client.indices.update_aliases, actions=[
                *({"remove": {"index": index, "alias": alias}} for alias, indexes in serving.items()
                  for index in indexes),
                *({"add": {"index": new[alias], "alias": alias}} for alias in serving)])
        except BaseException:
            try:
                if blocked:
                    self._block_writes(serving_indexes, False)
                self._delete_indexes(list(new.values()))
            except StoreError:  # the node is away: the next rebuild deletes them (`_versions`)
                if blocked:
                    logger.warning("the rebuild failed while the serving indexes took no writes, and they could"
                                   " not be opened again: set index.blocks.write to false on %s",
                                   ",".join(serving_indexes))
            raise
        finally:
            target.close()
        self._delete_indexes(serving_indexes + left_over)

    def _block_writes(self, indexes: list[str], block: bool) -> None:
        self._call(self.client.indices.put_settings, index=",".join(indexes),
                   settings={"index.blocks.write": block})

    def _versions(self, serving: dict[str, list[str]]) -> tuple[int, list[str]]:
        """The number of the next concrete index behind the aliases (`policies-v3`), and the
        indexes of earlier rebuilds behind no alias (one killed half way). These are deleted
        only once the new index serves. A rebuild running at the same time then fails: its
        swap names the indexes that served when it began, gone by then (one request: it
        moves no alias), and it deletes what it wrote."""
        found = self._call(self.client.indices.get, index=",".join(f"{alias}-v*" for alias in serving),
                           expand_wildcards="all", allow_no_indices=True).body
        versions = [0]
        behind_none = []
        for alias, indexes in serving.items():
            for name in found:
                matched = re.fullmatch(re.escape(alias) + r"-v(\d+)", name)
                if matched:
                    versions.append(int(matched.group(1)))
                    if name not in indexes:
                        behind_none.append(name)
        return max(versions) + 1, behind_none

    def _delete_indexes(self, names: list[str]) -> None:
        if names:
            self._call(self.client.indices.delete, index=",".join(names), ignore_unavailable=True)

    def tokens_digests(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        response = self._call(self.client.mget, index=self.alias, ids=ids,
                              source_includes=["title_tokens", "body_tokens"])
        return {d["_id"]: tokens_digest(d["_source"].get("title_tokens", "").encode("utf-8"),
                                        d["_source"].get("body_tokens", "").encode("utf-8"))
                for d in response["docs"] if d.get("found")}

    def drop(self) -> None:
        for alias in (self.alias, self.articles_alias):
            if not self._call(self.client.indices.exists_alias, name=alias):
                continue
            concrete = list(self._call(self.client.indices.get_alias, name=alias).body)
            self._call(self.client.indices.delete, index=",".join(concrete))

    def ready(self) -> bool:
        try:
            return bool(self.client.indices.exists_alias(name=self.alias))
        except (TransportError, ApiError):
            return False

    def refresh(self) -> None:
        self._frequencies.clear()
        self._call(self.client.indices.refresh, index=f"{self.alias},{self.articles_alias}")

    def close(self) -> None:
        self.client.close()

    # --- writing -----------------------------------------------------------------------

    def upsert(self, records: Iterable[IndexRecord]) -> None:
        records = list(records)
        actions = (
            {"_op_type": "index", "_index": self.alias, "_id": record.document.id, "_source": _source(record)}
            for record in records
        )
        try:
            self._bulk(actions)
        except DocumentsRejected as rejected:
            self._write_articles([record for record in records if record.document.id not in rejected.reasons])
            raise
        self._write_articles(records)

    def _write_articles(self, records: list[IndexRecord]) -> None:
        """The articles of the documents written, and those of their earlier versions gone
        (an article's id is its document's and its place, so a shorter text leaves some)."""
        actions = []
        for record in records:
            form = stored_form(record.document)
            tokens = DocumentTokens(record.title_tokens, record.body_tokens, record.articles)
            full = record.full_document() if record.articles else record.document
            actions.extend(self._article_actions(full, tokens, form, record.content_hash))
        try:
            self._bulk(actions)
        except DocumentsRejected as rejected:  # by document, as the indexing run reports them
            raise DocumentsRejected({key.rsplit("/", 2)[0]: reason for key, reason in rejected.reasons.items()}) from None
        if records:
            doc_ids = [record.document.id for record in records]
            self._delete_articles(doc_ids, {"bool": {
                "filter": [{"terms": {"doc_id": doc_ids}}],
                "must_not": [{"terms": {"content_hash": [record.content_hash for record in records]}}]}})

    def _delete_articles(self, doc_ids: list[str], query: dict) -> None:
        """The articles of these documents that a query finds, deleted by id (a distribution
        without the reindex module, such as the integration-test one, has no
        `_delete_by_query`). The search goes to the documents' shards only where their ids
        are few enough for the request line (a document written through the API: one shard)."""
        routing = ",".join(doc_ids)
        found = helpers.scan(self.client, index=self.articles_alias, query={"query": query}, _source=False, size=1000,
                             routing=routing if len(routing.encode()) <= ROUTING_BYTES else None)
        try:
            hits = [(hit["_id"], hit.get("_routing")) for hit in found]
        except (ConnectionError, ConnectionTimeout, TransportError) as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error
        # an article written before articles were routed (an index made then) has no routing
        self._bulk({"_op_type": "delete", "_index": self.articles_alias, "_id": article_id,
                    **({"_routing": routing} if routing is not None else {})} for article_id, routing in hits)

    def _article_actions(self, doc: Document, tokens: DocumentTokens, form: StoredForm,
                         content_hash: str) -> list[dict]:
        shared = {
            "doc_id": doc.id, "content_hash": content_hash, "family_id": form.family_id,
            "publish_date": form.publish_date, "title_tokens": tokens.title.decode("utf-8"), **form.validity,
            **{_attribute(field): form.values[field.name] for field in _stored_fields()},
        }
        return [
            {"_op_type": "index", "_index": self.articles_alias, "_id": _article_id(doc.id, content_hash, ordinal),
             "_routing": doc.id, "_source": {
                **shared, "ordinal": ordinal, "number": article.number, "headings": article.headings,
                "headings_tokens": article.heading_tokens, "text_tokens": article.tokens(tokens.body),
                "text": doc.articles[ordinal].text if ordinal < len(doc.articles) else ""}}
            for ordinal, article in enumerate(tokens.articles)
        ]

    def _bulk(self, actions: Iterable[dict]) -> None:
        """Send the actions in bulk requests. An item refused for a passing reason (429, 503
        while a shard moves …) is sent again on its own, after a wait that doubles; what is
        still refused raises `DocumentsRejected` with each document's reason once every
        action has been tried. A node that cannot be reached raises `StoreUnavailable`."""
        rejected: dict[str, str] = {}
        iterator = iter(actions)
        while chunk := list(islice(iterator, BULK_DOCUMENTS)):
            rejected |= self._bulk_chunk(chunk)
        if rejected:
            raise DocumentsRejected(rejected)

    def _bulk_chunk(self, chunk: list[dict]) -> dict[str, str]:
        pending, reasons = chunk, {}
        waits = iter(RETRY_WAITS)
        blocked_until = time.monotonic() + BLOCKED_RETRY_SECONDS
        while True:
            try:
                items = list(self._bulk_items(pending))
            except _RequestRefused as refused:
                if len(pending) == 1:  # this document is why
                    reasons[pending[0]["_id"]] = _item_reason(refused.status, refused.reason)
                    return reasons
                # one document made the whole request invalid (an id over 512 bytes …):
                # each is sent on its own, so that the others are written
                for action in pending:
                    reasons |= self._bulk_chunk([action])
                return reasons
            retry, blocked = [], []
            for action, (status, error) in zip(pending, items, strict=True):
                if 200 <= status < 300 or (status == 404 and action["_op_type"] == "delete"):
                    reasons.pop(action["_id"], None)
                    continue
                reasons[action["_id"]] = _item_reason(status, error)
                if status in RETRY_STATUSES:
                    retry.append(action)
                elif _write_blocked(status, error):
                    blocked.append(action)
            if blocked and time.monotonic() < blocked_until:
                wait: float | None = BLOCKED_RETRY_WAIT
            else:
                wait = next(waits, None) if retry else None
                blocked = []
            if wait is None:
                break
            time.sleep(wait)
            pending = retry + blocked
        return reasons

    def _bulk_items(self, actions: list[dict]) -> Iterator[tuple[int, dict | None]]:
        """(status, error) of each action, in order."""
        try:
            for _, item in helpers.streaming_bulk(
                    self.client, actions, chunk_size=len(actions), max_chunk_bytes=BULK_BYTES,
                    raise_on_error=False, raise_on_exception=True, yield_ok=True):
                result = next(iter(item.values()))
                yield result.get("status", 500), result.get("error")
        except ConnectionTimeout as error:
            raise StoreUnavailable("Elasticsearch did not answer in time") from error
        except ConnectionError as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error
        except ApiError as error:  # the whole request refused
            if error.meta.status in (400, 413):
                raise _RequestRefused(error.meta.status, error.body.get("error") if isinstance(error.body, dict)
                                      else str(error.message)) from error
            raise self._refusal(error.meta.status) from error
        except TransportError as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        self._bulk({"_op_type": "delete", "_index": self.alias, "_id": doc_id} for doc_id in ids)
        for start in range(0, len(ids), 1000):
            self._delete_articles(ids[start : start + 1000], {"terms": {"doc_id": ids[start : start + 1000]}})

    def patch(self, updates: dict[str, dict[str, Any]]) -> None:
        if not updates:
            return
        response = self._call(self.client.mget, index=self.alias, ids=list(updates),
                              source_excludes=[*[name for name in _internal() if name not in ("article_count", "content_hash")],
                                               *_TEXT])
        actions: list[dict] = []
        article_actions: list[dict] = []
        for found in response["docs"]:
            if not found.get("found"):
                continue
            doc_id, fields = found["_id"], updates[found["_id"]]
            doc = Document.model_validate(found["_source"]).model_copy(update=fields)
            changed = doc.model_dump(mode="json", include=set(fields))
            form = stored_form(doc)
            validity = {name: form.validity[name] for name in ("superseded_on", "repealed_on")}
            changed.update(validity, repealed_by_id=form.repealed_by_id, summary=_summary(doc))
            actions.append({"_op_type": "update", "_index": self.alias, "_id": doc_id, "doc": changed})
            # an article's status follows its document's
            article_actions.extend(
                {"_op_type": "update", "_index": self.articles_alias, "_routing": doc_id,
                 "_id": _article_id(doc_id, found["_source"].get("content_hash", ""), ordinal),
                 "doc": validity}
                for ordinal in range(found["_source"].get("article_count", 0)))
        self._bulk(actions)
        self._bulk(article_actions)

    # --- reading -----------------------------------------------------------------------

    def get_many(self, ids: Iterable[str], with_body: bool = True, with_articles: bool = True) -> dict[str, Document]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        if not with_body:
            response = self._call(self.client.mget, index=self.alias, ids=ids, **_SUMMARY)
            found = [d for d in response["docs"] if d.get("found")]
            summaries = {d["_id"]: doc for d, doc in zip(found, _without_text(found), strict=True) if doc is not None}
            if len(summaries) == len(found):
                return summaries
        excludes = [*_internal(), *(() if with_body else _TEXT), *(() if with_articles else ("articles",))]
        response = self._call(self.client.mget, index=self.alias, ids=ids, source_excludes=excludes)
        return {d["_id"]: Document.model_validate(d["_source"]) for d in response["docs"] if d.get("found")}

    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        response = self._call(self.client.mget, index=self.alias, ids=ids, source_includes=["content_hash"])
        return {d["_id"]: d["_source"].get("content_hash") for d in response["docs"] if d.get("found")}

    def _scan(self, query: dict, includes: list[str] | None = None, excludes: list[str] | None = None,
              **body: Any):
        try:
            yield from helpers.scan(self.client, index=self.alias, query={"query": query, **body},
                                    _source_includes=includes, _source_excludes=excludes, size=1000)
        except (ConnectionError, ConnectionTimeout, TransportError) as error:
            raise StoreUnavailable("Elasticsearch cannot be reached") from error

    def family_versions(self, family_ids: Iterable[str]) -> dict[str, list[Document]]:
        family_ids = list(dict.fromkeys(family_ids))
        result: dict[str, list[Document]] = {family_id: [] for family_id in family_ids}
        for start in range(0, len(family_ids), 1000):
            query = {"terms": {"family_id": family_ids[start : start + 1000]}}
            for hit in self._scan(query, excludes=[*_internal(), *_TEXT]):
                doc = Document.model_validate(hit["_source"])
                result[doc.family].append(doc)
        return result

    def shared_families(self, family_ids: Iterable[str]) -> set[str]:
        family_ids = list(dict.fromkeys(family_ids))
        shared: set[str] = set()
        for start in range(0, len(family_ids), 1000):
            chunk = family_ids[start : start + 1000]
            response = self._call(
                self.client.search, index=self.alias, size=0, query={"terms": {"family_id": chunk}},
                aggs={"families": {"terms": {"field": "family_id", "size": len(chunk), "min_doc_count": 2}}},
            )
            shared.update(bucket["key"] for bucket in response["aggregations"]["families"]["buckets"])
        return shared

    def lookup(self, field: LookupField, values: Iterable[str]) -> dict[str, list[str]]:
        values = list(dict.fromkeys(values))
        result: dict[str, list[str]] = {value: [] for value in values}
        # longer values are not indexed (nothing holds them), and a query for one is refused
        values = [value for value in values if len(value) <= KEYWORD_LIMIT]
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            hits = sorted(self._scan({"terms": {field: chunk}}, includes=[field, "publish_date"]),
                          key=lambda h: h["_id"])
            hits.sort(key=lambda h: h["_source"].get("publish_date") or "", reverse=True)  # stable
            for hit in hits:
                held = hit["_source"].get(field)
                for value in held if isinstance(held, list) else [held]:
                    if value in result:
                        result[value].append(hit["_id"])
        return result

    def suggest(self, prefix_key: str, limit: int) -> list[Document]:
        response = self._call(
            self.client.search, index=self.alias, size=limit,
            query={"prefix": {"suggest_keys": prefix_key}},
            sort=[{"title_length": {"order": "asc"}}, {"publish_date": {"order": "desc", "missing": "_last"}},
                  {"id": "asc"}],
            source={"excludes": [*_internal(), *_TEXT]},
        )
        return [Document.model_validate(hit["_source"]) for hit in response["hits"]["hits"]]

    def count(self) -> int:
        return self._call(self.client.count, index=self.alias)["count"]

    def ids(self) -> list[str]:
        # a scan sees what the last refresh made visible: the documents just written too
        self.refresh()
        return [hit["_id"] for hit in self._scan({"match_all": {}}, includes=["id"])]

    def document_states(self) -> dict[str, tuple[str | None, str]]:
        # From each document's summary and the hash's doc values, not from _source: a law's
        # _source (text and tokens, ~250 KB) would be read and parsed on the node for three
        # fields (2.1 s a pass on the corpus).
        self.refresh()
        states: dict[str, tuple[str | None, str]] = {}
        for hit in self._scan({"match_all": {}}, docvalue_fields=["content_hash"], **_SUMMARY):
            doc = _without_text([hit])[0]
            if doc is None:  # an index written before summaries
                return super().document_states()
            states[hit["_id"]] = ((hit["fields"].get("content_hash") or [None])[0], derived_json(doc))
        return states

    # --- search ------------------------------------------------------------------------

    # several searches go to the node in one `_msearch`, which runs them side by side
    batches_searches = True

    def search(self, request: SearchRequest) -> SearchResult:
        body = self._search_body(request)
        return self._result(request, self._call(self.client.search, index=self.alias, search_type=_SEARCH_TYPE, **body))

    def search_many(self, requests: list[SearchRequest]) -> list[SearchResult]:
        if len(requests) == 1:
            return [self.search(requests[0])]
        searches: list[dict] = []
        for request in requests:
            searches.extend([{"index": self.alias}, self._search_body(request)])
        responses = self._msearch(searches)
        return [self._result(request, response) for request, response in zip(requests, responses, strict=True)]

    def _msearch(self, searches: list[dict]) -> list[dict]:
        """The responses of an `_msearch`, each search refused on its own raising as a whole would."""
        responses: list[dict] = self._call(self.client.msearch, searches=searches,
                                           search_type=_SEARCH_TYPE)["responses"]
        for response in responses:
            if "error" in response:
                raise self._refusal(response.get("status", 500))
        return responses

    def _search_body(self, request: SearchRequest) -> dict[str, Any]:
        filters = self._filters(request)
        return {
            "query": self._base_query(request),
            "post_filter": {"bool": {"filter": list(filters.values())}},
            "from": request.offset,
            "size": request.size,
            "track_total_hits": True,
            "sort": self._sort(request),
            "aggs": {field: self._facet_agg(request, field, filters) for field in request.facets},
            **({"_source": {"excludes": [*_internal(), "articles"]}} if request.with_body else _SUMMARY),
        }

    def _result(self, request: SearchRequest, response: Any) -> SearchResult:
        found = response["hits"]["hits"]
        documents = [Document.model_validate(h["_source"]) for h in found] if request.with_body else _without_text(found)
        if any(doc is None for doc in documents):
            read = self.get_many([h["_id"] for h in found], with_body=False)
            documents = [read.get(h["_id"]) for h in found]
        hits = [
            Hit(doc, h.get("_score"), frozenset(h.get("matched_queries", ())))
            for h, doc in zip(found, documents, strict=True) if doc is not None
        ]
        facets = {field: self._facet_counts(field, response["aggregations"][field]) for field in request.facets}
        return SearchResult(total=response["hits"]["total"]["value"], hits=hits, facets=facets)

    def _base_query(self, request: SearchRequest) -> dict:
        must: list[dict] = []
        if request.doc_number_key:
            must.append({"term": {"doc_number_key": request.doc_number_key}})
        fields = ["title_tokens"] if request.scope is Scope.TITLE else [f"title_tokens^{TITLE_WEIGHT:g}", "body_tokens"]
        should: list[dict] = []
        hard: list[dict] = []
        if not request.doc_number_key and request.terms:
            if request.any_terms:
                # every term scores and is named (`Hit.matched`); the rarer ones find the candidates
                named = _term_queries(request, fields, named=True)
                should.extend(named)
                counts = self._document_frequencies([word for word in words_of(request) if word]) if narrows(request) else {}
                kept = finding_terms(request, lambda word: counts.get(word, 0), candidates.DOCUMENT_MATCH_BUDGET)
                if kept is not None:
                    hard.append({"bool": {"should": [named[index] for index in kept], "minimum_should_match": 1}})
            elif request.expansions:
                must.extend(_term_queries(request, fields))
            else:
                must.append({"combined_fields": {"query": " ".join(request.terms), "fields": fields, "operator": "and"}})
        if not request.doc_number_key:
            must.extend(_phrase_query(tokens, fields) for tokens in request.phrases)
        must_not = [_phrase_query(tokens, ["title_tokens", "body_tokens"]) for tokens in request.excluded]
        if request.date_from or request.date_to:
            bounds = {}
            if request.date_from:
                bounds["gte"] = request.date_from.isoformat()
            if request.date_to:
                bounds["lte"] = request.date_to.isoformat()
            hard.append({"range": {"publish_date": bounds}})
        if request.current:
            hard.append(_status_query(Status.IN_FORCE, request.valid_on))
        if request.doc_number_key:
            must_not = []
        query: dict[str, Any] = {"must": must or ([] if should else [{"match_all": {}}]), "filter": hard,
                                 "must_not": must_not}
        if should:
            query.update(should=should, minimum_should_match=1)
        return {"bool": query}

    def _document_frequencies(self, words: list[str]) -> dict[str, int]:
        """How many documents hold each word in their title or body (as the embedded store's
        full-text vocabulary counts them), and all of them (under ""): one search, the
        collection's, no hits. A question asks twice (to weigh its terms, then to choose
        those that find its candidates): the second is answered from the counts of the
        first, kept `FREQUENCIES_SECONDS` and until this store's next refresh."""
        key = tuple(words)
        kept = self._frequencies.get(key)
        if kept is not None and time.monotonic() - kept[0] < FREQUENCIES_SECONDS:
            return kept[1]
        filters = {str(number): {"bool": {"should": [{"term": {"title_tokens": word}}, {"term": {"body_tokens": word}}]}}
                   for number, word in enumerate(words)}
        response = self._call(self.client.search, index=self.alias, size=0, track_total_hits=True,
                              aggs={"words": {"filters": {"filters": filters}}})
        buckets = response["aggregations"]["words"]["buckets"]
        counts = {word: buckets[str(number)]["doc_count"] for number, word in enumerate(words)}
        counts[""] = response["hits"]["total"]["value"]
        if len(self._frequencies) >= FREQUENCIES_KEPT:
            self._frequencies.clear()
        self._frequencies[key] = (time.monotonic(), counts)
        return counts

    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        counts = dict(self._document_frequencies([word for word in dict.fromkeys(words) if word]))
        return counts.pop(""), counts

    def _filters(self, request: SearchRequest) -> dict[str, dict]:
        """One query per filtered field, so each facet can leave its own out."""
        filters: dict[str, dict] = {}
        for field, values in request.filters.items():
            if not values:
                continue
            if field == "status":
                filters[field] = {"bool": {"should": [_status_query(Status(v), request.valid_on) for v in values],
                                           "minimum_should_match": 1}}
            else:
                filters[field] = {"terms": {_attribute(get_field(field)): values}}
        return filters

    def _facet_agg(self, request: SearchRequest, field: str, filters: dict[str, dict]) -> dict:
        others = [query for name, query in filters.items() if name != field]
        inner: dict[str, Any]
        if field == "status":
            inner = {"filters": {"filters": {s.value: _status_query(s, request.valid_on) for s in STATUS_CONDITIONS}}}
        else:
            inner = {"terms": {"field": _attribute(get_field(field)), "size": request.facet_size,
                               "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        return {"filter": {"bool": {"filter": others}}, "aggs": {"values": inner}}

    @staticmethod
    def _facet_counts(field: str, aggregation: dict) -> list[FacetCount]:
        buckets = aggregation["values"]["buckets"]
        if field == "status":
            counts = [FacetCount(value, bucket["doc_count"]) for value, bucket in buckets.items() if bucket["doc_count"]]
            return sorted(counts, key=lambda c: (-c.count, c.value))
        return [FacetCount(str(bucket["key"]), bucket["doc_count"]) for bucket in buckets]

    @staticmethod
    def _sort(request: SearchRequest) -> list:
        by_date = lambda field, order: {field: {"order": order, "missing": "_last"}}  # noqa: E731
        if request.has_words and request.sort is Sort.RELEVANCE:
            return ["_score", by_date("publish_date", "desc"), {"id": "asc"}]
        return {
            Sort.RELEVANCE: [by_date("publish_date", "desc"), {"id": "asc"}],
            Sort.DATE: [by_date("publish_date", "desc"), {"id": "asc"}],
            Sort.DATE_ASC: [by_date("publish_date", "asc"), {"id": "asc"}],
            Sort.EFFECTIVE: [by_date("effective_date", "desc"), {"id": "asc"}],
        }[request.sort]


    def search_articles(self, request: SearchRequest, documents: Mapping[str, Document] | None = None
                        ) -> ArticleResult:
        if not request.has_words:
            return ArticleResult(total=0, hits=[])
        response = self._call(self.client.search, index=self.articles_alias, search_type=_SEARCH_TYPE,
                              **self._article_search_body(request))
        return self._article_result(request, response, documents or {})

    def search_with_articles(self, requests: list[SearchRequest], article_request: SearchRequest
                             ) -> tuple[list[SearchResult], ArticleResult]:
        # one _msearch, and the found articles' documents that the searches did not bring in one mget
        if not article_request.has_words:
            return self.search_many(requests), ArticleResult(total=0, hits=[])
        searches: list[dict] = []
        for request in requests:
            searches.extend([{"index": self.alias}, self._search_body(request)])
        searches.extend([{"index": self.articles_alias}, self._article_search_body(article_request)])
        responses = self._msearch(searches)
        results = [self._result(request, response) for request, response in zip(requests, responses[:-1], strict=True)]
        known = {hit.document.id: hit.document for result in results for hit in result.hits}
        return results, self._article_result(article_request, responses[-1], known)

    def _article_search_body(self, request: SearchRequest) -> dict[str, Any]:
        weights = dict(zip(("title_tokens", "headings_tokens", "text_tokens"), ARTICLE_WEIGHTS, strict=True))
        fields = [f"{name}^{weight:g}" for name, weight in weights.items()]
        filters = [*self._filters(request).values()]
        if request.current:
            filters.append(_status_query(Status.IN_FORCE, request.valid_on))
        if request.date_from or request.date_to:
            filters.append({"range": {"publish_date": {key: day.isoformat() for key, day in
                                                       (("gte", request.date_from), ("lte", request.date_to)) if day}}})
        if request.doc_ids:
            filters.append({"terms": {"doc_id": list(request.doc_ids)}})
        terms = _term_queries(request, fields)
        query: dict[str, Any] = {
            "filter": filters,
            "must": [_phrase_query(tokens, list(weights)) for tokens in request.phrases],
            "must_not": [_phrase_query(tokens, list(weights)) for tokens in request.excluded],
        }
        if request.any_terms:
            query.update(should=terms, minimum_should_match=1)
        else:
            query["must"].extend(terms)
        source = {"includes": ["doc_id", "ordinal", "number", "headings", "text"]}
        body: dict[str, Any] = {
            "query": {"bool": query}, "from": request.offset, "size": request.size,
            # counting every match would turn off the top-k skipping (block-max WAND) of a question's OR
            "track_total_hits": ARTICLE_TOTAL_LIMIT if request.with_total else False,
            "sort": ["_score", {"doc_id": "asc"}, {"ordinal": "asc"}],
            "_source": source,
        }
        if request.doc_ids:
            # each document its own best articles (SearchRequest.doc_ids): a group a document,
            # its share of the page as the group's hits; the page is cut from them after
            body.update({"from": 0, "size": len(request.doc_ids), "_source": False, "collapse": {
                "field": "doc_id", "inner_hits": {"name": "best", "size": document_share(request),
                                                  "sort": ["_score", {"ordinal": "asc"}], "_source": source}}})
        return body

    def _article_result(self, request: SearchRequest, response: Any, documents: Mapping[str, Document]
                        ) -> ArticleResult:
        found = response["hits"]["hits"]
        if request.doc_ids:  # the groups' hits, ranked as one page (see _article_search_body)
            found = sorted((hit for group in found for hit in group["inner_hits"]["best"]["hits"]["hits"]),
                           key=lambda hit: (-hit["_score"], hit["_source"]["doc_id"], hit["_source"]["ordinal"]))
            found = found[request.offset : request.offset + request.size]
        known = dict(documents)
        known.update(self.get_many({hit["_source"]["doc_id"] for hit in found} - set(known), with_body=False))
        hits = [
            ArticleHit(known[hit["_source"]["doc_id"]], hit["_source"]["ordinal"], hit["_source"]["number"],
                       hit["_source"]["headings"], hit["_source"]["text"], hit.get("_score"))
            for hit in found if hit["_source"]["doc_id"] in known
        ]
        total = response["hits"]["total"]["value"] if request.with_total else request.offset + len(found)
        return ArticleResult(total=total, hits=hits)


def _article_id(doc_id: str, content_hash: str, ordinal: int) -> str:
    """An article's id: its document's, the text's version (so that writing a new text never
    overwrites an article that deleting the old ones then finds) and its place."""
    return f"{doc_id}/{content_hash[:12]}/{ordinal}"


def _term_queries(request: SearchRequest, fields: list[str], named: bool = False) -> list[dict]:
    """One query for each term: the term, or any statutory word it stands for (all of its
    terms); `named`, so that a hit says which it holds (`Hit.matched`)."""
    queries = []
    for index, term in enumerate(request.terms):
        typed: dict[str, Any] = {"combined_fields": {"query": term, "fields": fields}}
        if named:
            typed["combined_fields"]["_name"] = matched_name(index, False)
        alternatives = [typed]
        for words in request.alternatives(index)[1:]:
            expansion: dict[str, Any] = {"query": " ".join(words), "fields": fields, "operator": "and"}
            if named:
                expansion["_name"] = matched_name(index, True)
            alternatives.append({"combined_fields": expansion})
        queries.append(alternatives[0] if len(alternatives) == 1 else {"dis_max": {"queries": alternatives}})
    return queries


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _RequestRefused(Exception):
    """Elasticsearch refused a whole bulk request as invalid (for one of its documents)."""

    def __init__(self, status: int, reason: dict | str | None) -> None:
        super().__init__(status)
        self.status, self.reason = status, reason


def _write_blocked(status: int, error: dict | str | None) -> bool:
    """Whether an item was refused because its index is closed to writes (a block)."""
    return status == 403 and isinstance(error, dict) and error.get("type") == "cluster_block_exception"


def _item_reason(status: int, error: dict | str | None) -> str:
    """Why Elasticsearch refused one document of a bulk request, in a line."""
    if isinstance(error, dict):
        cause = error.get("caused_by") or {}
        text = f"{error.get('type', 'error')}: {error.get('reason') or ''}"
        if cause.get("reason"):
            text += f" ({cause['reason']})"
    else:
        text = str(error or "no reason given")
    # values quoted in brackets (the document's id, a term) can be kilobytes long
    text = re.sub(r"\[[^\]]{60,}\]", "[…]", " ".join(text.split()))
    return f"Elasticsearch refused it ({status}): {text[:300]}{'…' if len(text) > 300 else ''}"


def _phrase_query(tokens: list[str], fields: list[str]) -> dict:
    """The tokens in sequence in any of the fields (as FTS5 matches a quoted phrase)."""
    return {"multi_match": {"query": " ".join(tokens), "type": "phrase", "fields": fields}}


def _status_query(status: Status, day: date) -> dict:
    ranges = []
    for field, op in STATUS_CONDITIONS[status]:
        ranges.append({"range": {field: {"lte" if op == "<=" else "gt": day.isoformat()}}})
    return {"bool": {"filter": ranges}}


def _summary(doc: Document) -> str:
    """What `get_many(with_body=False)` returns of a document, as JSON: the document as
    stored (as `_source` holds it, with its derived family id), less its text."""
    return doc.model_dump_json(exclude=set(_TEXT))


def _without_text(hits: list[dict]) -> list[Document | None]:
    """The documents of hits read with `_SUMMARY` (None: an index written before summaries)."""
    return [Document.model_validate_json(hit["fields"]["summary"][0]) if "summary" in hit.get("fields", {}) else None
            for hit in hits]


def _source(record: IndexRecord) -> dict:
    doc = record.full_document()
    form = stored_form(doc)
    source = doc.model_dump(mode="json")
    source.update(form.validity)
    # filter fields the document model does not hold (year): their values as stored
    source.update({_attribute(field): form.values[field.name] for field in _stored_fields()
                   if field.attribute not in source})
    source.update(
        family_id=form.family_id,
        doc_number_key=form.doc_number_key,
        title_tokens=record.title_tokens.decode("utf-8"),
        body_tokens=record.body_tokens.decode("utf-8"),
        content_hash=record.content_hash,
        link_keys=form.link_keys,
        suggest_keys=form.suggest_keys,
        title_length=form.title_length,
        interprets_key=form.interprets_key,
        repeals_keys=form.repeals_keys,
        repealed_by_id=form.repealed_by_id,
        article_count=len(record.articles),
    )
    source["summary"] = _summary(Document.model_validate({name: source[name] for name in Document.model_fields}))
    return source
