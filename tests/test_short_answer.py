"""The short answer: question analysis, candidate spans, the shipped ranker, SQuAD scoring."""

from __future__ import annotations

import pytest

from assistant.question import analyse
from assistant.short_answer import (
    Candidate,
    exact_match,
    has_variant,
    load_model,
    normalize_answer,
    rank,
    short_answer,
    spans,
    token_f1,
)

# (question, expected answer kind, focus noun, why)
QUESTIONS = [
    ("In which Chinese city were the talks held?", "place", "Chinese city", "'which <place noun>' asks for a place"),
    ("Who won best actor at the Baftas?", "person", "", "'who' asks for a person"),
    ("Which fast-fashion giant is preparing to float in London?", "org", "fast-fashion giant",
     "'giant' is a company word"),
    ("How many jets did the FAA ground?", "number", "", "'how many' asks for a count"),
    ("The Pentagon authorised an aid package worth how much?", "money", "", "'worth how much' asks for money"),
    ("What percentage of the vote did the party win?", "percent", "percentage", "a share"),
    ("When did the strike end?", "time", "", "'when' asks for a time"),
    ("Why did the granddaughter stop the sale?", "reason", "", "'why' asks for a reason (a clause)"),
    ("What did Wang Yi ask of the Taliban?", "clause", "", "'what did X ask' is answered by what was asked"),
    ("New data confirms 2024 was the hottest year. Which climate agreement did Trump leave?", "thing",
     "climate agreement", "background sentences before the question are skipped"),
    ("What is the name of the storm that hit Britain?", "name", "", "'what is the name of' asks for a name"),
    ("What economic growth is Turkey expected to achieve in 2004?", "percent", "economic growth",
     "growth is measured in percent (the span was 'economy', not '7.9%')"),
    ("What was the unemployment rate in May?", "percent", "", "a rate after 'what was the' is a percentage"),
    ("How much a year will the embassy closures save?", "money", "", "'how much ... save' asks for money"),
    ("What speed did Blue Gene/L reach in IBM's tests?", "number", "speed", "a speed is a number"),
    ("What efficiency savings is the shake-up meant to help make?", "money", "efficiency savings", "savings are money"),
    ("How fast can the new train go?", "number", "", "'how fast' asks for a number, not a manner"),
    ("Which Taliban co-founder was part of the delegation?", "person", "Taliban co-founder",
     "a co-founder is a person, as a founder is"),
    ("The summit was held in which city-state?", "place", "city-state", "a city-state is a place"),
    ("What household bill will soon become more expensive for millions of Americans?", "thing", "household bill",
     "a bill here is a kind of service (the quiz's answer: 'Internet'), not an amount"),
    ("Robert Downey Jr stunned fans when he confirmed he was returning as what villain?", "thing", "villain",
     "'when' opens a relative clause here; 'what villain' is what is asked"),
    ("Hunter Biden, who faced sentencing on which charges, was pardoned?", "thing", "charges",
     "'who' after a name is relative; 'which charges' asks"),
    ("The jersey Babe Ruth wore when he hit the home run sold for how much?", "money", "",
     "'sold for how much' asks for money, not the relative 'when' for a time"),
    ("Amazon's Rekognition AI, which can read emotions, has been trialled where?", "place", "",
     "'which' after a comma is relative; 'where' asks"),
    ("In which year did the company which made the chip go bust?", "time", "year",
     "'which' after 'In' asks, whatever follows"),
    ("Who is the man who bought the club?", "person", "", "the first wh-word opens the question: it asks"),
    ("Where was the firm which makes the drug fined?", "place", "",
     "the first wh-word asks; the later one is relative"),
]


@pytest.mark.parametrize(("question", "kind", "focus", "why"), QUESTIONS)
def test_question_analysis(question, kind, focus, why):
    q = analyse(question)
    assert q.expected == kind, why
    assert q.focus == focus, why


