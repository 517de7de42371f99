"""Check that every statutory word of the colloquial files occurs in the laws.

    .venv/bin/python scripts/check_colloquial.py [--corpus PATH] [FILE ...]
        # defaults: ../shared/corpus/lawrefbook  analyzers/data/colloquial.txt

A colloquial word is mapped to the words the laws use (房东 => 出租人); a statutory word
that no law writes can only find nothing. Reads every Markdown document of the corpus
(`_index.md` folder front matter left out) and prints, with its file and line, each
statutory word that occurs in none of them: an error (exit status 1). Also warns of a
word that only local regulations (`DLC/`) write, since national laws answer most
questions, and prints how many rules, colloquial words and statutory words there are.

A colloquial word that jieba's dictionary does not hold (or too rarely to cut it whole)
is added to the dictionary, and
then also cuts the laws' own text differently where it occurs in them (不履行 would turn
不 / 履行合同 into 不履行 / 合同, and 履行合同 would no longer be found as a word). With
`--segmentation`, each such word is cut in context wherever it occurs in the national laws,
with and without the colloquial words, and a word that breaks a word of the laws is warned
of with the number of places and an example (one that only joins whole words, 劳动 / 纠纷
into 劳动纠纷, is not: the index keeps the words inside it). It also counts the documents
and index tokens the colloquial words change.

Staff can run it on a file of their own before pointing POLICY_SEARCH_COLLOQUIAL at it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzers.analyzer import Analyzer, AnalyzerConfig  # noqa: E402
from analyzers.colloquial import ColloquialRule, default_colloquial_file, missing_statutory_terms, read_colloquial  # noqa: E402
from analyzers.normalize import words_only  # noqa: E402
from analyzers.segment import Segmenter, default_user_dict  # noqa: E402
from analyzers.synonyms import SHORT_FORM_FREQUENCY  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "lawrefbook"


def corpus_texts(corpus: Path, local: bool) -> list[str]:
    """The texts of the corpus's documents: the local regulations (DLC/) or the rest."""
    return [path.read_text(encoding="utf-8") for path in sorted(corpus.rglob("*.md"))
            if path.name != "_index.md" and (path.relative_to(corpus).parts[0] == "DLC") == local]


CONTEXT = 8  # characters either side of an occurrence that the cut is compared over


def _boundaries(tokens: list[str]) -> set[int]:
    """The offsets at which the tokens of a cut start or end."""
    offsets, position = {0}, 0
    for token in tokens:
        position += len(token)
        offsets.add(position)
    return offsets


def _analyzers(files: list[Path]) -> tuple[Analyzer, Segmenter]:
    """The analyzer of the colloquial files, and its segmenter as it is without them."""
    extra = tuple(path for path in files if path != default_colloquial_file())
    analyzer = Analyzer(AnalyzerConfig(colloquial_files=extra))
    without = Segmenter([default_user_dict()])
    for short in analyzer.synonyms:
        without.add_word(short, SHORT_FORM_FREQUENCY)
    return analyzer, without


def index_token_changes(files: list[Path], texts: list[str]) -> tuple[int, int, int, int]:
    """How the colloquial words change the index tokens of the texts: documents changed,
    tokens gained, tokens lost, tokens in all."""
    analyzer, without = _analyzers(files)
    changed = gained = lost = total = 0
    for text in texts:
        before, after = Counter(without.index_tokens(text)), Counter(analyzer.index_tokens(text))
        total += before.total()
        if before != after:
            changed += 1
            gained += (after - before).total()
            lost += (before - after).total()
    return changed, gained, lost, total


def segmentation_breaks(files: list[Path], texts: list[str]) -> dict[str, tuple[int, str]]:
    """For each colloquial word that, added to the dictionary, breaks a word of the texts
    where it occurs (克扣 / 工资 cut as 克 / 扣工资): the number of places, and one of them
    as `before -> after`. A word whose ends fall on word boundaries of the text as it was
    cut before (劳动 / 纠纷 becoming 劳动纠纷) breaks nothing: the index keeps the words
    inside it (jieba's search mode)."""
    analyzer, without = _analyzers(files)
    added = [word for word in analyzer.colloquial if not without.is_whole_word(word)]
    normalised = [" ".join(words_only(text).split()) for text in texts]
    breaks: dict[str, tuple[int, str]] = {}
    for word in added:
        count, example = 0, ""
        for text in normalised:
            start = text.find(word)
            while start >= 0:
                left = max(0, start - CONTEXT)
                window = text[left : start + len(word) + CONTEXT]
                before = without.cut(window)
                if not {start - left, start - left + len(word)} <= _boundaries(before):
                    after = analyzer.cut(window)
                    if after != before:
                        count += 1
                        example = example or f"{'/'.join(before)} -> {'/'.join(after)}"
                start = text.find(word, start + 1)
        if count:
            breaks[word] = (count, example)
    return breaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[default_colloquial_file()])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--segmentation", action="store_true",
                        help="also warn of colloquial words that change how the laws are cut")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    rules: list[ColloquialRule] = [rule for path in args.files for rule in read_colloquial(path)]
    national_texts = corpus_texts(args.corpus, local=False)
    national = missing_statutory_terms(rules, national_texts)
    not_national = {term for _, term in national}
    nowhere = not_national & {term for _, term in missing_statutory_terms((rule for rule, _ in national),
                                                                          corpus_texts(args.corpus, local=True))}
    for rule, term in national:
        if term in nowhere:
            print(f"{rule.where}: error: {term} (for {rule.colloquial}) occurs in no document of the corpus")
        else:
            print(f"{rule.where}: warning: {term} (for {rule.colloquial}) occurs only in local regulations")
    if args.segmentation:
        breaks = segmentation_breaks(args.files, national_texts)
        for word, (count, example) in sorted(breaks.items(), key=lambda item: -item[1][0]):
            print(f"warning: {word} breaks words of the laws in {count} places, e.g. {example}")
        print(f"{len(breaks)} colloquial words break words of the national laws")
        changed, gained, lost, total = index_token_changes(args.files, national_texts)
        print(f"index tokens of the {len(national_texts)} national laws: {changed} documents change, "
              f"{gained} tokens gained and {lost} lost of {total}")
    statutory = {term for rule in rules for term in rule.statutory}
    only_local = not_national - nowhere
    print(f"{len(rules)} rules, {len({rule.colloquial for rule in rules})} colloquial words, "
          f"{len(statutory)} statutory words: {len(nowhere)} in no document, {len(only_local)} only in local regulations")
    return 1 if nowhere else 0


if __name__ == "__main__":
    sys.exit(main())
