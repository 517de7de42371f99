"""Rebuilding the index online with the analyzer of today (`policy-search reindex`).

A word added to the user dictionary or a new short form changes how texts are cut: the
documents already indexed hold the tokens of the old cut until they are segmented again.
`reindex` writes every stored document, segmented with the store's analyzer, into a new
index beside the serving one (`Store.rebuild`), which takes its place in one atomic step
when it is complete: searches meanwhile read the old index, never a mix of both, and a
rebuild that fails leaves the old index serving and removes the new one. The documents
come from the store itself (their text, metadata and links as stored), so no source
file is read again; what is written to the serving index meanwhile is carried over before
the switch (`catch_up`), the last time while writers wait, so that none is lost: they
write to the new index once it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from policy_search.stores import IndexRecord, Store, StoreUnavailable

# Documents read, segmented and written at a time (a law's text is up to a few hundred KB).
BATCH_DOCUMENTS = 200
# Passes that carry over what was written to the serving index while the new one was being
# built (the write API, an indexing run), each over what the one before left, before the
# last one that writers wait for (`settle_catch_up`).
CATCH_UP_PASSES = 5
# The index's record of the segmentation its tokens were made with (see Store.ensure_segmentation).
SEGMENTATION_META = "segmentation"


@dataclass
class ReindexReport:
    """What a rebuild did: how many documents it wrote, those whose tokens changed."""

    documents: int = 0
    changed: list[str] = field(default_factory=list)
    fingerprint: str = ""  # the segmentation the index holds now
    previous_fingerprint: str | None = None  # the one it held before (None: not recorded)

    def as_json(self) -> dict[str, object]:
        return {"documents": self.documents, "changed_count": len(self.changed), "changed": self.changed,
                "fingerprint": self.fingerprint, "previous_fingerprint": self.previous_fingerprint}

    def describe(self) -> str:
        return (f"reindexed {self.documents} documents: {len(self.changed)} with changed tokens"
                f" (segmentation {self.previous_fingerprint or 'unknown'} -> {self.fingerprint})")


def reindex(store: Store, after_batch: Callable[[int], None] | None = None) -> ReindexReport:
    """Rebuild the store's index from its stored documents with `store.analyzer`, online.

    `after_batch` is called with the number of documents written so far after each batch
    (progress; a test raises from it to fail a rebuild half way). Raises what the store
    raises; the serving index is then the one there was before."""
    if not store.ready():  # asked first: opening a missing embedded file for writing would make it
        raise StoreUnavailable("the index does not exist; run `policy-search index` first")
    analyzer = store.analyzer
    report = ReindexReport(fingerprint=analyzer.fingerprint, previous_fingerprint=store.get_meta(SEGMENTATION_META))
    ids = store.ids()

    def build(target: Store) -> None:
        written = 0
        iterator = iter(ids)
        while chunk := list(islice(iterator, BATCH_DOCUMENTS)):
            records = stored_records(store, chunk, report)
            target.upsert(records)
            written += len(records)
            if after_batch is not None:
                after_batch(written)
        # while writes go on: each pass carries over what came during the one before, so
        # that the last, which writers wait for, has little left to do
        for _ in range(CATCH_UP_PASSES):
            if not catch_up(store, target, report):
                break

    def settle(target: Store) -> None:
        settle_catch_up(store, target, report)
        target.set_meta(SEGMENTATION_META, analyzer.fingerprint)
        target.refresh()
        report.documents = target.count()
        report.changed = list(dict.fromkeys(report.changed))

    store.rebuild(build, settle)
    return report


def catch_up(store: Store, target: Store, report: ReindexReport) -> int:
    """Bring the new index level with the serving one: the documents added, changed or
    deleted there since they were copied, copied again as stored or deleted. A document
    differs by its text and fields (its content hash) or by what linking derived for it
    (which version supersedes it, the policy it interprets, its interpretations), which
    the writes change in other documents than those written. How many differed."""
    serving, built = store.document_states(), target.document_states()  # each refreshes first
    changed = sorted(doc_id for doc_id, state in serving.items() if _differs(state, built.get(doc_id)))
    removed = sorted(set(built) - set(serving))
    target.delete(removed)
    for start in range(0, len(changed), BATCH_DOCUMENTS):
        target.upsert(stored_records(store, changed[start : start + BATCH_DOCUMENTS], report))
    return len(changed) + len(removed)


def settle_catch_up(store: Store, target: Store, report: ReindexReport) -> int:
    """The last catch-up, while the serving index takes no writes (`Store.rebuild`'s
    `settle`): nothing written to it is missed by the new index."""
    return catch_up(store, target, report)


def _differs(serving: tuple[str | None, str], built: tuple[str | None, str] | None) -> bool:
    # A document stored without a content hash (an index older than them) was not written
    # since; its copy holds the hash computed for it (`stored_records`): not a difference.
    return built is None or serving[1] != built[1] or (serving[0] is not None and serving[0] != built[0])


def stored_records(store: Store, ids: list[str], report: ReindexReport) -> list[IndexRecord]:
    """The records of stored documents segmented with the store's analyzer; the ids whose
    tokens differ from those indexed go to `report.changed`."""
    documents = store.get_many(ids)
    hashes = store.content_hashes(ids)
    indexed = store.tokens_digests(ids)
    records = []
    for doc_id in ids:
        doc = documents.get(doc_id)
        if doc is None:  # deleted since the ids were read
            continue
        record = IndexRecord.of(doc, store.analyzer)
        # The hash the indexer wrote stays: a later `index` run finds the document unchanged.
        record.content_hash = hashes.get(doc_id) or record.content_hash
        if indexed.get(doc_id) != record.tokens_digest:
            report.changed.append(doc_id)
        records.append(record)
    return records
