"""Speech acts (assistant/acts.py): table tests, one row per rule (input, expected, why)."""

from __future__ import annotations

import pytest

from assistant.acts import VERBS, best_complement, complements, question_act, reports
from assistant.judge.answerability import SENTENCE_FEATURES, Candidate, question_info, sentence_features
from assistant.short_answer import Candidate as SpanCandidate
from assistant.short_answer import short_answer

QUESTIONS = [
    # question, (kind, verb, agent, target) or None, why
    ("What did Wang Yi ask of the Taliban?", ("request", "ask", "Wang Yi", "the Taliban"), "of + the party asked"),
    ("And what did the Taliban promise in return?", ("commit", "promise", "the Taliban", ""),
     "'in return' is not a party"),
    ("What does Ferguson want the FA to do about Thierry Henry?", ("request", "want", "Ferguson", "the FA"),
     "the object before 'to' is the party"),
    ("What have the Lib Dems pledged to do about the ID card bill?", ("commit", "pledged", "the Lib Dems", ""),
     "participle after has/have"),
    ("What did the US government accuse the biggest tobacco companies of?",
     ("accuse", "accuse", "the US government", "the biggest tobacco companies"), "accuse X of"),
    ("What did Blinken warn would happen if the Taliban took power?", ("warn", "warn", "Blinken", ""),
     "a modal is not a party"),
    ("What did the Biden administration warn Israel it must do?",
     ("warn", "warn", "the Biden administration", "Israel"), "the party stops at the pronoun"),
    ("What did the council call for?", ("request", "call", "the council", ""), "'call for' is a request"),
    ("What is the Taliban asking for?", ("request", "asking", "the Taliban", ""), "progressive with is"),
    ("What did the coach call the referee?", None, "'call' without on/for names, it does not request"),
    ("What did he say?", None, "plain saying is not an act here"),
    ("What is the proposed tax on rental receipts?", None, "'proposed' as an adjective after 'is'"),
    ("What has been proposed for the plot of land?", None, "passive: the content is the subject"),
    ("What is the name of the car that McDonald's is asking you to spot?", None, "the verb is in a relative clause"),
    ("How much did the firm promise to invest?", None, "only a 'what' question asks for the act's content"),
    ("What did Ask Jeeves announce?", None, "capitalised 'Ask' is a name"),
]


@pytest.mark.parametrize(("question", "expected", "why"), QUESTIONS, ids=[q[0][:40] for q in QUESTIONS])
def test_question_act(question, expected, why):
    act = question_act(question)
    got = None if act is None else (act.kind, act.verb, act.agent, act.target)
    assert got == expected, why


SENTENCES = [
    # sentence, kind, [(content, party)], why
    ("He also said he hoped the Taliban would crack down on the East Turkestan Islamic Movement as it was a "
     "direct threat to China's national security.", "request",
     [("crack down on the East Turkestan Islamic Movement", "the Taliban")], "modal after the party; ends at 'as'"),
    ("[The] the delegation assured China that they would not allow anyone to use Afghan land against China, "
     "Naeem said.", "commit", [("they would not allow anyone to use Afghan land against China", "China")],
     "'that' clause, ends at the comma"),
    ("Afghan President Ashraf Ghani urged the international community to review the show of readiness.", "request",
     [("review the show of readiness", "the international community")], "object then infinitive"),
    ("Unions called for a national strike on Monday.", "request", [("a national strike on Monday", "")],
     "'called for' + noun phrase"),
    ("He called the plan a disgrace.", "request", [], "'called' without on/for"),
    ("The minister promised £5m to the schools.", "commit", [("£5m to the schools", "")],
     "'to' before a determiner is a preposition, so the object is the content"),
    ("The firm promised no jobs would be lost as a result of new ticket machines.", "commit",
     [("no jobs would be lost", "")], "a promise's modal clause keeps its subject"),
    ('He also called for "practical measures" to help pensioners.', "request",
     [('"practical measures" to help pensioners', "")], "quote marks do not end the content"),
    ('She said he promised he would live like an "average citizen".', "commit",
     [('he would live like an "average citizen"', "")], "a closing quote is kept with its opening one"),
    ("Labour has broken its pre-election promise on immigration.", "commit", [],
     "a base form after a determiner is a noun"),
    ("He was dismissed by the chairman after the row.", "deny", [], "passive: what follows is the agent"),
    ("The promise has been broken by the government.", "commit", [], "a noun, then a passive"),
    ("The TUC is calling on the government to stem job losses.", "request",
     [("stem job losses", "the government")], "'is calling' is progressive, not passive"),
    ("Global demand for oil rose sharply in China, the IEA said.", "request", [], "a noun opening the sentence"),
    ("Calls for his resignation grew louder.", "request", [], "a plural noun opening the sentence"),
    ("Shares fell as demand for crude weakened.", "request", [], "a noun after a conjunction"),
    ("There is a pressing need to cut costs.", "request", [], "an -ing adjective after a determiner"),
    ("Unions call for a national strike.", "request", [("a national strike", "")], "a plural subject, then the verb"),
    ("The workers demand better pay.", "request", [("better pay", "")], "a plural subject after a determiner"),
    ("The government rejected the rise and wants the firm to invest 400m pesos a year.", "request",
     [("invest 400m pesos a year", "the firm")], "a second verb after 'and'"),
    ("He pledged 50,000 new homes by 2010.", "commit", [("50,000 new homes by 2010", "")],
     "a number with a comma is one token"),
    ("The firm pledged to cut 500 jobs by 2026, but unions objected.", "commit", [("cut 500 jobs by 2026", "")],
     "infinitive right after the verb; ends at ', but'"),
    ("The government accused the firms of misleading the public about smoking.", "accuse",
     [("misleading the public about smoking", "the firms")], "accuse X of"),
    ("Blinken warned on Wednesday that Afghanistan would become a pariah state if the Taliban take control.",
     "warn", [("Afghanistan would become a pariah state", "on Wednesday")], "ends at 'if'"),
    ("Wang Yi told the Taliban that Beijing expected him to play a key role.", "request", [],
     "'told ... that' reports saying, 'expected' is not in the table"),
    ("The company denied that it had broken the law.", "deny", [("it had broken the law", "")], "deny that"),
    ("They want international recognition.", "request", [("want international recognition"[5:], "")],
     "the object itself is the content"),
    ("The plan was promised.", "commit", [], "nothing after the verb"),
]


