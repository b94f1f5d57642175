"""Every tuned number is a documented setting (issue 21).

Two tables: each moved setting exists in assistant/settings.py with the default the code had
as a literal (so moving it changed no behaviour; bench/brief_golden.py checks the briefs byte
for byte), and, for each function that took the literal, a different value changes the
result (so the parameter is really used, not a decoration). No model is loaded.
"""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.documents import Document

from assistant.abstention import abstained
from assistant.brief.abstractive import fit_notes
from assistant.brief.quotes import attribute, quoted_spans
from assistant.brief.select import Candidate, admissible, choose, near_duplicate
from assistant.brief.timeline import FoundDate, when_line
from assistant.claims import degenerate, split_claims
from assistant.conversation import needs_context
from assistant.evidence import Evidence, _near_duplicate
from assistant.facts import facts
from assistant.retrieval import diversify
from assistant.settings import (
    AnswerSettings,
    AttributionSettings,
    BriefSettings,
    FactsSettings,
    FetchSettings,
    LLMSettings,
    RetrievalSettings,
    Settings,
    VerifySettings,
)
from assistant.sources.feeds import Feed, FeedEntry, entry_document
from assistant.verify import passage_context

# (settings object, field, default, where the literal was)
DEFAULTS = [
    (BriefSettings(), "duplicate_containment", 0.8, "brief/select.py DUPLICATE_CONTAINMENT"),
    (BriefSettings(), "duplicate_cosine", 0.92, "brief/select.py DUPLICATE_COSINE"),
    (BriefSettings(), "budget_overflow", 1.2, "brief/select.py choose: budget_words * 1.2"),
    (BriefSettings(), "sentence_min_words", 4, "brief/select.py admissible, brief/abstractive.py verified"),
    (BriefSettings(), "reduce_reserve_tokens", 400, "brief/abstractive.py REDUCE_RESERVE"),
    (BriefSettings(), "reduce_min_tokens", 200, "brief/abstractive.py REDUCE_MIN"),
    (BriefSettings(), "when_dates", 3, "brief/timeline.py when_line(limit=3)"),
    (FactsSettings(), "lead_position", 0.3, "facts.py: position <= 0.3"),
    (FactsSettings(), "lead_weight", 2.0, "facts.py: weight 2.0 in the lead"),
    (FactsSettings(), "before_chars", 40, "facts.py mentions: 40 characters before"),
    (FactsSettings(), "after_chars", 60, "facts.py mentions: 60 characters after"),
    (FactsSettings(), "recurring_fill", 3, "facts.py: len(who) < 3"),
    (FactsSettings(), "recurring_mentions", 2, "facts.py: len(ms) >= 2"),
    (FactsSettings(), "max_who", 6, "facts.py: who[:6]"),
    (FactsSettings(), "located_boost", 1.5, "facts.py: 1.5 if located"),
    (FactsSettings(), "city_min_population", 1_000_000, "facts.py: population < 1_000_000"),
    (FactsSettings(), "max_where", 4, "facts.py: where[:4]"),
    (FactsSettings(), "max_when", 2, "facts.py: when_line(limit=2)"),
    (AttributionSettings(), "quote_min_words", 4, "brief/quotes.py quoted_spans: >= 4 words"),
    (AttributionSettings(), "before_chars", 160, "brief/quotes.py _subject: 160 characters before the verb"),
    (AttributionSettings(), "after_chars", 70, "brief/quotes.py _subject: 70 characters after it"),
    (AttributionSettings(), "according_chars", 80, "brief/quotes.py _subject: 80 after 'according to'"),
    (AttributionSettings(), "opening_name_chars", 40, "brief/quotes.py _antecedent: s <= 40"),
    (AttributionSettings(), "lookback_sentences", 3, "brief/quotes.py _antecedent: looked < 3"),
    (AttributionSettings(), "quoted_run_lookback", 8, "brief/quotes.py _antecedent: looked < 8"),
    (AttributionSettings(), "pronoun_depth", 2, "brief/quotes.py _antecedent: depth < 2"),
    (AttributionSettings(), "named_lookback_sentences", 3, "brief/quotes.py _antecedent: index - 4"),
    (BriefSettings().facts, "max_who", 6, "brief.facts is FactsSettings"),
    (BriefSettings().attribution, "pronoun_depth", 2, "brief.attribution is AttributionSettings"),
    (AnswerSettings(), "claim_min_words", 3, "claims.py MIN_CLAIM_WORDS"),
    (AnswerSettings(), "related_passages", 3, "abstention.py abstained: [:3]"),
    (AnswerSettings(), "context_term_weight", 0.3, "evidence.py candidates: context terms * 0.3"),
    (AnswerSettings(), "context_coverage_weight", 0.5, "evidence.py candidates: 0.5 * title/previous coverage"),
    (AnswerSettings(), "evidence_duplicate_cosine", 0.95, "evidence.py _near_duplicate: cosine > 0.95"),
    (AnswerSettings(), "followup_min_terms", 2, "conversation.py needs_context: len(terms) < 2"),
    (AnswerSettings(), "condense_max_growth", 4.0, "conversation.py: 4 * len(question)"),
    (AnswerSettings(), "condense_max_extra_chars", 200, "conversation.py: + 200"),
    (AnswerSettings(), "condense_min_kept_share", 0.5, "conversation.py: len(own) // 2"),
    (LLMSettings(), "repeat_min_words", 12, "claims.py degenerate: len(tokens) < 12"),
    (LLMSettings(), "repeat_run_words", 4, "claims.py degenerate: tokens[-4:]"),
    (LLMSettings(), "repeat_count", 3, "claims.py degenerate: count >= 3"),
    (VerifySettings(), "context_chars", 300, "verify.py passage_context: preceding[-300:]"),
    (RetrievalSettings(), "near_duplicate_jaccard", 0.8, "retrieval.py diversify(near_duplicate=0.8)"),
    (FetchSettings(), "feed_extract_min_share", 0.5, "sources/feeds.py entry_document: < 0.5 * words"),
]


