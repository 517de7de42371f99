"""The indexing run: files in, documents out, a summary at the end.

A run is incremental and idempotent: a document whose content hash is unchanged is not
written again. After writing, the families of the written documents are brought up to
date (which version supersedes which), so statuses stay right whatever the order in
which versions arrive. A file that cannot be parsed is reported and skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from analyzers import index_tokens
from indexer.errors import ParseError
from indexer.lawrefbook import parse_lawrefbook
from indexer.portal_html import parse_portal_html
from indexer.records import parse_records
from indexer.textrecord import parse_text_record
from policy_search.schema import Document, Kind, LinkedDocument, link_keys, reference_key, supersession_dates
from policy_search.stores import IndexRecord, Store

Parser = Callable[[Path], list[Document]]

# File suffix -> parser.
PARSERS: dict[str, Parser] = {
    ".json": parse_records,
    ".jsonl": parse_records,
    ".md": parse_lawrefbook,
    ".html": parse_portal_html,
    ".htm": parse_portal_html,
    ".txt": parse_text_record,
}

BATCH_SIZE = 200


@dataclass
class Failure:
    path: str
    reason: str


@dataclass
class IndexSummary:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    def describe(self) -> str:
        return (
            f"{self.files} files, {self.documents} documents: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.failed)} failed"
        )


def to_record(doc: Document, content_hash: str | None = None) -> IndexRecord:
    """Segment a document once, for whichever store indexes it."""
    return IndexRecord(
        document=doc,
        title_tokens=" ".join(index_tokens(doc.title)),
        body_tokens=" ".join(index_tokens(doc.body)),
        content_hash=content_hash or doc.content_hash(),
    )


def find_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files under the paths, with whether each was named explicitly."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child, False
        else:
            yield path, True


class Indexer:
    def __init__(self, store: Store, *, progress: bool | None = None) -> None:
        self.store = store
        # None: a bar only when stderr is a terminal
        self.progress = progress

    def index_paths(self, paths: Iterable[str | Path]) -> IndexSummary:
        summary = IndexSummary()
        documents: list[Document] = []
        files = list(find_files(Path(p) for p in paths))
        bar = tqdm(files, desc="parsing", unit="file", file=sys.stderr,
                   disable=self._bar_disabled(), leave=False)
        for path, explicit in bar:
            parser = PARSERS.get(path.suffix.lower())
            if parser is None:
                if explicit:
                    summary.failed.append(Failure(str(path), f"unsupported file type {path.suffix or '(none)'}"))
                continue
            summary.files += 1
            try:
                if not path.exists():
                    raise ParseError("no such file")
                documents.extend(parser(path))
            except ParseError as error:
                summary.failed.append(Failure(str(path), str(error)))
            except OSError as error:
                summary.failed.append(Failure(str(path), error.strerror or str(error)))
        self.index_documents(documents, summary)
        return summary

    def index_documents(self, documents: Iterable[Document], summary: IndexSummary | None = None) -> IndexSummary:
        summary = summary or IndexSummary()
        self.store.create()
        unique = {doc.id: doc for doc in documents}  # the last of a repeated id wins
        existing = self.store.content_hashes(unique)
        touched_families: set[str] = set()
        pending: list[tuple[Document, str]] = []
        for doc in unique.values():
            digest = doc.content_hash()
            if existing.get(doc.id) == digest:
                summary.unchanged += 1
                continue
            if doc.id in existing:
                summary.updated += 1
            else:
                summary.added += 1
            pending.append((doc, digest))
        # A version that moved to another family leaves its old family to be refreshed too.
        previous = self.store.get_many([d.id for d, _ in pending if d.id in existing], with_body=False)
        touched_families.update(doc.family for doc in previous.values())
        bar = tqdm(total=len(pending), desc="indexing", unit="doc", file=sys.stderr,
                   disable=self._bar_disabled(), leave=False)
        for start in range(0, len(pending), BATCH_SIZE):
            batch = pending[start : start + BATCH_SIZE]
            self.store.upsert(to_record(doc, digest) for doc, digest in batch)
            touched_families.update(doc.family for doc, _ in batch)
            bar.update(len(batch))
        bar.close()
        self.refresh_families(touched_families)
        self.relink(doc for doc, _ in pending)
        self.store.refresh()
        return summary

    def delete(self, ids: Iterable[str]) -> None:
        docs = self.store.get_many(ids, with_body=False)
        self.store.delete(docs)
        self.refresh_families({doc.family for doc in docs.values()})
        # what linked to a deleted document links anew (or no longer)
        orphans = self.store.lookup("interprets_key", [k for d in docs.values() for k in link_keys(d)])
        policies = {d.interprets.id for d in docs.values() if d.interprets}
        survivors = [i for ids in orphans.values() for i in ids] + list(policies)
        self.relink(self.store.get_many(survivors, with_body=False).values())
        self.store.refresh()

    def refresh_families(self, family_ids: Iterable[str]) -> None:
        """Recompute which version of each family supersedes which."""
        family_ids = list(family_ids)
        self.store.refresh()  # the versions just written must be visible to the lookup
        for start in range(0, len(family_ids), 1000):
            versions = self.store.family_versions(family_ids[start : start + 1000])
            changed = {}
            for docs in versions.values():
                current = {doc.id: doc.superseded_date for doc in docs}
                for doc_id, superseded in supersession_dates(docs).items():
                    if current[doc_id] != superseded:
                        changed[doc_id] = superseded
            self.store.patch({doc_id: {"superseded_date": day} for doc_id, day in changed.items()})

    def relink(self, written: Iterable[Document]) -> None:
        """Link interpretations and policies touched by a write, in either indexing order.

        An interpretation names its policy by number or title (`interprets_ref`); it links to
        the newest policy holding that key, and each policy lists the interpretations that
        link to it. A re-indexed policy gets its list back; a changed reference moves.
        """
        written = list(written)
        self.store.refresh()
        policy_ids = {d.id for d in written if d.kind is Kind.POLICY}
        policy_keys = [key for d in written for key in link_keys(d)]
        interpretation_ids = {d.id for d in written if d.kind is Kind.INTERPRETATION}
        for ids in self.store.lookup("interprets_key", policy_keys).values():
            interpretation_ids.update(ids)
        if not interpretation_ids:
            if policy_ids:  # a re-indexed policy keeps no stale list
                stale = self.store.get_many(policy_ids, with_body=False)
                self.store.patch({pid: {"interpretations": []} for pid, p in stale.items() if p.interpretations})
            return
        interpretations = self.store.get_many(interpretation_ids, with_body=False)
        keys = {doc_id: reference_key(doc.interprets_ref) for doc_id, doc in interpretations.items()}
        holders = self.store.lookup("link_keys", [k for k in keys.values() if k])
        target = {doc_id: (holders.get(key) or [None])[0] if key else None for doc_id, key in keys.items()}
        affected = policy_ids | {t for t in target.values() if t} | {
            doc.interprets.id for doc in interpretations.values() if doc.interprets}
        policies = self.store.get_many(affected, with_body=False)
        updates: dict[str, dict] = {}
        for doc_id, doc in interpretations.items():
            policy = policies.get(target[doc_id] or "")
            link = LinkedDocument(id=policy.id, title=policy.title) if policy else None
            if doc.interprets != link:
                updates[doc_id] = {"interprets": link}
        for policy_id, policy in policies.items():
            listed = sorted(
                (LinkedDocument(id=i.id, title=i.title) for i_id, i in interpretations.items() if target[i_id] == policy_id),
                key=lambda link: link.id,
            )
            if policy.interpretations != listed:
                updates[policy_id] = {"interpretations": listed}
        self.store.patch(updates)

    def _bar_disabled(self) -> bool | None:
        return None if self.progress is None else not self.progress
