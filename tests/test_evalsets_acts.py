"""The speech-act question sets (evals/sets/acts_{dev,test}.yaml) are well formed.

Every supporting quote is a verbatim substring of its article in evals/library_acts/, every
alternative of every key fact lies in a quote (so a faithful answer quoting the article can
contain it), dev and test share no article, the library holds exactly the articles used, and
about half the questions use a different verb from the article's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from assistant import evals

from conftest import ROOT

SETS = ROOT / "evals" / "sets"
LIBRARY = ROOT / "evals" / "library_acts"
SHARED_BBC = Path("/work/shared/data/bbc/articles")
# name -> (singles, follow-up pairs, min articles) asked for when the sets were written.
SIZES = {"acts_dev": (30, 6, 12), "acts_test": (20, 4, 8)}


def _load(name: str) -> list[dict]:
    return yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))


def _docs(items: list[dict]) -> set[str]:
    return {s["doc"] for item in items for s in item["support"]}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_items_are_well_formed_and_supported(name):
    items = _load(name)
    singles = [i for i in items if "question" in i]
    pairs = [i for i in items if "followup" in i]
    n_single, n_pairs, n_docs = SIZES[name]
    assert (len(singles), len(pairs)) == (n_single, n_pairs)
    assert len(_docs(singles)) >= n_docs
    assert len({i["id"] for i in items}) == len(items), "ids are unique"
    for item in items:
        assert item["key_facts"] and item["support"] and item["verb_in_article"], item["id"]
        if "followup" in item:
            assert item["first"].strip() and item["followup"].strip(), item["id"]
        quotes = []
        for s in item["support"]:
            text = (LIBRARY / s["doc"]).read_text(encoding="utf-8")
            assert s["quote"] in text, f"{item['id']}: quote not verbatim in {s['doc']}"
            quotes.append(s["quote"])
        asked = item.get("question") or item["followup"]
        for fact in item["key_facts"]:
            assert not any(evals.has_fact(asked, alt) for alt in fact.split("|")), item["id"]
            for alt in fact.split("|"):
                assert any(evals.has_fact(q, alt) for q in quotes), f"{item['id']}: {alt!r} not in its quotes"


def _same_verb(article: str, question: str) -> bool:
    """'urged'/'urge', 'called for'/'call for', 'denied'/'deny' are the same verb; 'warned'/'caution' is not."""
    stem = question.split()[0].lower()
    stem = stem[:-1] if stem.endswith(("e", "y")) else stem
    return article.lower().startswith(stem)


def test_same_verb():
    for article, question, same in [("urged", "urge", True), ("called for", "call for", True), ("denied", "deny", True),
                                    ("demanding", "demand", True), ("warns", "warn", True),
                                    ("warned", "caution", False), ("called on", "ask", False),
                                    ("promised", "pledge", False), ("pressing for", "push for", False)]:
        assert _same_verb(article, question) is same, (article, question)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_about_half_use_another_verb(name):
    items = _load(name)
    differ = [i["id"] for i in items if not _same_verb(i["verb_in_article"], i["verb_in_question"])]
    assert 0.4 <= len(differ) / len(items) <= 0.7, differ


def test_dev_and_test_are_disjoint_and_library_is_exactly_what_they_use():
    dev, test = _docs(_load("acts_dev")), _docs(_load("acts_test"))
    assert not dev & test
    library = {p.name for p in LIBRARY.glob("bbc-*.txt")}
    assert library == dev | test
    # No byte-identical duplicate across the split (the BBC collection holds some).
    digest = {name: hashlib.md5((LIBRARY / name).read_bytes()).hexdigest() for name in library}
    assert not {digest[n] for n in dev} & {digest[n] for n in test}


@pytest.mark.skipif(not SHARED_BBC.is_dir(), reason="shared BBC data not on this machine")
def test_library_files_are_exact_copies():
    for path in LIBRARY.glob("bbc-*.txt"):
        _, category, number = path.stem.split("-")
        assert path.read_bytes() == (SHARED_BBC / category / f"{number}.txt").read_bytes(), path.name
