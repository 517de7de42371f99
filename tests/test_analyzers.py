"""Normalisation, segmentation and highlighting shared by both stores."""

import pytest

from analyzers import doc_number_key, normalize_doc_number, normalize_text, shipped_analyzer
from analyzers.highlight import highlight, snippet

query_terms = shipped_analyzer().query_terms
index_tokens = shipped_analyzer().index_tokens


@pytest.mark.parametrize("written", [
    "莆政办网传〔2021〕13号", "莆政办网传[2021]13号", "莆政办网传(2021)13号", "莆政办网传（2021）13号",
    "莆政办网传【2021】13号", "莆政办网传［２０２１］１３号", "莆政办网传 〔2021〕 13号",
])
def test_document_numbers_normalise_to_one_form(written):
    assert normalize_doc_number(written) == "莆政办网传〔2021〕13号"
    assert doc_number_key(written) == doc_number_key("莆政办网传〔2021〕13") == "莆政办网传〔2021〕13"


def test_user_dictionary_keeps_government_terms_whole():
    assert query_terms("政务公开") == ["政务公开"]
    assert query_terms("依申请公开的规范性文件") == ["依申请公开", "的", "规范性文件"]
    # the index also holds the words inside a longer word
    assert {"政务", "公开", "政务公开"} <= set(index_tokens("推进政务公开"))


def test_full_width_and_case_fold_to_the_same_tokens():
    assert query_terms("ＧＢ／Ｔ　１２３") == query_terms("gb/t 123") == ["gb", "t", "123"]


def test_highlight_marks_the_original_text_and_merges_adjacent_words():
    assert highlight("中华人民共和国政府信息公开条例", ["政府信息公开", "条例"]) == (
        "中华人民共和国<mark>政府信息公开条例</mark>")
    assert highlight("ＡＢＣ规定", ["abc"]) == "<mark>ＡＢＣ</mark>规定"


def test_snippet_centres_on_the_matches():
    text = "无关内容。" * 50 + "本条例所称政府信息，是指行政机关制作的信息。" + "其他内容。" * 50
    html = snippet(text, ["政府信息"], length=60)
    assert "<mark>政府信息</mark>" in html and html.startswith("…") and html.endswith("…")
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 62
    # the passage begins and ends where a clause does, not inside a word
    assert html.startswith("…本条例所称") and html.endswith("。…")


def test_fast_folding_equals_nfkc_and_lower_case():
    import unicodedata

    from analyzers.normalize import _FOLD

    # every character NFKC rewrites, amid Chinese text, astral characters and combining marks
    text = "第十二条" + "，".join(chr(code) for code in sorted(_FOLD)) + "𝐀𝟙ｶﾞ"
    assert normalize_text(text) == unicodedata.normalize("NFKC", text).lower()
    assert normalize_text("ＡＢＣ，（２０２１）") == "abc,(2021)"


def test_highlight_positions_survive_characters_that_normalise_to_several():
    # …, ﬁ and ㈠ become 3, 2 and 3 characters when normalised; the marks stay on the original
    text = "……依照ﬁle第㈠项，ＡＢＣ规定与abc规定"
    assert highlight(text, ["abc规定"]) == "……依照ﬁle第㈠项，<mark>ＡＢＣ规定</mark>与<mark>abc规定</mark>"
    assert highlight(text, ["(一)项"]) == "……依照ﬁle第<mark>㈠项</mark>，ＡＢＣ规定与abc规定"
    assert highlight(text, ["file"]) == "……依照<mark>ﬁle</mark>第㈠项，ＡＢＣ规定与abc规定"
    # written forms (full-width, upper case) are found without normalising the text
    assert highlight("２０２１年ＡＢＣ与Abc", ["2021年", "abc"]) == "<mark>２０２１年ＡＢＣ</mark>与<mark>Abc</mark>"


def test_snippet_shows_the_passage_with_the_most_different_words():
    # thousands of matches of one word (a long law), and one passage with all three
    text = "诉讼参加人。" * 3000 + "第九条 人民法院审理民事诉讼案件，应当根据自愿和合法的原则进行调解。" + "诉讼参加人。" * 3000
    html = snippet(text, ["诉讼", "调解", "人民法院"], length=60)
    assert "<mark>调解</mark>" in html and "<mark>人民法院</mark>" in html


def test_a_snippet_of_a_very_long_text_shows_its_first_match():
    # a document of megabytes is read from a little before its first match, not whole
    text = "前言。" + "无关的内容，" * 200_000 + "第三条 政府信息公开应当及时、准确。" + "其他内容，" * 1_000
    passage = snippet(text, ["政府信息"])
    assert "<mark>政府信息</mark>公开应当及时" in passage and passage.startswith("…")
    assert snippet(text, ["不存在的词"]).startswith("前言。无关的内容")
