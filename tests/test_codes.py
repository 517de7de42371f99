"""A code in parts (the Civil Code: one file per 编 in the corpus) is one law, on both stores."""

from __future__ import annotations

import json
import shutil
from datetime import date

from conftest import FIXTURES
from fastapi.testclient import TestClient

from indexer import Indexer
from indexer.lawrefbook import parse_lawrefbook
from policy_search.documents import current_document
from policy_search.search import make_request, ranked_search
from policy_search.settings import Settings
from search_api import create_app

CIVIL_CODE = FIXTURES / "lawrefbook" / "民法典"
DAY = date(2024, 6, 1)


def titles_of(store) -> list[str]:
    return [hit.document.title for hit in store.search(make_request(size=100)).hits]


def test_each_part_file_gives_the_whole_code():
    parts = sorted(p for p in CIVIL_CODE.glob("*.md") if p.name != "_index.md")
    codes = [parse_lawrefbook(path) for path in parts]
    assert all(len(docs) == 1 for docs in codes)
    assert len({docs[0].id for docs in codes}) == 1  # one stable id, whichever part is read
    code = codes[0][0]
    assert code.title == "中华人民共和国民法典"
    assert code.level == "法律" and code.issuers == ["全国人民代表大会"]
    assert code.effective_date == date(2021, 1, 1)
    numbers = [article.number for article in code.articles]
    # 总则 (trimmed in fixtures/ to its articles 1-56), 婚姻家庭编 and 附则, in the code's order
    assert numbers[:2] == ["第一条", "第二条"] and "第五十六条" in numbers
    assert numbers.index("第五十六条") < numbers.index("第一千零四十条") < numbers.index("第一千二百六十条")
    assert len(numbers) == len(set(numbers))
    assert parse_lawrefbook(CIVIL_CODE / "_index.md") == []


def test_articles_stay_under_their_part_chapter_and_section():
    code = parse_lawrefbook(CIVIL_CODE / "附则.md")[0]
    lines = code.body.splitlines()
    marriage = lines.index("婚姻家庭编")
    section = next(i for i, line in enumerate(lines) if line.startswith("第四节") and line.endswith("农村承包经营户"))
    assert lines.index("总则") < section < marriage
    article = next(a for a in code.articles if a.number == "第一千零六十二条")
    assert "夫妻的共同财产" in article.text
    before = code.body[: code.body.index("第一千零六十二条")]
    assert before.rfind("婚姻家庭编") > before.rfind("总则")
    assert before.rfind("家庭关系") > before.rfind("婚姻家庭编")


def test_a_folder_of_parts_is_indexed_as_one_document(empty_store, tmp_path):
    summary = Indexer(empty_store, progress=False).index_paths([CIVIL_CODE])
    assert summary.failed == []
    assert summary.files == 4 and summary.documents == 1 and summary.added == 1
    assert titles_of(empty_store) == ["中华人民共和国民法典"]
    again = Indexer(empty_store, progress=False).index_paths([CIVIL_CODE])
    assert again.documents == 1 and again.unchanged == 1


def test_one_part_file_alone_indexes_the_whole_code(empty_store):
    summary = Indexer(empty_store, progress=False).index_paths([CIVIL_CODE / "婚姻家庭编.md"])
    assert summary.failed == [] and summary.documents == 1
    [title] = titles_of(empty_store)
    assert title == "中华人民共和国民法典"
    code = empty_store.get(empty_store.ids()[0])
    numbers = {article.number for article in code.articles}
    assert {"第五十四条", "第一千零六十二条", "第一千二百六十条"} <= numbers


def test_no_part_is_a_document_of_its_own(fixture_store):
    titles = titles_of(fixture_store)
    assert titles.count("中华人民共和国民法典") == 1
    assert not [title for title in titles if title.startswith("中华人民共和国民法典·")]


def test_the_code_comes_first_for_its_name_not_the_texts_that_name_it(empty_store, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(FIXTURES / "lawrefbook", source / "lawrefbook")
    interpretation = {
        "id": "interpretation-marriage", "title": "最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（一）",
        "issuers": ["最高人民法院"], "level": "司法解释", "publish_date": "2020-12-29", "effective_date": "2021-01-01",
        "body": "为正确审理婚姻家庭纠纷案件，根据《中华人民共和国民法典》等法律规定，制定本解释。" * 5,
    }
    (source / "interpretation.json").write_text(json.dumps(interpretation, ensure_ascii=False), encoding="utf-8")
    Indexer(empty_store, progress=False).index_paths([source])
    for query in ("民法典", "中华人民共和国民法典", "《民法典》"):
        hits = ranked_search(empty_store, make_request(query, valid_on=DAY, analyzer=empty_store.analyzer)).hits
        assert hits[0].document.title == "中华人民共和国民法典", query
    assert current_document(empty_store, "民法典", DAY).title == "中华人民共和国民法典"


def test_current_answers_with_the_code(fixture_store):
    client = TestClient(create_app(Settings(), store=fixture_store))
    response = client.get("/api/v1/current", params={"title": "民法典", "on": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "中华人民共和国民法典" and body["status"] == "in_force"
    assert any(article["number"] == "第一千零六十二条" for article in body["articles"])


def test_the_code_comes_first_on_the_corpus(corpus_store):
    hits = ranked_search(corpus_store, make_request("民法典", valid_on=DAY, analyzer=corpus_store.analyzer)).hits
    assert hits[0].document.title == "中华人民共和国民法典"
    assert current_document(corpus_store, "民法典", DAY).id == hits[0].document.id
    if corpus_store.corpus == "full":  # every 编, and the articles numbered through them
        numbers = [a.number for a in corpus_store.get(hits[0].document.id).articles]
        assert len(numbers) == 1260 and numbers[0] == "第一条" and numbers[-1] == "第一千二百六十条"
