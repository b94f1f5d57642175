"""Follow-up questions become standalone for retrieval."""

from __future__ import annotations

import pytest

from assistant.conversation import definite_phrases, needs_context, normalize_history, standalone_question
from assistant.question import names


def test_history_shapes():
    assert normalize_history([("q1", "a1")]) == [("user", "q1"), ("assistant", "a1")]
    assert normalize_history([{"role": "user", "content": "q1"}]) == [("user", "q1")]
    assert normalize_history(None) == []


def test_dependent_questions_detected():
    assert needs_context("And what did the Taliban promise in return?")
    assert needs_context("What did he say?")
    assert needs_context("Why?")
    assert not needs_context("What did Wang Yi ask of the Taliban?")
    # A question of its own is not read against the conversation, "the" or not.
    assert not needs_context("What is the price of oil?")
    assert not needs_context("How many people died in the earthquake?")


@pytest.mark.parametrize("text, expected, why", [
    ("Where will the Billboard awards be held?", [("the Billboard awards", True)], "a name inside the phrase"),
    ("What have the Lib Dems pledged to do about the ID card bill?", [("the ID card bill", False)],
     "'the Lib Dems' is a name, not a phrase; '-ed' verbs end a phrase"),
    ("Which companies were among the accused in the tobacco case?", [("the tobacco case", False)],
     "'the accused' is cut at its '-ed' word; overlapping 'the' matches are all read"),
    ("What did Wang Yi ask of the Taliban?", [], "a phrase that is only a name is not listed"),
    ("Who directed Tears of the Sun?", [], "a phrase ending in a name is part of that name"),
    ("What is the series about?", [("the series", False)], "'-s' words that are not plural"),
    ("What did the rebels want?", [("the rebels", True)], "after 'did', the phrase's last word is the verb"),
    ("What did the teachers' unions say?", [("the teachers' unions", True)], "a possessive runs on to its noun"),
])
def test_definite_phrases(text, expected, why):
    assert definite_phrases(text) == expected, why


def test_followup_gets_previous_question_as_context():
    history = [("What did Wang Yi ask of the Taliban?", "He asked them to crack down on the ETIM [1].")]
    r = standalone_question("And what did the Taliban promise in return?", history)
    assert r.focus == "What did the Taliban promise?"
    assert "Wang Yi" in r.context and "Wang Yi" in r.query
    # A self-contained question is left alone.
    assert standalone_question("Who is Baradar's deputy in Doha?", history).context == ""


