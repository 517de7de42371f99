"""Two engines a user might deploy instead of this project, for run.py to measure beside it.

- `BM25Articles`: every article of the laws in force, cut by jieba (its default dictionary,
  `lcut_for_search`), a small generic Chinese stop-word list removed, scored by plain BM25
  (k1=1.2, b=0.75, Lucene's idf) over the OR of the question's words.
- `CjkIndex`: an Elasticsearch index with the tokens of the built-in `cjk` analyzer (width
  folding, lower case, bigrams of adjacent CJK characters), queried with a plain `match`
  (OR): one of articles, one of whole documents.

Both see only the versions in force (`in_force_documents`), as the project's `current=True`
searches do, so that all three are asked the same thing.
"""

from __future__ import annotations

import heapq
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jieba
from elasticsearch import Elasticsearch, helpers

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzers import normalize_text  # noqa: E402
from indexer.lawrefbook import parse_lawrefbook  # noqa: E402
from policy_search.schema import Document, Status, status_on, supersession_dates  # noqa: E402

# A generic list of Chinese function words (pronouns, particles, conjunctions, prepositions,
# auxiliaries, the commonest question words), of the kind shipped with text-mining tools:
# written here, not the project's own list of question words.
STOP_WORDS = frozenset("""
的 地 得 了 着 过 是 在 有 和 与 及 或 或者 并 并且 而 而且 但 但是 可是 然而 如果 假如 因为 所以 因此 于是 虽然
即使 只要 只有 就 才 也 都 还 又 再 很 太 更 最 非常 已经 曾经 正在 将 要 会 能 能够 可以 可能 应该 应当 想 让 使
把 被 给 对 对于 关于 向 往 从 自 到 至 于 以 为 为了 按 按照 比 跟 同 由 之 其 此 该 这 那 这个 那个 这些 那些 这样
那样 这么 那么 这里 那里 哪 哪个 哪些 哪里 哪儿 谁 什么 怎么 怎样 怎么样 如何 为什么 为何 多少 几 吗 呢 吧 啊 呀
哦 嘛 哈 啦 么 罢了 而已 我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 自己 别人 大家 人家 一 一个 一些 一下 个 些
上 下 里 中 内 外 前 后 等 等等 啥 咋 没 没有 不 不是 是否 是不是 能不能 可不可以 有没有 还是 要是 的话 时候 现在
然后 之后 以后 以前 之前 时 后来 一直 一样 一起 还有 另外 其他 其它 比如 例如 像 如 若 则 即 便 却 并非 非 无 啊呀
""".split())

_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class ArticleUnit:
    path: str  # the document's source_path, relative to the corpus root
    number: str  # 第三十九条
    text: str


def in_force_documents(corpus: Path, day: date) -> list[Document]:
    """The corpus parsed by the project's parser, keeping the versions in force on `day` by
    the project's status rules (a version is superseded when the next one of its family
    takes effect, as the indexer links them)."""
    parsed = (doc for path in sorted(corpus.rglob("*.md")) for doc in parse_lawrefbook(path))
    # every part file of a code gives the whole code (the Civil Code's 编): kept once
    documents = list({doc.id: doc for doc in parsed}.values())
    families: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        families[doc.family].append(doc)
    superseded = {doc_id: day_ for versions in families.values() for doc_id, day_ in supersession_dates(versions).items()}
    linked = [doc.model_copy(update={"superseded_date": superseded.get(doc.id)}) for doc in documents]
    return [doc for doc in linked if status_on(doc, day) is Status.IN_FORCE]


def article_units(documents: Iterable[Document]) -> list[ArticleUnit]:
    return [ArticleUnit(doc.source_path or doc.id, article.number, article.text)
            for doc in documents for article in doc.articles]


# --- BM25 over jieba tokens ----------------------------------------------------------------


class JiebaWords:
    """jieba with its default dictionary only: a tokenizer of its own, so that the project's
    user dictionary (if it loads one into jieba's global tokenizer) cannot reach it."""

    def __init__(self) -> None:
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()

    def __call__(self, text: str) -> list[str]:
        return [word for word in self.tokenizer.lcut_for_search(text)
                if word not in STOP_WORDS and _WORD.search(word)]