@pytest.mark.parametrize(("sentence", "kind", "expected", "why"), SENTENCES, ids=[s[0][:40] for s in SENTENCES])
def test_complements(sentence, kind, expected, why):
    found = complements(sentence, kind)
    assert [(c.text, c.party) for c in found] == expected, why
    for c in found:
        assert sentence[c.start:c.end] == c.text  # verbatim, with offsets
    assert reports(sentence, question_act({"request": "What did he ask?", "commit": "What did he promise?",
                                           "warn": "What did he warn?", "accuse": "What did he accuse them of?",
                                           "deny": "What did he deny?"}[kind])) == bool(expected)


def test_every_verb_form_belongs_to_one_act():
    assert VERBS["assured"] == "commit" and VERBS["urged"] == "request" and VERBS["undertook"] == "commit"
    assert "said" not in VERBS and "told" not in VERBS


def test_the_party_asked_comes_first():
    act = question_act("What did Wang Yi ask of the Taliban?")
    sentences = ["Wang Yi urged the United States to withdraw its troops responsibly.",
                 "He hoped the Taliban would crack down on the movement."]
    n, c = best_complement(sentences, act)
    assert (n, c.text) == (1, "crack down on the movement")  # about the Taliban, though ranked second
    assert best_complement(sentences[:1], act)[1].text == "withdraw its troops responsibly"  # else the best ranked
    assert best_complement(["The weather was fine."], act) is None


def test_short_answer_of_an_act_question_is_its_content():
    doc = ("Wang Yi told the Taliban that Beijing expected him to play a key role. He also said he hoped the "
           "Taliban would crack down on the East Turkestan Islamic Movement as it was a threat.")
    first, second = doc.split(". ", 1)
    cands = [SpanCandidate(first + ".", score=0.7, start=0, citation=1),
             SpanCandidate(second, score=0.5, start=len(first) + 2, citation=2)]
    span = short_answer("What did Wang Yi ask of the Taliban?", cands)
    assert span.text == "crack down on the East Turkestan Islamic Movement"
    assert span.citation == 2 and doc[span.doc_start:span.doc_end] == span.text
    off = short_answer("What did Wang Yi ask of the Taliban?", cands, acts=False)
    assert off is None or off.text != span.text  # the setting switches the rule off


def _cand(text: str) -> Candidate:
    return Candidate(text=text, context="", cosine=0.5, chunk_dense=0.5, chunk_rank=0, start=0)


def test_the_judge_sees_the_act_under_another_verb():
    idf = {"taliban": 2.0, "promis": 3.0}
    rows = [_cand("The delegation assured China that they would not allow anyone to use Afghan land."),
            _cand("The Taliban have made huge gains across Afghanistan.")]
    col = {n: i for i, n in enumerate(SENTENCE_FEATURES)}
    on = sentence_features(question_info("What did the Taliban promise?", idf, {}), rows)
    off = sentence_features(question_info("What did the Taliban promise?", idf, {}, acts=False), rows)
    assert on[0, col["type_asked_and_held"]] == 1.0 and on[1, col["type_asked_not_held"]] == 1.0
    assert on[0, col["coverage"]] == pytest.approx(3 / 5)  # "assured" covers "promise"
    assert off[0, col["coverage"]] == 0.0 and off[0, col["type_asked_and_held"]] == 0.0


AGENTS = [
    # question, sentences (best first), expected content or None, why
    ("What did the Taliban promise in return?",
     ["Wang Yi said China promised to continue its assistance to Afghanistan.",
      "The Taliban delegation assured China that they would never allow anyone to use Afghan land."],
     "they would never allow anyone to use Afghan land", "China's promise is not the Taliban's"),
    ("What did India deny?", ["Pakistan denied that it had sheltered militants.",
                              "India denied that it had moved troops."], "it had moved troops",
     "another named subject's act comes after the agent's"),
    ("What have the Conservatives pledged?", ["The Tories have promised an upper limit on immigration."],
     "an upper limit on immigration", "ranked last, not dropped: the question may name the agent otherwise"),
    ("What did the Paris Club offer?", ["The Paris Club on Wednesday offered to freeze debts."], "freeze debts",
     "a weekday before the verb is not its subject"),
    ("What did India deny?", ["The ministry denied that it had sheltered militants."], "it had sheltered militants",
     "an unnamed subject may be the agent"),
    ("What did the Fed chairman ask Congress to do?", ["Greenspan urged Congress to cut the deficit."],
     "cut the deficit", "a described agent is not checked against names"),
]


@pytest.mark.parametrize(("question", "sentences", "expected", "why"), AGENTS, ids=[a[3][:30] for a in AGENTS])
def test_whose_act(question, sentences, expected, why):
    found = best_complement(sentences, question_act(question))
    assert (found[1].text if found else None) == expected, why
