"""What a document's text says it repeals (indexer.repeals): the forms laws, decisions and
portal notices use, and the mentions of 废止 that repeal nothing."""

from __future__ import annotations

import pytest

from indexer.repeals import repealed_references, with_repeals
from policy_search.schema import Document


@pytest.mark.parametrize(("text", "expected"), [
    # a new regulation's last article
    ("第四十条 本条例自2022年11月1日起施行。2011年4月16日国务院公布的《个体工商户条例》同时废止。",
     ["个体工商户条例"]),
    # several, each with when it was adopted
    ("本条例自2019年1月1日起施行。1994年7月1日省人民代表大会常务委员会通过的《某省蔬菜基地条例》、"
     "1994年8月31日通过的《某省农田保护条例》和《某省农田保护办法》同时废止。",
     ["某省蔬菜基地条例", "某省农田保护条例", "某省农田保护办法"]),
    # a notice names the one it replaces with its number; both are references
    ("本通知自2021年5月1日起施行，有效期5年。《某市民政局关于规范救助工作的通知》（某民规字〔2018〕11号）同时废止。",
     ["某市民政局关于规范救助工作的通知", "某民规字〔2018〕11号"]),
    # a number alone
    ("本办法自印发之日起施行，某府办〔2015〕12号文同时废止。", ["某府办〔2015〕12号"]),
    # a decision that repeals, item by item
    ("一、废止《某市社会治安条例》（1992年9月19日通过）\n二、废止《某市邮政通信条例》、《某市信息化条例》",
     ["某市社会治安条例", "某市邮政通信条例", "某市信息化条例"]),
    # a list the colon introduces
    ("下列规定自本法施行之日起，予以废止：\n（一）《关于惩治某种犯罪的补充规定》；\n（二）《关于严惩某种犯罪的决定》；\n第二条 其他",
     ["关于惩治某种犯罪的补充规定", "关于严惩某种犯罪的决定"]),
    # a title with a law's name quoted inside it
    ("本条例自2020年1月1日起施行。《某省实施〈中华人民共和国种子法〉办法》同时废止。",
     ["某省实施〈中华人民共和国种子法〉办法"]),
])
def test_what_a_text_says_it_repeals(text, expected):
    assert repealed_references(text) == expected


@pytest.mark.parametrize("text", [
    # one article of a law, not the law
    "本决定自公布之日起施行，《某省水利条例》第十二条同时废止。",
    # the basis of a repeal, not what is repealed
    "省和设区的市人民政府规章的制定、修改和废止，依照《中华人民共和国立法法》和国务院的有关规定执行。",
    "地方性法规同法律相抵触的规定无效，常务委员会应当依照《某省立法条例》及时予以修改或者废止。",
    # repeals in general, no document named
    "本市地方性法规的内容有下列情形之一的，可以提出修改和废止的意见：",
    "本办法施行前本市发布的规定与本办法不一致的，以本办法为准。",
    # 废止 of something that is not a document
    "医师注册后有下列情形之一的，注销注册，废止医师执业证书。",
])
def test_mentions_of_repeal_that_name_no_repealed_document(text):
    assert repealed_references(text) == []


def test_a_document_gets_its_references_unless_its_source_gave_them():
    text = "本规定自2020年1月1日起施行。《某市旧规定》同时废止。"
    doc = Document(id="new", title="某市新规定", body=text)
    assert with_repeals(doc).repeals_refs == ["某市旧规定"]
    given = doc.model_copy(update={"repeals_refs": ["某市另一规定"]})
    assert with_repeals(given).repeals_refs == ["某市另一规定"]
    assert with_repeals(Document(id="plain", title="某市通知", body="无关的正文。")).repeals_refs == []