@pytest.mark.parametrize("obj, name, default, was", DEFAULTS, ids=[f"{type(o).__name__}.{n}" for o, n, *_ in DEFAULTS])
def test_setting_has_the_literals_default(obj, name, default, was):
    value = getattr(obj, name)
    assert value == default and type(value) is type(default), f"{name} should default to {default!r} ({was})"


def test_nested_settings_are_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_BRIEF__FACTS__MAX_WHO", "2")
    monkeypatch.setenv("ASSISTANT_BRIEF__ATTRIBUTION__LOOKBACK_SENTENCES", "5")
    monkeypatch.setenv("ASSISTANT_BRIEF__DUPLICATE_COSINE", "0.95")
    s = Settings()
    assert (s.brief.facts.max_who, s.brief.attribution.lookback_sentences, s.brief.duplicate_cosine) == (2, 5, 0.95)


def _candidate(key: int, text: str, score: float) -> Candidate:
    return Candidate(key=("d", key), text=text, vector=np.eye(3)[key % 3], score=score, order=(0, key))


def _evidence(n: int) -> Evidence:
    chunk = Document(page_content=f"Passage {n} says something.", id=f"c{n}",
                     metadata={"doc_id": f"d{n}", "start": 0, "title": "T"})
    return Evidence(n=n, text=f"Passage {n} says something.", start=0, end=27, chunk=chunk, relevance=0.5,
                    cosine=0.5, coverage=0.5)


ATTRIBUTION = ["Jane Doe said the plan was sound.", "The weather was fine on the day of the launch event.",
               "The crowd cheered loudly at the end.", "\"We will build it here,\" she said."]
FACTS = [("Prime Minister Ann Lee met President Bo Chan in Paris.", 0.0),
         ("Ann Lee said the talks went well, and Bo Chan agreed.", 0.5)]
LEAD = [("Prime Minister Ann Lee met officials in Paris.", 0.0),
        ("Bo Chan said the deal, which Bo Chan signed, pleased Bo Chan.", 0.9)]
CHUNKS = [Document(page_content="alpha beta gamma delta", id="a", metadata={"doc_id": "1"}),
          Document(page_content="alpha beta gamma omega", id="b", metadata={"doc_id": "2"})]


