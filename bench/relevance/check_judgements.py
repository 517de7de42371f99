"""Check the judged questions and citations against the corpus they name.

    .venv/bin/python bench/relevance/check_judgements.py [--corpus PATH]

Loads questions.jsonl and citations.jsonl (beside this script) and reads every document
they name with the project's own parser (`indexer.lawrefbook.parse_lawrefbook`), so an
article counts as present only if the indexer would find it. Errors (exit status 1):
a missing field, a duplicate id, a path that is not in the corpus, an answer article that
the file does not hold, a citation marked `exists: true` whose article is missing or one
marked `exists: false` whose article is there, a citation whose number is not the number of
its article. Warnings: an answer in a version that a newer file of the same law replaces,
or in a version the corpus marks expired; a question shorter than 8 or longer than 60
characters. Prints the counts per topic and the laws most answered with.

Paths are relative to the corpus root, `../shared/corpus/lawrefbook` from the repository
root, as in queries.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from indexer.lawrefbook import parse_lawrefbook  # noqa: E402
from policy_search.schema import Document  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"
QUESTIONS = HERE / "questions.jsonl"
CITATIONS = HERE / "citations.jsonl"

_ARTICLE = re.compile(r"^第([一二三四五六七八九十百千零〇]+)条(?:之([一二三四五六七八九十]+))?$")
_VERSION = re.compile(r"\(\d{4}-\d{2}-\d{2}\)$")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """一千零六十二 -> 1062, 十五 -> 15 (the numerals article numbers use)."""
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral: {text}")
    return total + (digit or 0)


def article_number(article: str) -> tuple[int, int] | None:
    """第一百三十三条之一 -> (133, 1); None if it is not an article number."""
    match = _ARTICLE.match(article)
    if not match:
        return None
    return chinese_number(match.group(1)), chinese_number(match.group(2)) if match.group(2) else 0


def cited_number(citation: str) -> tuple[int, int] | None:
    """The article number a citation names: 第1062条, 1062条, 第一千零六十二条, 1062, 第133条之一."""
    match = re.search(r"第?\s*(\d+|[一二三四五六七八九十百千零〇]+)\s*条?(?:\s*之\s*([一二三四五六七八九十]+))?\s*$",
                      citation)
    if not match:
        return None
    number = match.group(1)
    main = int(number) if number.isdigit() else chinese_number(number)
    return main, chinese_number(match.group(2)) if match.group(2) else 0


class Corpus:
    """The documents named by the judgements, parsed once, and the versions of each law."""

    def __init__(self, root: Path):
        self.root = root
        self._documents: dict[str, Document | None] = {}
        self._by_stem: dict[str, list[str]] = {}
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith(".md") and name != "_index.md":
                    relative = (Path(folder) / name).relative_to(root).as_posix()
                    self._by_stem.setdefault(_VERSION.sub("", Path(name).stem), []).append(relative)

    def document(self, path: str) -> Document | None:
        if path not in self._documents:
            file = self.root / path
            documents = parse_lawrefbook(file) if file.is_file() else []
            self._documents[path] = documents[0] if documents else None
        return self._documents[path]

    def articles(self, path: str) -> set[str]:
        document = self.document(path)
        return {article.number for article in document.articles} if document else set()

    def newer_versions(self, path: str) -> list[str]:
        """Files of the same law (same title and region) with a later version date."""
        document = self.document(path)
        if document is None or document.publish_date is None:
            return []
        newer = []
        for other in self._by_stem.get(_VERSION.sub("", Path(path).stem), []):
            if other == path:
                continue
            candidate = self.document(other)
            if (candidate is not None and candidate.family_id == document.family_id
                    and candidate.publish_date and candidate.publish_date > document.publish_date):
                newer.append(other)
        return sorted(newer)


def load_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    if not path.is_file():
        errors.append(f"{path.name}: missing")
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            errors.append(f"{path.name}:{number}: not JSON ({error})")
    return rows


def check_ids(name: str, rows: list[dict], errors: list[str]) -> None:
    counts = Counter(row.get("id") for row in rows)
    for key, count in counts.items():
        if not key:
            errors.append(f"{name}: a row without an id")
        elif count > 1:
            errors.append(f"{name}: id {key} used {count} times")


def check_questions(rows: list[dict], corpus: Corpus, errors: list[str], warnings: list[str]) -> None:
    check_ids("questions", rows, errors)
    seen_questions: dict[str, str] = {}
    warned_paths: set[str] = set()
    for row in rows:
        key = row.get("id", "?")
        for field in ("topic", "question", "answers", "document_paths"):
            if not row.get(field):
                errors.append(f"{key}: no {field}")
        question = row.get("question") or ""
        if question in seen_questions:
            errors.append(f"{key}: same question as {seen_questions[question]}")
        seen_questions.setdefault(question, key)
        if question and not 8 <= len(question) <= 60:
            warnings.append(f"{key}: question of {len(question)} characters (8-60 expected)")
        answers = row.get("answers") or []
        if not 1 <= len(answers) <= 3:
            errors.append(f"{key}: {len(answers)} answers (1-3 expected)")
        documents = row.get("document_paths") or []
        for path in documents:
            if corpus.document(path) is None:
                errors.append(f"{key}: document path not in the corpus: {path}")
        for answer in answers:
            path, article = answer.get("path", ""), answer.get("article", "")
            if corpus.document(path) is None:
                errors.append(f"{key}: answer path not in the corpus: {path}")
                continue
            if article_number(article) is None:
                errors.append(f"{key}: not an article number: {article!r}")
            elif article not in corpus.articles(path):
                errors.append(f"{key}: {path} has no {article}")
            if path not in documents:
                errors.append(f"{key}: answer path missing from document_paths: {path}")
            if path not in warned_paths:
                warned_paths.add(path)
                newer = corpus.newer_versions(path)
                if newer:
                    warnings.append(f"{path}: not the newest version of its law (newer: {', '.join(newer)})")
                if corpus.document(path).declared_status == "expired":
                    warnings.append(f"{path}: marked expired in the corpus sidecar")
        if len({(a.get("path"), a.get("article")) for a in answers}) < len(answers):
            errors.append(f"{key}: the same article given twice")


def check_citations(rows: list[dict], corpus: Corpus, errors: list[str]) -> None:
    check_ids("citations", rows, errors)
    for row in rows:
        key = row.get("id", "?")
        citation, path, article = row.get("citation", ""), row.get("path", ""), row.get("article", "")
        exists = row.get("exists")
        if not citation or not path or not article or not isinstance(exists, bool):
            errors.append(f"{key}: needs citation, path, article and exists (true/false)")
            continue
        if corpus.document(path) is None:
            errors.append(f"{key}: path not in the corpus: {path}")
            continue
        expected = article_number(article)
        if expected is None:
            errors.append(f"{key}: not an article number: {article!r}")
            continue
        if cited_number(citation) != expected:
            errors.append(f"{key}: {citation!r} does not cite {article}")
        present = article in corpus.articles(path)
        if exists and not present:
            errors.append(f"{key}: {path} has no {article}")
        if not exists and present:
            errors.append(f"{key}: marked exists: false, but {path} has {article}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the lawrefbook folder (default: %(default)s)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--citations", type=Path, default=CITATIONS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"error: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    corpus = Corpus(args.corpus)
    errors: list[str] = []
    warnings: list[str] = []
    questions = load_jsonl(args.questions, errors)
    citations = load_jsonl(args.citations, errors)
    check_questions(questions, corpus, errors, warnings)
    check_citations(citations, corpus, errors)

    topics = Counter(row.get("topic") for row in questions)
    print(f"questions: {len(questions)} in {len(topics)} topics")
    for topic, count in sorted(topics.items(), key=lambda item: (-item[1], str(item[0]))):
        print(f"  {topic:<24} {count}")
    answers = [answer for row in questions for answer in row.get("answers") or []]
    laws = Counter(answer.get("path") for answer in answers)
    print(f"answers: {len(answers)} articles, {len({(a.get('path'), a.get('article')) for a in answers})} distinct,"
          f" from {len(laws)} documents; most used:")
    for path, count in laws.most_common(8):
        print(f"  {count:>3}  {path}")
    real = sum(1 for row in citations if row.get("exists") is True)
    print(f"citations: {len(citations)} ({real} of existing articles, {len(citations) - real} of missing ones)")
    for warning in warnings:
        print(f"warning: {warning}")
    for error in errors:
        print(f"error: {error}")
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
