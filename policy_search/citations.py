"""Citations of an article resolved to the article: 民法典第1062条, 个保法 第十三条, 刑法 133条之一.

A query cites an article when it is a law's name followed by an article number, however
typed: with or without 中华人民共和国, 《》, 第 and 条, spaces, in Arabic or Chinese
numerals, with a short form of the synonym files (个保法 → 个人信息保护法) or a part of a
code (民法典继承编第1127条). `parse_citation` reads one; `resolve_citation` finds the law's
version for a day (a law whose title or short title is the name) and the article in it.

Only a name that ends as law names end (…法, …条例, …规定, …办法 …) cites: 2021年13号文件,
莆政办〔2021〕13号 and 国务院令第711号 are not citations, and a four-digit number standing
alone after a name is a year (公司法2023), not an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

from analyzers import Analyzer
from analyzers.numerals import CHINESE_NUMERAL, article_number, numeral_value
from analyzers.query import normalize_query
from policy_search.requests import make_request
from policy_search.schema import FAR_PAST, Article, Document, Status, ordered_versions, status_on, title_key, validity
from policy_search.store_query import MAX_QUERY_LENGTH, Sort
from policy_search.stores import Store

# How the names of laws, regulations and rules end.
LAW_NAME_ENDINGS = ("法", "法典", "条例", "规定", "办法", "细则", "解释", "规则", "决定", "章程", "准则", "通则", "总则",
                    "规程", "纲要", "规范")
MAX_NAME_LENGTH = 60
# Laws number their articles in the low thousands; a bare number in this range is a year.
_YEARS = range(1900, 2100)

# Numbers of bounded length (九千九百九十九 is 7 characters): an unbounded one would let
# a long run of numerals be tried in every split (seconds on 200 characters of 十).
_NUMBER = rf"\d{{1,6}}|{CHINESE_NUMERAL.removesuffix('+')}{{1,10}}"
# The article part at the end of a citation; what stands before it is the law's name.
_ARTICLE_PART_LENGTH = 40
_ARTICLE_CITED = re.compile(
    rf"\s*(?P<di>第)?\s*(?P<main>{_NUMBER})\s*(?P<tiao>条)?"
    rf"(?:\s*之\s*(?P<sub>\d{{1,2}}|[一二三四五六七八九十]{{1,3}}))?"
    rf"(?:\s*第?\s*(?:{_NUMBER})\s*[款项目])*"  # 第一款, 第二项: the article is what is resolved
    r"\s*(?:的?规定)?$"
)
_ENDING = "|".join(sorted(LAW_NAME_ENDINGS, key=len, reverse=True))
_ORDINAL = r"(?:\([一二三四五六七八九十]+\))?"  # 解释（一）, 修正案（十一） (after NFKC)
# A law's name: ends as names of laws end, or is an amendment.
_LAW_NAME = rf"[\u4e00-\u9fff()、·]*(?:{_ENDING}|修正案){_ORDINAL}"
# A part of a code after its name: 民法典继承编, 民法典第六编, 民法典合同编通则, 民法典总则.
_PART = r"(?:第[一二三四五六七八九十]+编|[\u4e00-\u9fff]{1,8}?编)(?:通则)?|总则|附则"
_NAME_AND_PART = re.compile(rf"(?P<law>{_LAW_NAME})(?P<part>{_PART})")
_WHOLE_NAME = re.compile(_LAW_NAME)
_DROPPED = re.compile(r"[\s《》〈〉<>\"“”'‘’「」『』]")


@dataclass(frozen=True)
class CitedArticle:
    """What a citation names: the law (short forms expanded) and the article number as
    the corpus writes it."""

    names: tuple[str, ...]  # the law's name, as typed and without a code's part: 民法典继承编, 民法典
    number: str  # 第十三条, 第一百三十三条之一
    part: str | None = None  # the part of a code named before the number: 继承编

    @property
    def name(self) -> str:
        """The law's name without a code's part (民法典 of 民法典继承编)."""
        return self.names[-1]


@dataclass(frozen=True)
class Citation:
    """A citation resolved: the law's version (None: no law of that name), the article
    number, and the article (None: the law has no such article)."""

    name: str
    number: str
    law: Document | None
    article: Article | None

    @property
    def anchor(self) -> str | None:
        """Where the article is shown: its document's page at the article's anchor."""
        if self.law is None:
            return None
        return f"/documents/{quote(self.law.id, safe='')}#{self.number}"


def parse_citation(query: str, analyzer: Analyzer) -> CitedArticle | None:
    """The law and article a query cites, or None when it is not a citation."""
    text = normalize_query(query).strip()
    if len(text) > MAX_QUERY_LENGTH:
        return None
    # the article part is short (第一千零六十二条之一第一款第二项的规定): looked for at the end only
    match = _ARTICLE_CITED.search(text, max(0, len(text) - _ARTICLE_PART_LENGTH))
    if not match or match.start() == 0:
        return None
    number = _canonical_number(match)
    if number is None:
        return None
    name = analyzer.expand_abbreviations(_DROPPED.sub("", text[: match.start()]))
    if not 2 <= len(name) <= MAX_NAME_LENGTH or name[0] in "()":
        return None
    # 民法总则 is a law, 民法典总则 the 总则 of one: a name is tried whole, then without a part
    names = [name] if _WHOLE_NAME.fullmatch(name) else []
    split = _NAME_AND_PART.fullmatch(name)
    if split:
        names.append(split.group("law"))
    if not names:
        return None
    return CitedArticle(names=tuple(names), number=number, part=split.group("part") if split else None)


def _canonical_number(match: re.Match) -> str | None:
    """第X条(之Y) as the corpus writes it; None where the number is not an article's."""
    main = numeral_value(match.group("main"))
    typed_as_article = match.group("di") or match.group("tiao") or match.group("sub")
    if not typed_as_article and main in _YEARS:
        return None
    sub = numeral_value(match.group("sub")) if match.group("sub") else None
    if main > 9999 or (sub or 0) > 99:  # no law has such an article: said so, as typed
        return f"第{main}条" + (f"之{sub}" if sub else "")
    return article_number(main, sub)