def _feed_words(settings: FetchSettings) -> int:
    """Words of the article made from a feed entry whose content trafilatura mostly drops (a <nav>)."""
    html = "<nav>" + " ".join(["The council approved the new budget on Monday."] * 10) + "</nav><p>Short.</p>"
    entry = FeedEntry("k", "https://example.org/a", "Budget", "2024-01-01", None, html, "f")
    result = entry_document(entry, Feed("https://example.org/feed", "Example", [entry]), None, settings)
    return len(result.documents[0].page_content.split())

# (what, with the default, with another value, why the other value must change it)
CHANGES = [
    ("near_duplicate containment",
     lambda: near_duplicate("Rates rose sharply in May", "Rates rose in June again"),
     lambda: near_duplicate("Rates rose sharply in May", "Rates rose in June again", containment=0.5),
     "2 of the shorter's 4 content terms are shared: 0.5 reaches 0.5, not 0.8"),
    ("near_duplicate cosine",
     lambda: near_duplicate("Apples fell", "Markets rallied", cosine=0.9),
     lambda: near_duplicate("Apples fell", "Markets rallied", cosine=0.9, min_cosine=0.85),
     "cosine 0.9 is below 0.92 and above 0.85"),
    ("choose overflow",
     lambda: len(choose([_candidate(0, "one two three four five", 0.9),
                         _candidate(1, "six seven eight nine ten eleven", 0.8)], 10, 5, 0.0)),
     lambda: len(choose([_candidate(0, "one two three four five", 0.9),
                         _candidate(1, "six seven eight nine ten eleven", 0.8)], 10, 5, 0.0, overflow=1.0)),
     "11 words fit 1.2 x 10 but not 1.0 x 10"),
    ("admissible minimum words", lambda: admissible("Prices rose sharply today."),
     lambda: admissible("Prices rose sharply today.", min_words=5), "four words"),
    ("fit_notes reserve", lambda: fit_notes(["x" * 400] * 30, 2048).count("- "),
     lambda: fit_notes(["x" * 400] * 30, 2048, reserve=1048).count("- "), "(2048 - 400) // 100 vs 1000 // 100"),
    ("fit_notes minimum budget", lambda: fit_notes(["x" * 400] * 30, 300).count("- "),
     lambda: fit_notes(["x" * 400] * 30, 300, min_budget=500).count("- "), "200 vs 500 tokens of notes"),
    ("when_line dates",
     lambda: when_line(["2024-01-01"], [FoundDate(str(d), f"2024-02-0{d}") for d in range(1, 6)]),
     lambda: when_line(["2024-01-01"], [FoundDate(str(d), f"2024-02-0{d}") for d in range(1, 6)], limit=1),
     "the article date and 3 other dates vs 1"),
    ("facts max_who", lambda: facts(FACTS, [])[0], lambda: facts(FACTS, [], FactsSettings(max_who=1))[0],
     "two people are found; one is kept"),
    ("facts lead weight", lambda: facts(LEAD, [])[0], lambda: facts(LEAD, [], FactsSettings(lead_weight=4.0))[0],
     "Ann Lee's one mention in the lead counts 2 (< Bo Chan's 3 later) or 4 (> 3)"),
    ("quoted_spans minimum words", lambda: quoted_spans('He called it "a very bad deal" today.'),
     lambda: quoted_spans('He called it "a very bad deal" today.', min_words=5), "four quoted words"),
    ("attribute look-back", lambda: attribute(3, ATTRIBUTION),
     lambda: attribute(3, ATTRIBUTION, AttributionSettings(lookback_sentences=2, named_lookback_sentences=2)),
     "the speaker is named three sentences back"),
    ("split_claims minimum words", lambda: split_claims("It rose."),
     lambda: split_claims("It rose.", min_words=2), "two words"),
    ("degenerate repeats", lambda: degenerate("e f g h " + "a b c d " * 2),
     lambda: degenerate("e f g h " + "a b c d " * 2, repeats=2), "the last four words twice: a loop at repeats=2"),
    ("degenerate minimum words", lambda: degenerate("a b c d " * 3),
     lambda: degenerate("a b c d " * 3, min_words=13), "a loop of 12 words is not checked below 13"),
    ("needs_context minimum terms", lambda: needs_context("Inflation figures?"),
     lambda: needs_context("Inflation figures?", min_terms=3), "two content words"),
    ("abstained related passages", lambda: len(abstained("q?", [_evidence(i) for i in range(1, 6)], "r").related),
     lambda: len(abstained("q?", [_evidence(i) for i in range(1, 6)], "r", related_passages=1).related),
     "3 of 5 passages shown vs 1"),
    ("passage_context characters", lambda: passage_context("T", "x" * 500),
     lambda: passage_context("T", "x" * 500, chars=10), "300 vs 10 characters before"),
    ("feed entry extraction share", lambda: _feed_words(FetchSettings(feed_full_text_words=10)),
     lambda: _feed_words(FetchSettings(feed_full_text_words=10, feed_extract_min_share=0.0)),
     "trafilatura keeps 1 of the fragment's words: under half, so the visible text is used; never at 0"),
    ("diversify Jaccard", lambda: [c.id for c in diversify(CHUNKS, 5, 0)],
     lambda: [c.id for c in diversify(CHUNKS, 5, 0, near_duplicate=0.5)],
     "Jaccard 3/5 = 0.6: kept at 0.8, dropped at 0.5"),
]


