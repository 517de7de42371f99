"""What a write changes beyond the documents written: which version of a regulation
supersedes which (so that statuses follow), and the links between interpretations and the
policies they explain (in either indexing order)."""

from __future__ import annotations

from collections.abc import Iterable

from policy_search.schema import Document, Kind, LinkedDocument, link_keys, reference_key, supersession_dates
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
