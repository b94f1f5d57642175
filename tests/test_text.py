"""Keyword terms (assistant/text.py): stems from the C build of the Snowball stemmer
(PyStemmer), which must equal the pure-Python algorithm the keyword indexes were first built
with, or an existing library's keyword search would miss the words whose stems moved."""

from __future__ import annotations

import pytest
import snowballstemmer
from snowballstemmer.english_stemmer import EnglishStemmer

from assistant import text
from tests.conftest import SAMPLES


def test_the_c_stemmer_is_in_use():
    """Installed with the package (pyproject): 1.8 vs 32.6 us a word, same stems."""
    assert type(snowballstemmer.stemmer("english")).__module__ == "Stemmer"


def test_stems_equal_the_pure_python_algorithm_on_every_sample_word():
    vocabulary = sorted({w for path in SAMPLES.glob("*.txt") for w in text.words(path.read_text(encoding="utf-8"))
                         if not w[0].isdigit()})
    assert len(vocabulary) > 1000
    python = EnglishStemmer()
    moved = [(w, text._stem(w), python.stemWord(w)) for w in vocabulary if text._stem(w) != python.stemWord(w)]
    assert moved == []


@pytest.mark.parametrize("text_in, expected, why", [
    ("The ministers were meeting in Tianjin", ["minist", "meet", "tianjin"], "stop words out, stems"),
    ("Talks resumed in 2025 after 3.5% growth", ["talk", "resum", "2025", "3", "5", "growth"],
     "numbers kept as written"),
    ("China's envoy", ["china", "envoy"], "possessive removed"),
])
def test_terms(text_in, expected, why):
    assert text.terms(text_in) == expected, why


@pytest.mark.parametrize("text_in, expected, why", [
    ("Two unions may merge. [Ed. - summaries: the union has 3.5 million members. Use that.] Amicus has 1.2 million.",
     ["Two unions may merge.", "[Ed. - summaries: the union has 3.5 million members. Use that.]",
      "Amicus has 1.2 million."], "an aside ending in its own full stop, run into the next sentence, stands alone"),
    ("(Correction: the vote was on Tuesday.) The bill passed 52-48.",
     ["(Correction: the vote was on Tuesday.)", "The bill passed 52-48."], "a leading parenthetical too"),
    ("He left the club (for good.) Then the season began.", ["He left the club (for good.) Then the season began."],
     "a bracket closing mid-sentence is left to the segmenter"),
    ("After the film (and the song!) I gave up.", ["After the film (and the song!) I gave up."],
     "an aside inside a sentence is not a sentence"),
    ("The talks (held in Tianjin) ended.", ["The talks (held in Tianjin) ended."], "no full stop in the aside"),
    ("[Ed. one.] (Ed. two.) The vote passed.", ["[Ed. one.]", "(Ed. two.)", "The vote passed."],
     "two asides in a row"),
    ("(Updated at noon.) 'We won,' he said.", ["(Updated at noon.)", "'We won,' he said."],
     "the next sentence opens with a quotation mark"),
    ("(Updated at noon.)", ["(Updated at noon.)"], "an aside alone"),
])
def test_sentences_split_a_leading_aside(text_in, expected, why):
    got = text.sentences(text_in)
    assert [s.text for s in got] == expected, why
    assert all(text_in[s.start:s.end] == s.text for s in got), "offsets stay exact"
    source = "Headline\n\n  " + text_in + "  \nNext line."
    shifted = text.sentences(source, offset=7)
    assert all(source[s.start - 7:s.end - 7] == s.text for s in shifted), "offsets exact after a line break"


@pytest.mark.parametrize("text_in, expected, why", [
    ('He said: "We will see what the past weeks bring." Economists disagree.',
     ['He said: "We will see what the past weeks bring."', "Economists disagree."],
     "a closing mark pysbd puts on the next sentence goes back to the sentence it closes"),
    ('"It is over. We lost." Fans left early.', ['"It is over. We lost."', "Fans left early."],
     "the quotation opened a sentence earlier"),
    ('First one!" Second one." Third one."', ['First one!"', 'Second one."', 'Third one."'],
     "each mark stays with the sentence it closes"),
    ('They won. "\nFans cheered.', ["They won.", '"', "Fans cheered."],
     "a mark after a space may open a quotation: left where it is"),
    ('They won.\n" Fans cheered.', ["They won.", '" Fans cheered.'], "never across a line break"),
    ('The vote is over. " We will win," he said.', ["The vote is over.", '" We will win," he said.'],
     "a loosely spaced opening mark pairs with one later in its sentence: it stays"),
    ("The vote is over. “ We will win,” he said.", ["The vote is over.", "“ We will win,” he said."],
     "a curly opening mark is never moved"),
])
def test_sentences_give_back_a_closing_mark(text_in, expected, why):
    got = text.sentences(text_in)
    assert [s.text for s in got] == expected, why
    assert all(text_in[s.start:s.end] == s.text for s in got), "offsets stay exact"
    source = "Headline\n\n  " + text_in + "  \nNext line."
    shifted = text.sentences(source, offset=7)
    assert all(source[s.start - 7:s.end - 7] == s.text for s in shifted), "offsets exact after a line break"


@pytest.mark.parametrize("sentence, expected, why", [
    ("(U.S.) Army officials said the base would close.", ["(U.S.) Army officials said the base would close."],
     "one word in brackets is an abbreviation, not an aside (pysbd may still split it: its own choice)"),
    ("(Note one.] The vote passed.", ["(Note one.] The vote passed."], "brackets that do not match"),
    ("[Ed. one.] (Ed. two.) The vote passed.", ["[Ed. one.]", "(Ed. two.)", "The vote passed."], "two in a row"),
    ("(Held in Tianjin.) talks ended.", ["(Held in Tianjin.) talks ended."], "what follows must open a sentence"),
])
def test_aside_split(sentence, expected, why):
    assert [sentence[a:b] for a, b in text._aside_split(sentence)] == expected, why
