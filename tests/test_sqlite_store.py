"""What only the embedded store does: its contentless full-text index kept right."""

from __future__ import annotations

import sqlite3
from datetime import date

from support.documents import hostile_law, sample_documents
from support.paths import FIXTURES
from support.processes import exit_codes_at_once

from indexer import Indexer
from policy_search.articles import search_articles
from policy_search.schema import Article, Document
from policy_search.search import make_article_request, make_request
from policy_search.stores import IndexRecord
from policy_search.stores.base import tokens_digest
from policy_search.stores.sqlite import SQLiteStore


def ids(store, q):
    return [hit.document.id for hit in store.search(make_request(q=q, facets=[])).hits]


def fulltext_integrity(store: SQLiteStore) -> None:
    """Both contentless full-text indexes hold exactly the tokens written and not taken back
    (a delete handed other tokens than those indexed fails the check)."""
    with sqlite3.connect(store.path) as connection:
        for table in ("documents_fts", "articles_fts"):
            connection.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 0)")


def test_updates_and_deletes_leave_the_fulltext_index_sound(tmp_path):
    """Deleting takes back exactly the tokens indexed: a document written after a delete
    takes the deleted one's rowid (and its articles' rowids), and no word of the deleted
    one (its text, title or headings) finds it."""
    store = SQLiteStore(tmp_path / "index.db")
    indexer = Indexer(store, progress=False)
    docs = sample_documents()
    law = hostile_law()  # written last: the highest rowid, which the next write takes again
    indexer.index_documents([*docs, law])
    indexer.delete([law.id])
    # articles as slices of the body under headings, and one that is not a slice of it
    body = "第一章 湿地保护\n第一条 为了保护湿地生态，制定本法。\n第二章 附则\n第二条 本法自公布之日起施行。"
    articles = [Article(number="第一条", text="为了保护湿地生态，制定本法。"),
                Article(number="第二条", text="本法自公布之日起施行。"),
                Article(number="第三条", text="湿地保护规划另行制定。")]
    indexer.index_documents([docs[0].model_copy(update={"body": body, "articles": articles})])
    indexer.delete([docs[1].id])
    fulltext_integrity(store)
    assert ids(store, "湿地") == [docs[0].id]
    assert ids(store, "适用") == []

    def article_numbers(q):
        return [hit.number for hit in store.search_articles(make_request(q=q, facets=[])).hits]

    assert article_numbers("湿地 规划") == ["第三条", "第一条"]
    assert article_numbers("附则") == ["第二条"]
    assert article_numbers("总则") == []  # the deleted law's heading
    assert article_numbers("经营者") == []  # its title and text


def test_text_indexed_by_another_segmentation_is_indexed_again(tmp_path):
    """Documents indexed with tokens that their text no longer segments into (as after a
    dictionary change) cannot be taken out of the index by their tokens: updating them
    makes the full-text index again from the stored text, once, and nothing stale stays
    findable."""
    store = SQLiteStore(tmp_path / "index.db")
    indexer = Indexer(store, progress=False)
    docs = sample_documents()
    indexer.index_documents(docs[2:])
    for doc in docs[:2]:
        old = IndexRecord.of(doc, store.analyzer)
        old.body_tokens += b" oldlexicon"  # a token today's segmentation does not give
        old.tokens_digest = tokens_digest(old.title_tokens, old.body_tokens)
        store.upsert([old])
    assert set(ids(store, "oldlexicon")) == {docs[0].id, docs[1].id}

    updated = [doc.model_copy(update={"body": f"第一条 为了保护湿地生态，制定本法。{doc.id}"}) for doc in docs[:2]]
    indexer.index_documents(updated)
    assert ids(store, "oldlexicon") == []
    assert set(ids(store, "湿地")) == {docs[0].id, docs[1].id}
    assert set(ids(store, "城乡规划")) == {d.id for d in docs if "城乡规划" in d.title + d.body}
    fulltext_integrity(store)


