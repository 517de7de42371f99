"""What a write changes beyond the documents written: which version of a regulation
supersedes which (so that statuses follow), the links between interpretations and the
policies they explain, and which document a later one repeals (all in either indexing order)."""

from __future__ import annotations

from collections.abc import Iterable

from policy_search.schema import (
    Document,
    Kind,
    LinkedDocument,
    RepealingDocument,
    link_keys,
    reference_key,
    supersession_dates,
    validity,
)
from policy_search.stores import Store


def refresh_families(store: Store, family_ids: Iterable[str], left: Iterable[str] = ()) -> None:
    """Recompute which version of each family supersedes which.

    A family of one version has nothing to recompute (a version is written without a
    supersession date), unless a version has just `left` it, so only families that hold
    several versions are read: at a million single-version documents that is the
    difference between minutes and seconds."""
    family_ids = list(family_ids)
    left = set(left)
    store.refresh()  # the versions just written must be visible to the lookup
    for start in range(0, len(family_ids), 1000):
        chunk = family_ids[start : start + 1000]
        shared = store.shared_families(chunk) | left.intersection(chunk)
        if not shared:
            continue
        versions = store.family_versions(sorted(shared))
        changed = {}
        for docs in versions.values():
            current = {doc.id: doc.superseded_date for doc in docs}
            for doc_id, superseded in supersession_dates(docs).items():
                if current[doc_id] != superseded:
                    changed[doc_id] = superseded
        store.patch({doc_id: {"superseded_date": day} for doc_id, day in changed.items()})


def relink(store: Store, written: Iterable[Document]) -> None:
    """Link interpretations and policies touched by a write, in either indexing order.

    An interpretation names its policy by number or title (`interprets_ref`); it links to
    the newest policy holding that key, and each policy lists the interpretations that
    link to it. A re-indexed policy gets its list back; a changed reference moves.
    """
    written = list(written)
    store.refresh()
    # The written documents are as the store holds them; only others are read back.
    written_policies = {d.id: d for d in written if d.kind is Kind.POLICY}
    policy_keys = [key for d in written for key in link_keys(d)]
    interpretation_ids = {d.id for d in written if d.kind is Kind.INTERPRETATION}
    for ids in store.lookup("interprets_key", policy_keys).values():
        interpretation_ids.update(ids)
    interpretations = store.get_many(interpretation_ids, with_body=False)
    keys = {doc_id: reference_key(doc.interprets_ref) for doc_id, doc in interpretations.items()}
    holders = store.lookup("link_keys", [k for k in keys.values() if k])
    target: dict[str, str | None] = {doc_id: (holders.get(key) or [None])[0] if key else None  # type: ignore[list-item]
                                     for doc_id, key in keys.items()}
    others = {t for t in target.values() if t} | {
        doc.interprets.id for doc in interpretations.values() if doc.interprets}
    policies = {**store.get_many(others - written_policies.keys(), with_body=False), **written_policies}
    updates: dict[str, dict] = {}
    for doc_id, doc in interpretations.items():
        policy = policies.get(target[doc_id] or "")
        link = LinkedDocument(id=policy.id, title=policy.title) if policy else None
        if doc.interprets != link:
            updates[doc_id] = {"interprets": link}
    listing: dict[str, list[LinkedDocument]] = {}
    for doc_id, policy_id in sorted(target.items()):
        if policy_id:
            listing.setdefault(policy_id, []).append(LinkedDocument(id=doc_id, title=interpretations[doc_id].title))
    for policy_id, policy in policies.items():
        listed = listing.get(policy_id, [])
        if policy.interpretations != listed:
            updates[policy_id] = {"interpretations": listed}
    store.patch(updates)