# (previous question, its answer, follow-up, what the rewrite must contain, what it must not, why)
REWRITES = [
    ("What did Wang Yi ask of the Taliban?",
     "He said he hoped the Taliban would crack down on the East Turkestan Islamic Movement [1].",
     "And what did the Taliban promise in return?", "What did the Taliban promise", "return",
     "'in return' is a discourse marker; its 'return' matched 'hope to return to power'"),
    ("Who is the head of the Turkish Central Bank?",
     "Sureyya Serdengecti, the head of the central bank, said the lira would be stable [1].",
     "What did he say the new lira is a symbol of?", "Sureyya Serdengecti say", " he ",
     "after a who-question, 'he' is the person the answer named"),
    ("Who is Jose Barrionuevo?", "He is head of strategy at Barclays Capital [1].",
     "What does he think the tax plan is?", "does Jose Barrionuevo think", " he ",
     "'Who is NAME?': the name in the question is the antecedent"),
    ("Which company makes chips for half the world's mobile phones?", "Texas Instruments does [1].",
     "Which rival does the company face competition from?", "does Texas Instruments face", "the company",
     "'the company' after a which-company question is the company the answer named"),
    ("What restrictions did the Bush administration put on Cuba?", "Tighter travel restrictions [1].",
     "How often can exiles visit there now?", "visit Cuba now", "there",
     "'there' is the place the previous turn named (a gazetteer place)"),
    ("What does Ferguson want the FA to do about Thierry Henry?", "Punish him [1].",
     "And what did the striker say in response?", "What did Thierry Henry say", "Ferguson",
     "in a reply, 'the striker' is the party the previous question was about, not its subject"),
    ("Who did the mayor clash with on Thursday?", "Sunderland No campaigner Neil Herron [1].",
     "What did that campaigner gain fame as?", "did Neil Herron gain", "Sunderland No",
     "'that campaigner' is the person the answer named; trailing stop words are not part of a name"),
    ("Who is Martin Mubanga's lawyer?", "His lawyer Louise Christian said so [1].",
     "What proceedings is she hoping to issue?", "is Louise Christian hoping", " she ",
     "'she' after a who-question is the answer's person, not the one asked about"),
    ("Who did Ray Mallon clash with on Thursday?",
     "Mr Mallon, known as Robocop for his zero tolerance policing, clashed with campaigner Neil Herron [1].",
     "What did that campaigner gain fame as?", "did Neil Herron gain", "Robocop",
     "within a sentence, a name shown to be a person's (a role before it) comes before a nickname"),
    ("Who has made another apology to the Egyptian people?",
     "Striker Ahmed Hossam has apologised again [1]. Egypt FA spokesman Methat Shalaby welcomed the apology [2].",
     "Which coach axed him?", "axed Ahmed Hossam", "Shalaby",
     "the answer's first sentence answers; a spokesman quoted after it is not whom 'him' means"),
    ("Which British terror suspect held at Guantanamo plans to sue the government?",
     "A British terror suspect held in Guantanamo Bay for 33 months plans to sue the government [1].",
     "Where was he arrested?", "Where was he arrested", "Guantanamo",
     "'he' needs a person: a place the gazetteer does not know is not one, so the pronoun stays"),
    ("Who is China's foreign minister?", "Chinese Foreign Minister Wang Yi met the delegation, the ministry said [1].",
     "What did he ask of the Taliban?", "What did Wang Yi ask", "Chinese Foreign",
     "a titled name is the person inside it: the title does not hide the person, and is dropped"),
    ("What have the Lib Dems pledged to do about the ID card bill?", "They pledged to oppose it [1].",
     "When will it be debated?", "When will the ID card bill be debated", " ID be",
     "a name that only qualifies a noun ('the ID card bill') gives 'it' the whole noun phrase"),
    ("Where will the Billboard awards be held?", "At the MGM Grand in Las Vegas [1].",
     "Who will host them?", "host the Billboard awards", "them",
     "'them' is the previous question's plural noun phrase"),
    ("What did the government claim the tobacco firms had done?", "Deceived the public [1].",
     "What did they spend on their defence?", "did the tobacco firms spend on the tobacco firms' defence", "they",
     "'they' / 'their': the plural phrase, as a possessive for 'their'"),
    ("What did the government claim the tobacco firms had done?", "Deceived the public [1].",
     "Did the lawyers say they would appeal?", "Did the lawyers say they would appeal", "tobacco",
     "'they' after the follow-up's own plural phrase is that phrase's"),
    ("What did the Taliban tell the Chinese officials?", "To keep out [1].",
     "What did they promise?", "What did they promise", "officials",
     "a name outside the plural phrase may be 'they': ambiguous, so the pronoun stays"),
    ("What did Microsoft say about the Microsoft antitrust case?", "It would appeal [1].",
     "What did it say next?", "What did Microsoft say", "antitrust",
     "a name that also stands alone is not upgraded to the phrase around its other mention"),
    ("Which British terror suspect held at Guantanamo plans to sue the government?",
     "A British terror suspect plans to sue the government [1]. His lawyer Louise Christian said so [2].",
     "Where was he arrested?", "Where was he arrested", "Louise",
     "'his lawyer Louise Christian' is the suspect's relation, not the suspect: 'he' stays"),
    ("Who has made another apology to the Egyptian people?",
     "Ahmed 'Mido' Hossam has made another apology to the Egyptian people [1]. Egypt FA spokesman "
     "Methat Shalaby welcomed the apology [2].",
     "Which coach axed him?", "axed Ahmed Mido Hossam", "Shalaby",
     "the name the answer puts before the question's own predicate answers 'who', role or not"),
    ("Who won best actor at the 2005 Baftas?",
     "The Aviator was declared best film, and its star Cate Blanchett won best supporting actress [1]. "
     "Jamie Foxx won best actor for Ray, while British actor Clive Owen took best supporting actor [2].",
     "Who read out his acceptance speech?", "read out Jamie Foxx's", "Blanchett",
     "the longest stretch of the question's predicate ('won best actor') picks the person, not the "
     "earlier 'won best supporting actress'"),
    ("Who won best actor?",
     "Cate Blanchett won best supporting actress [1]. Jamie Foxx won best actor for Ray [2].",
     "Did he attend?", "Did Jamie Foxx attend", "Blanchett",
     "the predicate's last word before the question mark counts too"),
]


@pytest.mark.parametrize(("previous", "answer", "followup", "must", "must_not", "why"), REWRITES)
def test_followup_rewrites(previous, answer, followup, must, must_not, why):
    resolved = standalone_question(followup, [(previous, answer)])
    assert must in resolved.focus, why
    assert must_not not in f" {resolved.focus} ", why
    assert resolved.context == previous  # the earlier question still finds the story


def test_no_antecedent_leaves_pronoun():
    # Nothing in the previous turn is a person: "he" stays rather than being guessed.
    r = standalone_question("What did he say?", [("How much did the tax raise?", "£6m [1].")])
    assert "he" in r.focus.split()


def test_names_skip_starters_titles_and_possessives():
    assert names("What did Wang Yi ask of the Taliban?") == ["Wang Yi", "Taliban"]
    assert names("How much did shareholders lose in WorldCom's collapse?") == ["WorldCom"]
    assert names("What did Mr Mallon say on Wednesday?") == ["Mallon"]
    assert names("Tighter restrictions came in May.") == []


@pytest.mark.parametrize("text, expected, why", [
    ("Among the accused were Altria Group, RJ Reynolds Tobacco, Lorillard Tobacco and Liggett Group.",
     ["Altria Group", "RJ Reynolds Tobacco", "Lorillard Tobacco", "Liggett Group"],
     "a comma ends a name: a list of companies is not one name ('it' became all four at once)"),
    ("Ahmed 'Mido' Hossam has apologised.", ["Ahmed Mido Hossam"], "a closing quote is not part of the word"),
    ("Mr Smith, Ms Jones and Acme Corp were named.", ["Smith", "Jones", "Acme Corp"],
     "after a comma a title opens the next name again and is dropped"),
    ("WorldCom's books and the Joneses' house.", ["WorldCom", "Joneses"], "possessives, singular and plural"),
])
def test_names_split_at_commas_and_quotes(text, expected, why):
    assert names(text) == expected, why