# (question, candidate sentences, expected span, why) -- sentences written for these tests or
# taken from samples/articles.
SPANS = [
    ("In which Chinese city were the talks held?",
     ["The meeting in the Chinese city of Tianjin comes as US-led foreign forces continue to withdraw "
      "from Afghanistan."],
     "Tianjin", "a place name next to the question's noun ('city of Tianjin'); 'Chinese' repeats the question"),
    ("Where did China's foreign minister meet the Taliban delegation?",
     ["Wang Yi met nine visiting Taliban representatives in Tianjin on Wednesday, the Foreign Ministry said."],
     "Tianjin", "'where' wants a place after 'in', not the people in the sentence"),
    ("How much will closing the embassies save each year?",
     ["Mr Straw said the move would save £6m a year to free up cash for priorities such as fighting terrorism."],
     "£6m", "money: the currency sign belongs to the span"),
    ("What percentage of the vote did the National Rally win?",
     ["The National Rally won 33% of the vote in the first round, ahead of the left-wing alliance."],
     "33%", "a percentage, not the other number-like words"),
    ("Who read out Jamie Foxx's acceptance speech?",
     ["Best actor Foxx could not make the ceremony, but actress Helen Mirren read out his acceptance speech."],
     "Helen Mirren", "a person the question does not already name"),
    ("Which company developed the cheaper mobile phone chip?",
     ["The specially-designed chip, developed by Texas Instruments, could drive down the cost of making mobiles."],
     "Texas Instruments", "a company after 'developed by'"),
    ("When is Tony Blair likely to hold the election?",
     ["Tony Blair is likely to name 5 May as election day when Parliament returns from its Easter break."],
     "5 May", "a date, not the capitalised names around it ('Parliament', 'Easter')"),
    ("When did the talks take place?",
     ["Wang Yi met the Taliban delegation in Tianjin on Wednesday, the ministry said."],
     "Wednesday", "a weekday is a time: 'when' is not answered by the person who met"),
    ("How much did the council spend on the library?",
     ["The council spent 2.4 million pounds on new floors, the head librarian, Maria Okafor, said."],
     "2.4 million pounds", "the scale word belongs to the number before it: never 'million pounds'"),
]

SCALED = [  # (sentence, span that must not be a candidate, span that must, why)
    ("The council spent 2.4 million pounds on floors.", "million pounds", "2.4 million pounds",
     "'million' after a number is part of it"),
    ("Shares worth 3 billion dollars were sold.", "billion dollars", "3 billion dollars", "the same for billion"),
    ("A million people marched on Saturday.", None, "million people", "no number before it: 'million' counts"),
]


@pytest.mark.parametrize(("sentence", "absent", "present", "why"), SCALED)
def test_scale_words_stay_with_their_number(sentence, absent, present, why):
    texts = {r.text for r in spans(analyse("How much was it?"), [Candidate(sentence, score=1.0)])}
    assert present in texts, why
    assert absent is None or absent not in texts, why

NUMBER_ENDS = [  # (question, sentence, short answer, why)
    ("In which year will Blue Gene/L be completed?", "Once completed in 2005, Blue Gene/L will be faster.", "2005",
     "a comma after a number is not part of the answer: it read '2005,'"),
    ("How much did the bridge cost?", "The bridge cost $1,200,000, the council said.", "$1,200,000",
     "thousands separators stay, the clause comma goes"),
]


@pytest.mark.parametrize(("question", "sentence", "expected", "why"), NUMBER_ENDS)
def test_short_answer_ends_before_a_comma(question, sentence, expected, why):
    span = short_answer(question, [Candidate(sentence, score=1.0, start=7)], min_score=0.0)
    assert span is not None and span.text == expected, why
    assert sentence[span.start:span.end] == span.text, "offsets in the sentence stay verbatim"
    assert span.doc_end - span.doc_start == len(span.text), "offsets in the document stay verbatim"


DATE_SPANS = [  # (sentence, a time span that must be among the candidates, why)
    ("Mr Blair will ask the Queen on 4 or 5 April to dissolve Parliament.", "4 or 5 April", "a choice of days"),
    ("The festival runs on April 4 or 5 this year.", "April 4 or 5", "the days after the month"),
    ("The strike is planned for 4-5 April.", "4-5 April", "a range of days"),
    ("The vote is on Monday.", "Monday", "a weekday is a time span, not a name"),
]