def relink_repeals(store: Store, written: Iterable[Document], removed: Iterable[Document] = ()) -> None:
    """Mark the documents that the written ones say they repeal, and the written ones that
    documents indexed before say they repeal (`Document.repealed_by`); documents that a
    written or `removed` one repealed before are worked out again (its text may have changed),
    and a removed one leaves the `repeals` list of the document that repealed it.

    A document is repealed by another whose text names it (`repeals_refs`: its title or
    number) where the other is not one of its versions nor an interpretation, takes effect
    after it was published and, named by title only, is of its region; the earliest such
    repeal counts. The law corpus lists 促进个体工商户发展条例 and the 个体工商户条例 it repealed
    as both in force: only the new one's text says otherwise."""
    by_id = {doc.id: doc for doc in written}
    store.refresh()
    named = [key for doc in by_id.values() for key in _repeal_keys(doc)]
    targets = {doc_id for ids in store.lookup("link_keys", named).values() for doc_id in ids}
    removed = list(removed)
    targets |= {doc_id for ids in store.lookup("repealed_by_id", [*by_id, *(doc.id for doc in removed)]).values()
                for doc_id in ids}
    docs = {**store.get_many(targets - by_id.keys(), with_body=False), **by_id}
    keys = {doc_id: [key for key in link_keys(doc) if not key.startswith("url:")] for doc_id, doc in docs.items()}
    naming = store.lookup("repeals_keys", [key for held in keys.values() for key in held])
    repealer_ids = {doc_id for ids in naming.values() for doc_id in ids}
    repealers = {**store.get_many(repealer_ids - docs.keys(), with_body=False),
                 **{doc_id: docs[doc_id] for doc_id in repealer_ids & docs.keys()}}
    updates = {}
    for doc_id, doc in docs.items():
        by_key = [(repealers[other], key) for key in keys[doc_id] for other in naming.get(key, []) if other in repealers]
        link = earliest_repeal(doc, by_key)
        if doc.repealed_by != link:
            updates[doc_id] = {"repealed_by": link}
    store.patch(updates)
    # what each repealing document lists: those whose repeal it is, before or now
    changed = {old.id for doc_id in updates if (old := docs[doc_id].repealed_by)}
    changed |= {link.id for fields in updates.values() if (link := fields["repealed_by"])}
    changed |= {link.id for doc in removed if (link := doc.repealed_by)}
    _list_repealed(store, changed | {doc_id for doc_id, doc in by_id.items() if doc.repeals or _repeal_keys(doc)})


def _list_repealed(store: Store, repealer_ids: set[str]) -> None:
    """Each of the documents' `repeals`: the documents that give it as `repealed_by`."""
    if not repealer_ids:
        return
    store.refresh()
    repealed = store.lookup("repealed_by_id", sorted(repealer_ids))
    titles = {doc_id: doc.title for doc_id, doc in store.get_many(
        {doc_id for ids in repealed.values() for doc_id in ids}, with_body=False).items()}
    updates = {}
    for repealer_id, doc in store.get_many(repealer_ids, with_body=False).items():
        listed = [LinkedDocument(id=doc_id, title=titles[doc_id]) for doc_id in sorted(repealed[repealer_id])
                  if doc_id in titles]
        if doc.repeals != listed:
            updates[repealer_id] = {"repeals": listed}
    store.patch(updates)


def _repeal_keys(doc: Document) -> list[str]:
    return [key for key in map(reference_key, doc.repeals_refs) if key]


def earliest_repeal(doc: Document, named_by: Iterable[tuple[Document, str]]) -> RepealingDocument | None:
    """Of the documents naming `doc` as repealed (each with the key it is named by), the
    one that repeals it first, if any does (`relink_repeals` says which do)."""
    published = doc.publish_date or validity(doc).in_force_from
    found: list[RepealingDocument] = []
    for other, key in named_by:
        if other.id == doc.id or other.family == doc.family or other.kind is Kind.INTERPRETATION:
            continue
        if key.startswith("title:") and doc.region and other.region and doc.region != other.region:
            continue
        if other.publish_date and published > other.publish_date:
            continue  # a later document of the same name, not the one repealed
        found.append(RepealingDocument(id=other.id, title=other.title, on=validity(other).in_force_from))
    return min(found, key=lambda link: (link.on, link.id), default=None)
