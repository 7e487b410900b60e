"""The parser on the development corpus (../shared/corpus): real notices of many layouts.

The corpus is for finding where the parser fails to generalise; every rule has its own test
on an example written here (tests/test_parser*.py). This test keeps what was reached from
sliding back: the mean over every input and the worst input. It needs ../shared beside the
repo and skips cleanly where it is absent (CI has it, and forbids skips).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import pytest

from tasks_app.parsing import ParseError, parse_document

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MEAN_AT_LEAST = 0.95
EACH_AT_LEAST = 0.85

pytestmark = pytest.mark.skipif(
    not (CORPUS / "docs").is_dir(), reason="../shared/corpus is not beside the repo"
)


def _scorer():
    sys.path.insert(0, str(CORPUS.parent / "tools"))
    try:
        from score_outline import score
    finally:
        sys.path.pop(0)
    return score


def _scores() -> dict[str, float]:
    score = _scorer()
    results = {}
    for doc in sorted((CORPUS / "docs").glob("*.txt")):
        stem = doc.name[: -len(".txt")]
        gold = json.loads((CORPUS / "gold" / f"{stem.removesuffix('.lines')}.json").read_text())
        try:
            outline = parse_document(doc.read_bytes(), doc.name)
        except ParseError:
            results[stem] = 0.0
            continue
        results[stem] = score(gold, outline)[0]["overall"]
    return results


def test_every_corpus_input_scores_at_least_085_and_the_mean_at_least_095():
    scores = _scores()
    assert len(scores) >= 18
    low = {stem: round(s, 3) for stem, s in scores.items() if s < EACH_AT_LEAST}
    assert not low, f"inputs below {EACH_AT_LEAST}: {low}"
    assert statistics.mean(scores.values()) >= MEAN_AT_LEAST, scores
