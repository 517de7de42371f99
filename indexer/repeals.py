"""What a document says it repeals: 《个体工商户条例》同时废止, 决定废止《X》, 原X（穗府〔2015〕1号）同时废止.

A new regulation usually ends with the one it replaces: 本条例自2022年11月1日起施行。2011年
4月16日国务院公布的《个体工商户条例》同时废止。 The old one's own text never says so, and a
source such as the law corpus lists it as in force; only the new one's words tell. This
module finds those words; `indexer.linking.relink_repeals` finds the documents they name.

Only whole documents count: 《X》第十条同时废止 repeals an article, 依照《立法法》…予以废止 names
a basis, 修改或者废止地方性法规 names no document; none of them is a reference.
"""

from __future__ import annotations

import re
import unicodedata

from analyzers.normalize import DOC_NUMBER_PATTERN
from policy_search.schema import Document

# What ends a sentence, within which a repeal is said (a list of titles never crosses 。 or ；).
_SENTENCE_ENDS = ("。", "；", ";", "\n")
_TITLE = re.compile(r"《([^《》]{2,80})》")
# What may stand between a repealed title and 废止: a parenthesis (its number, when it was
# adopted), a comma, and the adverbs of the formula (同时, 一并, 予以 …).
_BEFORE_REPEAL = re.compile(
    r"(?:[（(][^（）()]{0,120}[）)])?\s*[，,]?\s*(?:也|亦)?(?:同时|一并|相应)?(?:予以|即行|自行)?废止")
# What may join the titles of a list: 、 和 及 以及 与, each after a parenthesis at most; a
# title's own description (…通过的) may follow the joint.
_JOINT = re.compile(r"\s*(?:[（(][^（）()]{0,120}[）)])?\s*(?:、|，|,|和|及|以及|与|同)")
# Words before a title that make it the basis of what follows, not what is repealed.
_BASIS = ("依照", "依据", "根据", "按照", "违反", "实施")
# Numbers named as repealed without a title: 穗府〔2015〕1号文同时废止.
_NUMBER_REPEALED = re.compile(
    rf"({DOC_NUMBER_PATTERN.pattern})(?:文件?|通知)?\s*(?:[）)])?\s*[，,]?\s*(?:同时|一并)?(?:予以)?废止")
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
# An item of a list that 下列…予以废止： introduces.
_LIST_ITEM = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十\d]+[、.．])?\s*《([^《》]{2,80})》")


def with_repeals(doc: Document) -> Document:
    """The document with what its text says it repeals (`repeals_refs`), unless its source
    said so already."""
    if doc.repeals_refs or "废止" not in doc.body:
        return doc
    references = repealed_references(doc.body)
    return doc.model_copy(update={"repeals_refs": references}) if references else doc


def repealed_references(text: str) -> list[str]:
    """The titles and document numbers `text` says are repealed, in order, each once."""
    if "废止" not in text:  # most documents: one scan of the text, nothing more
        return []
    found: list[str] = []
    for sentence in _repeal_sentences(text):
        found += _in_sentence(unicodedata.normalize("NFKC", sentence) if _needs_folding(sentence) else sentence)
        if sentence.rstrip().endswith(("：", ":")):
            found += _listed(text, sentence)
    return [reference for reference in dict.fromkeys(found) if reference]


def _repeal_sentences(text: str) -> list[str]:
    """The sentences that say 废止, each once (found from the word, not by splitting a
    law's whole text into sentences)."""
    sentences: dict[int, str] = {}
    position = text.find("废止")
    while position >= 0:
        start = max(text.rfind(mark, 0, position) for mark in _SENTENCE_ENDS) + 1
        end = min((found for mark in _SENTENCE_ENDS if (found := text.find(mark, position)) >= 0), default=len(text))
        sentences.setdefault(start, text[start:end])
        position = text.find("废止", end)
    return list(sentences.values())


def _needs_folding(text: str) -> bool:
    # full-width brackets and digits in numbers (〔２０１５〕) only; NFKC would also turn
    # the full-width parentheses of Chinese text into ASCII ones, which the patterns accept
    return _FULL_WIDTH_DIGIT.search(text) is not None


def _in_sentence(sentence: str) -> list[str]:
    if "废止" not in sentence:
        return []
    titles = list(_TITLE.finditer(sentence))
    found: list[str] = []
    for index, title in enumerate(titles):
        tail = sentence[title.end():]
        if _BEFORE_REPEAL.match(tail):
            found += _chain_before(sentence, titles, index)
        elif re.search(r"废止(?:了)?\s*$", sentence[: title.start()]):
            found += _chain_after(sentence, titles, index)
    if "号" in sentence:  # the number pattern is slow to try at every character
        found += [match.group(1) for match in _NUMBER_REPEALED.finditer(sentence)]
    found += [number for title in found for number in _numbers_after(sentence, title)]
    return found


def _chain_before(sentence: str, titles: list[re.Match], last: int) -> list[str]:
    """The title at `last`, which 废止 follows, and those listed before it."""
    chain = [titles[last]]
    for index in range(last - 1, -1, -1):
        between = sentence[titles[index].end() : chain[0].start()]
        joint = _JOINT.match(between)
        if not joint or "废止" in between or _states_basis(between):
            break
        chain.insert(0, titles[index])
    if _states_basis(sentence[max(0, chain[0].start() - 4) : chain[0].start()]):
        return []
    return [title.group(1) for title in chain]


def _chain_after(sentence: str, titles: list[re.Match], first: int) -> list[str]:
    """The title at `first`, which 废止 precedes, and those listed after it."""
    chain = [titles[first]]
    for title in titles[first + 1 :]:
        between = sentence[chain[-1].end() : title.start()]
        if not re.fullmatch(r"\s*(?:[（(][^（）()]{0,120}[）)])?\s*(?:、|，|,|和|及|以及|与)\s*", between):
            break
        chain.append(title)
    return [title.group(1) for title in chain if not _partial(sentence[title.end():])]


def _partial(tail: str) -> bool:
    """A title followed by 第X条: one of its articles, not the whole document."""
    return bool(re.match(r"\s*(?:[（(][^（）()]{0,120}[）)])?\s*(?:的)?第[一二三四五六七八九十百千零〇\d]+[条款章节]", tail))


def _states_basis(text: str) -> bool:
    return any(text.rstrip().endswith(word) or f"{word}《" in text for word in _BASIS)


def _numbers_after(sentence: str, title: str) -> list[str]:
    """The document number in the parenthesis right after a repealed title: 《X》（穗府〔2015〕1号）."""
    position = sentence.find(f"《{title}》")
    match = re.match(r"[（(]([^（）()]{0,60})[）)]", sentence[position + len(title) + 2 :])
    if not match:
        return []
    return [number.group() for number in DOC_NUMBER_PATTERN.finditer(match.group(1))]


def _listed(text: str, introduction: str) -> list[str]:
    """Titles listed item by item after 下列…予以废止： (a sentence that ends with a colon)."""
    found: list[str] = []
    if not re.search(r"废止[^。\n]{0,12}[:：]\s*$", introduction):
        return found
    after = text.find(introduction) + len(introduction)
    for line in re.split(r"[\n；;]", text[after : after + 4000]):
        item = _LIST_ITEM.match(line)
        if not line.strip():
            continue
        if not item:
            break
        found.append(item.group(1))
    return found