class BM25:
    """Okapi BM25 over an inverted index: score = sum over the distinct query words of
    idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen)), idf = ln(1 + (N - df + 0.5) / (df + 0.5))."""

    def __init__(self, documents: Iterable[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for number, words in enumerate(documents):
            self.lengths.append(len(words))
            for word, count in Counter(words).items():
                self.postings[word].append((number, count))
        self.average_length = sum(self.lengths) / max(len(self.lengths), 1)

    def idf(self, word: str) -> float:
        df = len(self.postings.get(word, ()))
        return math.log(1 + (len(self.lengths) - df + 0.5) / (df + 0.5))

    def top(self, words: list[str], k: int) -> list[tuple[int, float]]:
        """The k best (document number, score), best first; none when no word occurs."""
        scores: dict[int, float] = defaultdict(float)
        for word in dict.fromkeys(words):
            idf = self.idf(word)
            for number, tf in self.postings.get(word, ()):
                norm = self.k1 * (1 - self.b + self.b * self.lengths[number] / self.average_length)
                scores[number] += idf * tf * (self.k1 + 1) / (tf + norm)
        return heapq.nlargest(k, scores.items(), key=lambda item: (item[1], -item[0]))


class BM25Articles:
    def __init__(self, articles: list[ArticleUnit], article_words: list[list[str]] | None = None) -> None:
        """`article_words`: the articles' words as cut before (kept between runs), else cut here."""
        self.words = JiebaWords()
        self.articles = articles
        self.article_words = article_words if article_words is not None else [self.words(a.text) for a in articles]
        self.index = BM25(self.article_words)

    def search(self, question: str, k: int) -> list[ArticleUnit]:
        return [self.articles[number] for number, _ in self.index.top(self.words(question), k)]


# --- Elasticsearch with the cjk analyzer's tokens ----------------------------------------


def cjk_bigrams(text: str) -> str:
    """The tokens of Elasticsearch's `cjk` analyzer (width folding, lower case, bigrams of
    adjacent CJK characters, a lone character as itself), made here because the node used
    for tests (the integ-test distribution) lacks the analysis-common module that provides
    it, and the module is not published on its own."""
    tokens = []
    for run in _CJK_RUN.findall(normalize_text(text)):
        if _CJK.match(run):
            tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            tokens.append(run)
    return " ".join(tokens)


class CjkIndex:
    """One Elasticsearch index of `cjk` tokens in one field, `text`, searched by `match`."""

    def __init__(self, client: Elasticsearch, name: str) -> None:
        self.client, self.name = client, name

    def exists(self) -> bool:
        return bool(self.client.indices.exists(index=self.name))

    def build(self, units: Iterable[tuple[str, str]]) -> None:
        """(id, text) pairs; the index is made anew."""
        self.drop()
        self.client.indices.create(index=self.name, mappings={"properties": {"text": {"type": "text", "analyzer": "whitespace"}}},
                                   settings={"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"})
        helpers.bulk(self.client, self._actions(units), chunk_size=1000, request_timeout=300)
        self.client.indices.put_settings(index=self.name, settings={"refresh_interval": "1s"})
        self.client.indices.refresh(index=self.name)

    def _actions(self, units: Iterable[tuple[str, str]]) -> Iterator[dict]:
        for unit_id, text in units:
            yield {"_index": self.name, "_id": unit_id, "_source": {"text": cjk_bigrams(text)}}

    def search(self, question: str, k: int) -> tuple[int, list[str]]:
        """(total hits, the ids of the first k)."""
        response = self.client.search(index=self.name, size=k, source=False, track_total_hits=True,
                                      query={"match": {"text": cjk_bigrams(question)}})
        return response["hits"]["total"]["value"], [hit["_id"] for hit in response["hits"]["hits"]]

    def drop(self) -> None:
        self.client.options(ignore_status=404).indices.delete(index=self.name)
