"""bench/quiz_claims.py: quiz question + choice -> declarative claim, or None when the form
cannot be converted mechanically. Questions written for this table, not taken from the data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from quiz_claims import to_claim

CASE = {"glaciers": "glaciers", "ferries": "ferries", "new": "new"}  # usual written forms (BBC table)

CASES = [
    # (question, choice, expected claim or None, why)
    ("Which company announced a recall of its kettles?", "Acme",
     "Acme announced a recall of its kettles.", "subject wh-phrase: the choice takes its place"),
    ("Who won the village marathon on Sunday?", "Ada Lovelace",
     "Ada Lovelace won the village marathon on Sunday.", "'who' subject"),
    ("Which port city recently opened a new ferry terminal?", "Bristol",
     "Bristol recently opened a new ferry terminal.", "an -ly adverb before the verb ends the wh-phrase"),
    ("Which team was relegated after a late defeat?", "Rovers",
     "Rovers was relegated after a late defeat.", "passive predicate"),
    ("What is the name of the ship that ran aground off Cornwall?", "Seagull",
     "The name of the ship that ran aground off Cornwall is Seagull.", "copula with a definite subject"),
    ("Floods closed the main road. Which town was cut off for two days?", "Ashford",
     "Ashford was cut off for two days.", "the context sentence before the question is dropped"),
    ("Police in which county have arrested three men over the thefts?", "Kent",
     "Police in Kent have arrested three men over the thefts.", "wh-phrase inside the statement, no inversion"),
    ("Scientists warned that rising seas threaten which coastal features?", "Glaciers",
     "Scientists warned that rising seas threaten glaciers.", "a common-noun choice is lower-cased mid-sentence"),
    ("The mayor opened a bridge linking the island with which city?", "New Haven",
     "The mayor opened a bridge linking the island with New Haven.", "a multi-word name keeps its capitals"),
    ("The council approved a budget worth how much?", "£3 million",
     "The council approved a budget worth £3 million.", "'how much' at the end"),
    ("How many passengers were rescued from the ferry?", "40",
     "40 passengers were rescued from the ferry.", "'how many' + noun as subject"),
    ("Which country did the minister visit last week?", "France", None,
     "do-support: the verb would need to be re-inflected"),
    ("Which city is the president visiting this week?", "Leeds", None, "subject-auxiliary inversion"),
    ("Which month will the former mayor face trial?", "May", None, "inversion after a modal"),
    ("In which stadium does the club play?", "Anfield", None, "fronted prepositional wh-phrase"),
    ("Which of the following is not a planet?", "Pluto", None, "negated / 'which of the following'"),
    ("Which country's economy shrank last year?", "Italy", None, "possessive: the choice is not the whole phrase"),
    ("Exports of which type of grain fell?", "Wheat", None, "'which type of N': the choice replaces only part"),
    ("Why did the bank raise its rates?", "Inflation", None, "'why' has no slot for a choice"),
    ("Which singer topped the charts this week?", "All of the above", None, "not a plain answer"),
    ("How many titles has the champion won?", "9", None, "inversion after 'how many'"),
]


@pytest.mark.parametrize(("question", "choice", "expected", "why"), CASES)
def test_to_claim(question, choice, expected, why):
    assert to_claim(question, choice, CASE) == expected, why