@pytest.mark.parametrize("what, default, other, why", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_different_value_changes_the_result(what, default, other, why):
    assert default() != other(), f"{what}: {why}"


def test_evidence_duplicate_cosine_is_used():
    chunk = Document(page_content="x", metadata={"doc_id": "a", "start": 0})
    a = Evidence(1, "One.", 0, 4, chunk, 1.0, 1.0, 1.0, vector=[1.0, 0.0])
    b = Evidence(2, "Two.", 10, 14, Document(page_content="y", metadata={"doc_id": "b", "start": 0}), 1.0, 1.0, 1.0,
                 vector=[0.96, 0.28])
    assert _near_duplicate(a, b, 0.95) and not _near_duplicate(a, b, 0.97)


def test_no_context_characters_means_no_context():
    assert passage_context("T", "abcdef", 0) == "T\n"
    assert passage_context("T", "abcdef", 2) == "T\nef"


def _sentence(n: int, doc: str, relevance: float, text: str = "", instruction: bool = False) -> Evidence:
    text = text or f"Sentence {n} of {doc} reports a fact."
    chunk = Document(page_content=text, id=f"{doc}-{n}", metadata={"doc_id": doc, "start": 0, "title": "T"})
    return Evidence(n=n, text=text, start=0, end=len(text), chunk=chunk, relevance=relevance, cosine=relevance,
                    coverage=0.5, instruction=instruction)


@pytest.mark.parametrize("evidence, expected, why", [
    ([_sentence(1, "a", 0.65), _sentence(2, "b", 0.34), _sentence(3, "a", 0.21)], [1],
     "another story's sentence at half the best's relevance, and a far-off one of the same story, are left out"),
    ([_sentence(1, "a", 0.72), _sentence(2, "a", 0.70)], [1, 2], "two sentences of the same article that both bear"),
    ([_sentence(1, "a", 0.50), _sentence(2, "b", 0.41)], [1, 2], "another article's sentence at 0.82 of the best"),
    ([_sentence(1, "a", 0.50), _sentence(2, "b", 0.39), _sentence(3, "a", 0.30)], [1, 3],
     "the same article's sentence at 0.6 of the best is kept when another article's at 0.78 is not"),
    ([_sentence(1, "a", 0.9, instruction=True), _sentence(2, "a", 0.5)], [2], "a planted instruction is never quoted"),
    ([_sentence(1, "a", 0.9, "Why did it happen?"), _sentence(2, "a", 0.5)], [2], "a question is never quoted"),
    ([_sentence(1, "a", 0.9), _sentence(2, "a", 0.9), _sentence(3, "a", 0.9)], [1, 2], "at most extractive_sentences"),
    ([], [], "nothing to quote"),
    ([_sentence(1, "a", -0.1), _sentence(2, "a", -0.2)], [1], "no positive relevance to be 'nearly as relevant' to"),
])
def test_extractive_answer_quotes(evidence, expected, why):
    from assistant.answer import quoted

    assert [e.n for e in quoted(evidence, AnswerSettings())] == expected, why
    anything = AnswerSettings(quote_same_article_relevance=0, quote_other_article_relevance=0)
    usable = [e.n for e in evidence if not e.instruction and "?" not in e.text]
    assert [e.n for e in quoted(evidence, anything)] == usable[:2], "0 and 0 quote the best two"