def test_no_day_range_around_a_bare_year():
    rows = spans(analyse("When is it?"), [Candidate("Prices rose from 12 to 2005 levels.", score=1.0)])
    assert not any(r.text == "12 to 2005" and r.shape == "time" for r in rows), "a year is not a day and month"


@pytest.mark.parametrize(("sentence", "expected", "why"), DATE_SPANS)
def test_date_spans_are_times(sentence, expected, why):
    rows = spans(analyse("When is it?"), [Candidate(sentence, score=1.0)])
    assert any(r.text == expected and r.shape == "time" for r in rows), why


# (question, sentences, why): no span of the kind asked for, so no short answer, however well
# another span scores.
NO_FITTING_SPAN = [
    ("What is the interest rate in Libya?",
     ["The original size of Libya's funds was $400m, the central bank told Reuters."],
     "a rate is a percentage; $400m is money"),
    ("How much did the scheme cost?", ["The scheme was run by Mr Blunkett's department in London."],
     "money: no amount in the sentence"),
    ("When did the strike end?", ["Union leader Bob Crow said the strike had ended."],
     "a time: the sentence gives none, and a name is not one"),
    ("How many jobs will go?", ["The company said jobs would go at its Leeds plant."], "a count: no number"),
]


@pytest.mark.parametrize(("question", "sentences", "why"), NO_FITTING_SPAN)
def test_no_short_answer_of_another_kind(question, sentences, why):
    assert short_answer(question, [Candidate(s, score=1.0) for s in sentences], min_score=0.0) is None, why


@pytest.mark.parametrize(("question", "sentences", "expected", "why"), SPANS)
def test_short_answer_spans(question, sentences, expected, why):
    span = short_answer(question, [Candidate(s, score=1.0 - 0.1 * k) for k, s in enumerate(sentences)],
                        min_score=0.0)
    assert span is not None, why
    assert span.text == expected, why


@pytest.fixture(scope="module")
def minilm():
    from assistant.embedders import build_embeddings
    from assistant.settings import EmbeddingSettings

    return build_embeddings(EmbeddingSettings()).embed_texts


@pytest.mark.slow
@pytest.mark.parametrize(("question", "sentences", "expected", "why"), SPANS)
def test_short_answer_spans_with_embeddings(minilm, question, sentences, expected, why):
    """The shipped path: the lexical model's best spans re-scored with all-MiniLM-L6-v2."""
    assert has_variant("embedding")
    span = short_answer(question, [Candidate(s, score=1.0 - 0.1 * k) for k, s in enumerate(sentences)],
                        embed=minilm, min_score=0.0)
    assert span is not None, why
    assert span.text == expected, why


def _fake_embed(texts):
    return [[1.0, 0.0]] * len(texts)


# (embeddings settings, short_answer.use_embeddings, the embedder is used, why)
EMBEDDER_CHOICE = [
    ({}, True, True, "the bundled all-MiniLM-L6-v2, as the span model was fitted with"),
    ({"model": ""}, True, True, "an empty model setting means the bundled one, as everywhere else"),
    ({"runtime": "sentence-transformers"}, True, True, "the same model on torch: the same vectors"),
    ({"runtime": "onnx-int8"}, True, False, "int8 vectors are their own space; the span model was not measured on it"),
    ({}, False, False, "turned off in settings"),
    ({"backend": "openai"}, True, False, "another model's vectors mean nothing to the fitted weights"),
    ({"model": "/models/e5-small"}, True, False, "a local model other than the bundled one"),
]


@pytest.mark.parametrize(("embeddings", "use", "used", "why"), EMBEDDER_CHOICE)
def test_span_embedder_only_with_the_bundled_model(embeddings, use, used, why):
    from assistant.answer import span_embedder
    from assistant.settings import EmbeddingSettings, Settings, ShortAnswerSettings

    s = Settings.model_construct(embeddings=EmbeddingSettings(**embeddings),
                                 short_answer=ShortAnswerSettings(use_embeddings=use))
    assert (span_embedder(s, _fake_embed) is _fake_embed) is used, why


