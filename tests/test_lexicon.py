"""The shared word lists (assistant/lexicon.py): one answer to "is this a title / a month / a
nationality / a person noun" for every stage. Table tests: input, expected, why."""

from __future__ import annotations

import pytest

from assistant import acts, conversation, facts, lexicon, question, short_answer
from assistant.brief import quotes
from assistant.lexicon import BLOCS, DEMONYM, HONORIFICS, MONTH_NUMBER, TITLES

NATIONALITIES = [
    ("French", True, "listed"),
    ("Chinese", True, "-ese"),
    ("Italian", True, "-ian"),
    ("Kenyan", True, "listed: -an alone also ends surnames"),
    ("Henman", False, "a surname ending in -an (quote attribution dropped Tim Henman when -an counted)"),
    ("Edelman", False, "a surname ending in -an"),
    ("Ancelotti", False, "a surname ending in -i"),
    ("US", False, "initials are BLOCS, not nationalities: 'EU' may be a speaker"),
]


@pytest.mark.parametrize(("word", "expected", "why"), NATIONALITIES, ids=[r[0] for r in NATIONALITIES])
def test_demonym(word, expected, why):
    assert bool(DEMONYM.match(word)) == expected, why


MONTHS = [("january", 1, "full name"), ("sept", 9, "news abbreviation"), ("sep", 9, "three letters"),
          ("may", 5, "a three-letter month"), ("dec", 12, "three letters")]


@pytest.mark.parametrize(("word", "expected", "why"), MONTHS, ids=[r[0] for r in MONTHS])
def test_month_number(word, expected, why):
    assert MONTH_NUMBER[word] == expected, why


def test_every_stage_reads_the_one_list():
    # question typing, follow-ups, short answers, facts, quotes and acts share the lists.
    assert question.PERSON_NOUNS is lexicon.PERSON_NOUNS and question.ORG_NOUNS is lexicon.ORG_NOUNS
    assert short_answer.TITLES is TITLES and facts.TITLES is TITLES and question.TITLES is TITLES
    assert quotes._ROLE == (TITLES - HONORIFICS) | lexicon.PARTY_WORDS | lexicon.PORTFOLIOS  # keep "Mr"
    assert acts._MODALS is lexicon.MODALS and acts._DETERMINERS is lexicon.DETERMINERS
    assert HONORIFICS <= TITLES and not BLOCS & TITLES
    assert set(lexicon.SAY_VERBS) >= {"said", "told", "warned", "exclaimed"} and "continues" not in lexicon.SAY_VERBS
    assert set(lexicon.QUOTE_VERBS) >= set(lexicon.SAY_VERBS) | {"pointed out", "continues"}


REFERENCES = [
    ("What did that campaigner say next?", "person", "a person noun from the shared list"),
    ("What did the government promise?", "org", "an organisation noun"),
    ("What does the report say?", "org", "a report is referred to like an organisation in follow-ups"),
    ("What did the group decide?", "org", "'group' is an organisation noun, not a person"),
    ("Who won the tennis at Wimbledon in 2004?", None, "a question-type noun is not a back-reference"),
    ("Who is the host of the show?", None, "nor is 'the host'"),
]


@pytest.mark.parametrize(("text", "expected", "why"), REFERENCES, ids=[r[0][:30] for r in REFERENCES])
def test_follow_up_references(text, expected, why):
    got = "org" if conversation._ORG_REF.search(text) else "person" if conversation._PERSON_REF.search(text) else None
    assert got == expected, why


NAMES = [
    ("Tory leader Michael Howard said the plan would fail.", "Michael Howard", "a party word before a title"),
    ("Culture Secretary Tessa Jowell said the bill would pass.", "Tessa Jowell", "a portfolio before a title"),
    ("US Secretary of State Antony Blinken warned on Wednesday.", "Antony Blinken", "initials before a title"),
    ("The Labour Party said it would vote against.", "Labour Party", "a party word opening an organisation's name"),
    ("The Liberal Democrats said they would vote against.", "Liberal Democrats", "not stripped without a title"),
]


@pytest.mark.parametrize(("text", "expected", "why"), NAMES, ids=[r[2] for r in NAMES])
def test_titles_are_not_part_of_names(text, expected, why):
    who, _, _ = facts.facts([(text, 0.0)], [])
    assert expected in who, (who, why)


def test_function_words_are_lower_case_and_mostly_their_own():
    """The language tables (assistant/language.py) are lower-case, and each other language's
    list is mostly words English does not have: a shared one ("is", "in") counts for English."""
    for lang, words in lexicon.FUNCTION_WORDS.items():
        assert words and all(w == w.lower() for w in words), lang
        if lang != "en":
            shared = words & lexicon.FUNCTION_WORDS["en"]
            assert len(shared) <= 3, (lang, sorted(shared))
