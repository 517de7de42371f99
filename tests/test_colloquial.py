"""Everyday words to the law's words, and the words of a question that count for nothing."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, CORPUS_SAMPLE, FIXTURES, ROOT

from analyzers import AnalyzerConfig, analyzer_for, shipped_analyzer
from analyzers.colloquial import (
    default_colloquial_file,
    missing_statutory_terms,
    read_colloquial,
    read_question_words,
)
from analyzers.normalize import words_only
from policy_search.cli import main
from policy_search.settings import Settings, get_settings

CHECK = ROOT / "scripts" / "check_colloquial.py"
SHIPPED_RULES = read_colloquial(default_colloquial_file())


def staff_file(tmp_path: Path, text: str, name: str = "colloquial.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- content words of a question ------------------------------------------------------


@pytest.mark.parametrize("question, content", [
    ("房东不退押金怎么办？", ["房东", "不", "退", "押金"]),
    ("试用期被辞退有没有赔偿", ["试用期", "辞退", "赔偿"]),
    ("离婚后孩子归谁", ["离婚", "后", "孩子", "归"]),
    ("请问打官司要多少钱？", ["打官司", "钱"]),
    ("我想咨询一下可以要求赔偿吗", ["要求", "赔偿"]),  # 咨询 + 一下, 可以 ... 吗: runs of tokens
])
def test_content_terms_drop_question_words_and_keep_the_content_in_order(question, content):
    assert shipped_analyzer().content_terms(question) == content


def test_negations_and_time_order_are_content():
    analyzer = shipped_analyzer()
    assert "不" in analyzer.content_terms("公司不给工资怎么办")
    assert "以前" in analyzer.content_terms("结婚以前买的房子离婚时怎么分")


def test_a_question_of_function_words_only_has_no_content():
    assert shipped_analyzer().content_terms("怎么办？") == []
    assert shipped_analyzer().content_terms("请问，可以吗？") == []


@pytest.mark.parametrize("text", ["房东不退押金怎么办", "公司可以辞退孕妇吗", "离婚后孩子归谁", "辞职？",
                                  "可不可以不交", "请问劳动合同法"])
def test_a_text_with_a_word_that_asks_or_a_question_mark_is_a_question(text):
    assert shipped_analyzer().is_question(text)


@pytest.mark.parametrize("text", ["政府信息公开的规定", "个人信息保护法 第十三条", "民法典第1062条", "可以申请公开的信息"])
def test_keywords_with_function_words_are_no_question(text):
    assert not shipped_analyzer().is_question(text)


def test_keyword_queries_keep_all_their_terms():
    analyzer = shipped_analyzer()
    for query in ("政府信息公开条例", "个人信息保护法 第十三条", "道路运输 许可"):
        assert analyzer.content_terms(query) == analyzer.query_terms(query)


def test_content_terms_are_each_once():
    assert shipped_analyzer().content_terms("押金押金怎么退押金").count("押金") == 1


def test_question_characters_glued_to_a_word_by_jieba_are_dropped():
    # jieba's model of new words makes 能换 of 能 / 换; 要求 is a word of its dictionary
    analyzer = shipped_analyzer()
    assert "能换" in analyzer.cut("房东能换锁吗")
    assert "换" in analyzer.content_terms("房东能换锁吗")
    assert "要求" in analyzer.content_terms("能要求赔偿吗")


# --- statutory words --------------------------------------------------------------------


def test_colloquial_terms_stand_for_statutory_ones():
    analyzer = shipped_analyzer()
    assert "出租人" in analyzer.statutory_terms("房东")
    assert "承租人" in analyzer.statutory_terms("租客")
    assert "用人单位" in analyzer.statutory_terms("老板")
    assert "解除劳动合同" in analyzer.statutory_terms("辞退")
    assert analyzer.statutory_terms("出租人") == ()  # a statutory word stands for nothing else
    assert analyzer.statutory_terms("ＡＰＰ") == analyzer.statutory_terms("app") != ()  # typed in any width


def test_every_colloquial_word_is_cut_whole():
    analyzer = shipped_analyzer()
    assert [rule.colloquial for rule in SHIPPED_RULES if analyzer.cut(rule.colloquial) != [rule.colloquial]] == []
    assert "打官司" in analyzer.content_terms("邻居占了我家的地我想打官司")


def test_each_shipped_colloquial_word_has_one_line_and_means_more_than_itself():
    lines: dict[str, list[int]] = {}
    for rule in SHIPPED_RULES:
        lines.setdefault(rule.colloquial, []).append(rule.line)
    assert {word: numbers for word, numbers in lines.items() if len(numbers) > 1} == {}
    assert [rule.where for rule in SHIPPED_RULES if set(rule.statutory) <= {rule.colloquial}] == []


# --- staff files ---------------------------------------------------------------------------


def test_a_staff_file_extends_the_shipped_map(tmp_path):
    extra = staff_file(tmp_path, "# our own words\n收租婆 => 出租人\n房东 => 房屋租赁\n")
    ours = analyzer_for(AnalyzerConfig(colloquial_files=(extra,)))
    assert ours.statutory_terms("收租婆") == ("出租人",)
    assert "收租婆" in ours.content_terms("收租婆不退押金怎么办")  # known as a word
    # a word of the shipped file gains the staff file's words after its own
    assert ours.statutory_terms("房东") == (*shipped_analyzer().statutory_terms("房东"), "房屋租赁")
    assert shipped_analyzer().statutory_terms("收租婆") == ()


def test_the_colloquial_setting_names_the_staff_file(tmp_path, monkeypatch):
    extra = staff_file(tmp_path, "收租婆 => 出租人\n")
    monkeypatch.setenv("POLICY_SEARCH_COLLOQUIAL", str(extra))
    config = Settings().analyzer_config
    assert config.colloquial_files == (extra,)
    assert analyzer_for(config).statutory_terms("收租婆") == ("出租人",)
    monkeypatch.delenv("POLICY_SEARCH_COLLOQUIAL")
    assert Settings().analyzer_config.colloquial_files == ()


def test_new_words_change_the_fingerprint_and_known_words_do_not(tmp_path):
    shipped = shipped_analyzer().fingerprint
    new_word = analyzer_for(AnalyzerConfig(colloquial_files=(staff_file(tmp_path, "收租婆 => 出租人\n", "a.txt"),)))
    known_words = analyzer_for(AnalyzerConfig(colloquial_files=(staff_file(tmp_path, "老板 => 雇主\n", "b.txt"),)))
    assert new_word.fingerprint != shipped  # the index must be segmented again
    assert known_words.fingerprint == shipped  # only the expansion changed: no token did
    assert known_words.statutory_terms("老板")[-1] == "雇主"


def test_an_analyzer_with_a_staff_file_pickles_as_its_configuration(tmp_path):
    extra = staff_file(tmp_path, "收租婆 => 出租人\n")
    analyzer = analyzer_for(AnalyzerConfig(colloquial_files=(extra,)))
    assert pickle.loads(pickle.dumps(analyzer)) is analyzer


@pytest.mark.parametrize("line", [
    "房东 出租人",  # no arrow
    "房东 =>",  # no statutory word
    "=> 出租人",  # no colloquial word
    "房 东 => 出租人",  # a space inside a word
    "房东 => 出租人,, 承租人",  # an empty statutory word
    "房东 => 出租 人",
])
def test_a_malformed_line_is_reported_with_its_file_and_line(tmp_path, line):
    bad = staff_file(tmp_path, f"# ours\n收租婆 => 出租人\n{line}\n")
    with pytest.raises(ValueError, match=rf"{bad}:3: expected `colloquial => statutory") as error:
        analyzer_for(AnalyzerConfig(colloquial_files=(bad,)))
    assert line in str(error.value)


@pytest.mark.parametrize("content", [None, "房东 出租人\n"])
def test_a_missing_or_malformed_staff_file_stops_the_cli_with_a_message(tmp_path, monkeypatch, capsys, content):
    staff = tmp_path / "colloquial.txt"
    if content is not None:
        staff.write_text(content, encoding="utf-8")
    monkeypatch.setenv("POLICY_SEARCH_COLLOQUIAL", str(staff))
    get_settings.cache_clear()
    try:
        assert main(["index", "--store", f"sqlite:///{tmp_path / 'x.db'}", "--quiet", str(FIXTURES)]) == 2
    finally:
        monkeypatch.delenv("POLICY_SEARCH_COLLOQUIAL")
        get_settings.cache_clear()
    error = capsys.readouterr().err
    assert error.startswith(f"policy-search: {staff}") and "Traceback" not in error
    assert not (tmp_path / "x.db").exists()


def test_statutory_words_may_be_separated_by_chinese_commas(tmp_path):
    rules = read_colloquial(staff_file(tmp_path, "欠钱 => 债务，借款、欠款\n"))
    assert rules[0].statutory == ("债务", "借款", "欠款")


def test_a_malformed_question_word_is_reported_with_its_line(tmp_path):
    bad = staff_file(tmp_path, "[asking]\n怎么办\n怎么 办\n", "question_words.txt")
    with pytest.raises(ValueError, match=rf"{bad}:3: expected one word"):
        read_question_words(bad)
    outside = staff_file(tmp_path, "# words\n怎么办\n[asking]\n", "outside.txt")
    with pytest.raises(ValueError, match=rf"{outside}:2: expected \[asking\] or \[function\]"):
        read_question_words(outside)


def test_question_words_are_asking_or_function_words(tmp_path):
    words = read_question_words(staff_file(tmp_path, "[asking]\n怎么办\n吗\n[function]\n的\n", "q.txt"))
    assert words.asking == {"怎么办", "吗"} and words.function == {"的"}
    assert words.all == {"怎么办", "吗", "的"}


# --- the statutory words occur in the laws --------------------------------------------------


def _law_texts(root: Path) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.md")) if path.name != "_index.md"]


def test_the_check_names_exactly_the_statutory_words_a_corpus_lacks():
    # on the sample the tests run on: every word reported is in no text, every word not
    # reported is in one (the whole corpus is checked below, where it is present)
    texts = _law_texts(CORPUS_SAMPLE) + _law_texts(FIXTURES)
    missing = {term for _, term in missing_statutory_terms(SHIPPED_RULES, texts)}
    normalised = [words_only(text) for text in texts]
    for rule in SHIPPED_RULES:
        for term in rule.statutory:
            assert (term in missing) == (not any(term in text for text in normalised)), (rule.where, term)
    assert 0 < len(missing) < len({term for rule in SHIPPED_RULES for term in rule.statutory})


def test_the_check_script_reports_a_word_no_law_writes(tmp_path):
    extra = staff_file(tmp_path, "# ours\n房东 => 出租人\n收租婆 => 收租大王\n")
    result = subprocess.run([sys.executable, str(CHECK), "--corpus", str(CORPUS_SAMPLE), str(extra)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{extra}:3: error: 收租大王 (for 收租婆) occurs in no document of the corpus" in result.stdout
    assert "出租人" not in result.stdout.replace("收租大王", "")


@pytest.mark.corpus
def test_every_statutory_word_of_the_shipped_file_occurs_in_the_laws():
    laws = CORPUS / "lawrefbook"
    if not laws.is_dir():
        pytest.skip(f"the whole corpus is not at {laws}")
    missing = missing_statutory_terms(SHIPPED_RULES, _law_texts(laws))
    assert [f"{rule.where}: {term}" for rule, term in missing] == []