def resolve_citation(store: Store, query: str, valid_on: date, analyzer: Analyzer | None = None) -> Citation | None:
    """The article a query cites, from the version of its law for `valid_on`; None when the
    query is not a citation. `analyzer`: the one the store was written with (default:
    `store.analyzer`)."""
    cited = parse_citation(query, analyzer or store.analyzer)
    if cited is None:
        return None
    name, law = cited.name, None
    for name in cited.names:
        law = find_law(store, name, valid_on)
        if law is not None:
            break
    article = next((a for a in law.articles if a.number == cited.number), None) if law else None
    return Citation(name=name, number=cited.number, law=law, article=article)


# Title matches looked at for a name, best first by the store's score: the exact title, the
# shortest, is among the first; texts whose titles hold the name (刑法修正案, 实施条例,
# interpretations) follow. Without bodies: only titles, families and dates are read.
_CANDIDATES = 100


def find_law(store: Store, name: str, valid_on: date) -> Document | None:
    """The law whose title or short title (without 中华人民共和国) is `name`, in its version
    for `valid_on` (see `version_for`), with its articles; None when no title is the name."""
    request = make_request(name, field="title", valid_on=valid_on, size=_CANDIDATES, sort=Sort.RELEVANCE.value,
                           facets=[], analyzer=store.analyzer)
    if not request.has_words:
        return None
    hits = store.search(replace(request, with_body=False)).hits
    key = title_key(name)
    # the families titled `name`, best-ranked first, each with its versions among the matches
    # (versions share their title, so they match with it)
    named = list(dict.fromkeys(hit.document.family for hit in hits if title_key(hit.document.title) == key))
    if not named:
        return None
    chosen = [doc for family in named
              if (doc := version_for([hit.document for hit in hits if hit.document.family == family], valid_on))]
    # of two laws of one name (a national one and another), the one in force on the day
    in_force = [doc for doc in chosen if status_on(doc, valid_on) is Status.IN_FORCE]
    best = (in_force or chosen)[:1]
    return store.get(best[0].id) if best else None


def version_for(versions: list[Document], day: date) -> Document | None:
    """The version of a law a citation on `day` means: the one in force; where none is
    (repealed, lapsed, or not yet in force), the newest that had taken effect by then, else
    the oldest."""
    ordered = ordered_versions(versions)
    if not ordered:
        return None
    in_force = [doc for doc in ordered if status_on(doc, day) is Status.IN_FORCE]
    if in_force:
        return in_force[-1]
    started = [doc for doc in ordered if validity(doc).in_force_from <= day and validity(doc).in_force_from > FAR_PAST]
    return started[-1] if started else ordered[0]