def test_a_question_sees_words_written_since_it_last_looked_them_up(tmp_path):
    """A question's candidates come from its rarer words, counted in the full-text vocabulary
    and remembered between searches: a word that no document held when a server last looked
    must be found once a document holding it is written, by this process or by another one
    (an indexing run)."""
    reader = SQLiteStore(tmp_path / "index.db")
    Indexer(reader, progress=False).index_documents(sample_documents())
    question = "我家门口的湿地被人填了，政府的城乡规划允许这样吗"

    def answers() -> list[str]:
        return [hit.document.id for hit in reader.search(make_request(q=question, facets=[])).hits]

    before = answers()
    assert before, "the question finds the sample laws by their other words"
    assert make_request(q=question).any_terms
    wetland = sample_documents()[0].model_copy(update={"id": "wetland", "title": "湿地保护条例",
                                                       "body": "第一条 为了保护湿地，制定本条例。"})
    writer = SQLiteStore(tmp_path / "index.db")  # another connection, as an indexing run is
    Indexer(writer, progress=False).index_documents([wetland])
    assert "wetland" in answers()

    # a word the reader counted (0) and then wrote itself
    question = "我家门口的红树林被人砍了，政府的城乡规划允许这样吗"
    assert "mangroves" not in answers()
    mangroves = wetland.model_copy(update={"id": "mangroves", "title": "红树林保护办法",
                                           "body": "第一条 为了保护红树林，制定本办法。"})
    reader.upsert([IndexRecord.of(mangroves, reader.analyzer)])  # through the reader's own connection
    assert "mangroves" in answers()


def test_articles_of_a_file_without_copied_texts_are_read_from_their_bodies(tmp_path):
    """Files written before article texts were copied into `articles` hold only where each
    article stands in its document's body: an article search reads the same texts there."""
    store = SQLiteStore(tmp_path / "index.db")
    Indexer(store, progress=False).index_paths([FIXTURES / "lawrefbook"])
    request = make_request(q="个人信息", facets=[])

    def texts() -> list[tuple[str, str]]:
        return [(hit.document.id, hit.text) for hit in store.search_articles(request).hits]

    copied = texts()
    assert copied and all(text for _, text in copied)
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("UPDATE articles SET text = NULL WHERE start IS NOT NULL").rowcount
    store.close()
    assert texts() == copied


def _write_versions(path: str, writer: str, rounds: int) -> None:
    """One process's writes: each round a new version of its own law (the family's older
    versions superseded, as a CMS pushing updates through the write API does)."""
    store = SQLiteStore(path)
    indexer = Indexer(store, progress=False)
    for round_ in range(rounds):
        indexer.index_documents([Document(
            id=f"{writer}-{round_}", title=f"{writer}市物业管理条例", family_id=f"{writer}-property",
            publish_date=date(1960 + round_, 1, 1), effective_date=date(1960 + round_, 1, 1), level="地方性法规",
            body=f"第一条 为了规范{writer}市物业管理活动，制定本条例。第二条 本条例第{round_}次修订。",
            articles=[Article(number="第一条", text=f"为了规范{writer}市物业管理活动，制定本条例。"),
                      Article(number="第二条", text=f"本条例第{round_}次修订。")])])
    store.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    # two `serve` workers taking writes (or a write during an indexing run): each in its own
    # process and connection, every write kept, every family's versions linked
    path = tmp_path / "index.db"
    SQLiteStore(path).create()
    assert exit_codes_at_once(_write_versions, [(str(path), writer, 40) for writer in ("东", "西")]) == [0, 0]
    store = SQLiteStore(path)
    assert len(store.ids()) == 80
    for writer in ("东", "西"):
        versions = store.get_many([f"{writer}-{round_}" for round_ in range(40)], with_body=False)
        assert [doc.id for doc in versions.values() if doc.superseded_date is None] == [f"{writer}-39"]
    fulltext_integrity(store)
    articles = search_articles(store, make_article_request("物业管理条例", analyzer=store.analyzer))
    assert {hit.document.id for hit in articles.hits} >= {"东-39", "西-39"}