def test_offsets_are_verbatim():
    sentence = "The meeting in the Chinese city of Tianjin comes as US-led foreign forces continue to withdraw."
    doc = "Title\n\n" + sentence
    cands = [Candidate(sentence, score=0.9, start=doc.index(sentence), doc_id="d1", citation=3)]
    for r in rank("In which Chinese city were the talks held?", cands):
        assert sentence[r.start:r.end] == r.text
    span = short_answer("In which Chinese city were the talks held?", cands, min_score=0.0)
    assert span is not None
    assert doc[span.doc_start:span.doc_end] == span.text
    assert (span.doc_id, span.citation) == ("d1", 3)
    assert 0.0 <= span.score <= 1.0


def test_spans_that_repeat_the_question_are_dropped():
    rows = spans("What did the Taliban promise China?",
                 [Candidate("The Taliban assured China that they would not allow anyone to use Afghan land.")])
    texts = {r.text for r in rows}
    assert "Taliban" not in texts and "China" not in texts
    assert "Afghan land" in texts or "Afghan" in texts


# (question, sentence, span, kept, why): the country of a nationality the question names repeats it.
COUNTRY_OF_NATIONALITY = [
    ("In which Chinese city did Wang Yi meet the Taliban?",
     "China's foreign minister met the Taliban in the Chinese city of Tianjin.", "China", False,
     "a Chinese city is not China"),
    ("In which Chinese city did Wang Yi meet the Taliban?",
     "China's foreign minister met the Taliban in the Chinese city of Tianjin.", "Tianjin", True, "the city asked for"),
    ("Which French port was closed by the strike?", "Dockers in France closed the port of Calais.", "France", False,
     "'French' names France: an adjective unlike its country's name, from the table"),
    ("Which American state passed the law?", "The US state of Texas passed the law.", "US", False,
     "'American' names the US"),
    ("Who is the Chinese envoy to London?", "The envoy, who grew up in Chinatown, spoke in London.", "Chinatown", True,
     "shares the first letters but is a district, not the country"),
]


@pytest.mark.parametrize(("question", "sentence", "span", "kept", "why"), COUNTRY_OF_NATIONALITY)
def test_country_of_a_nationality_in_the_question_is_dropped(question, sentence, span, kept, why):
    assert (span in {r.text for r in spans(question, [Candidate(sentence)])}) is kept, why


def test_no_candidates_or_high_floor_gives_none():
    assert short_answer("Who won?", []) is None
    assert short_answer("", [Candidate("Foxx won.")]) is None
    cands = [Candidate("Helen Mirren read out his acceptance speech.", score=1.0)]
    assert short_answer("Who read out the speech?", cands, min_score=1.01) is None


def test_shipped_model_loads():
    lexical = load_model("lexical")
    assert len(lexical.coef) == len(lexical.names)
    assert 0.0 <= lexical.min_score < 1.0
    if has_variant("embedding"):
        assert set(lexical.names) < set(load_model("embedding").names)


# (prediction, gold, exact match, F1) as in the SQuAD v1.1 scorer
SCORES = [
    ("the Tianjin", "Tianjin", 1.0, 1.0),
    ("Denmark's Queen Margrethe II", "Queen Margrethe II", 0.0, 0.857),
    ("$24 million", "24 million", 1.0, 1.0),
    ("Tianjin", "Beijing", 0.0, 0.0),
]


@pytest.mark.parametrize(("prediction", "gold", "em", "f1"), SCORES)
def test_squad_scoring(prediction, gold, em, f1):
    assert exact_match(prediction, gold) == em
    assert token_f1(prediction, gold) == pytest.approx(f1, abs=0.01)
    assert normalize_answer("  The  A-Team! ") == "ateam"


def test_clause_trigger_feature_does_not_depend_on_the_hash_seed():
    """"due to X" carries two triggers (due, to); the feature must not follow set order, which
    changes with PYTHONHASHSEED from one process to the next."""
    import os
    import subprocess
    import sys

    code = ("from assistant.short_answer import spans, Candidate\n"
            "rows = spans('Why was the flight cancelled?', "
            "[Candidate('The flight was cancelled due to a technical issue with the engine.', 1.0)])\n"
            "print(sorted(k for r in rows for k, v in r.features.items() if k.startswith('clause_after') and v))")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip()
            for seed in (1, 2, 3, 4, 5, 6)}
    assert seen == {"['clause_after_because']"}, seen
