"""Where the tests find the checkout, the project's fixtures and the law corpus."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
# The whole corpus, beside the checkout where it is present (CI has it; fresh clones may not).
CORPUS = ROOT.parent / "shared" / "corpus"
# The project's own sample of the law corpus (tests/support/corpus_sample.py made it).
CORPUS_SAMPLE = ROOT / "tests" / "data" / "corpus_sample" / "lawrefbook"
