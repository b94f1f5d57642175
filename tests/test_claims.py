"""Table tests (input, expected, why) for the answer's pure rules: claim clean-up and
splitting, repetition, names outside the citations, citation markers, question types,
answer kinds, abstention, and the retrieval helpers interleave and diversify. No model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from langchain_core.documents import Document

from assistant.abstention import abstain_reason
from assistant.citations import CitationRegistry, with_markers
from assistant.claims import clean_claim, degenerate, names_outside, split_claims
from assistant.retrieval import Retrieved, diversify, interleave
from assistant.settings import AnswerSettings
from assistant.text import holds_answer, is_question, question_type


@pytest.mark.parametrize("text, expected, why", [
    ("The answer is: Tianjin.", "Tianjin.", "task talk before the answer"),
    ("According to the passage, Wang Yi met Baradar.", "Wang Yi met Baradar.", "attribution to the passage"),
    ("The article says that the talks were held in Tianjin.", "The talks were held in Tianjin.",
     "'the article says that' goes and the claim is capitalised"),
    ("This passage is about China.", "", "a sentence about the passage is not a claim"),
    ("“Wang Yi met Baradar.”", "Wang Yi met Baradar.", "a whole answer in quotes: the quote is the answer"),
    ("Wang Yi met Baradar.", "Wang Yi met Baradar.", "a plain claim is unchanged"),
    ("In summary, the answer is Tianjin.", "Tianjin.", "stacked wrappers are all removed"),
])
def test_clean_claim(text, expected, why):
    assert clean_claim(text) == expected, why


@pytest.mark.parametrize("text, expected, why", [
    ("Wang Yi met Baradar [1]. He asked for a clean break [2, 3].",
     [("Wang Yi met Baradar.", {1}), ("He asked for a clean break.", {2, 3})], "markers kept aside per sentence"),
    ("Yes [1]. The talks were in Tianjin.", [("The talks were in Tianjin.", set())],
     "fragments under three words are not claims"),
    ("The passage is about talks. Baradar led the delegation.", [("Baradar led the delegation.", set())],
     "task talk dropped, the claim kept"),
    ("", [], "nothing generated"),
])
def test_split_claims(text, expected, why):
    assert split_claims(text) == expected, why


@pytest.mark.parametrize("text, expected, why", [
    ("the talks were held in Tianjin " * 3, True, "the same 4-word run three times"),
    ("Wang Yi met a Taliban delegation led by Mullah Baradar in Tianjin on Wednesday.", False, "ordinary text"),
    ("a b c d a b c d a b c", False, "under 12 words is never judged"),
])
def test_degenerate(text, expected, why):
    assert degenerate(text) is expected, why


@pytest.mark.parametrize("names, cited, expected, why", [
    (["Trump"], ["Kennedy selected Shanahan as her running mate."], ["Trump"], "name absent from what is cited"),
    (["Wang Yi"], ["Wang Yi met Baradar."], [], "present"),
    (["Baradar"], ["Mullah Abdul Ghani Baradar arrived. He met officials."], [], "the preceding context counts"),
    (["Wang Yi"], ["Wang met Baradar."], ["Wang Yi"], "every part of the name must appear"),
])
def test_names_outside(names, cited, expected, why):
    assert names_outside(names, cited) == expected, why


@pytest.mark.parametrize("text, numbers, expected, why", [
    ("It rained.", [1, 2], "It rained [1][2].", "markers go before the final stop"),
    ("It rained", [3], "It rained [3]", "no stop: markers at the end"),
    ("Did it rain?", [1], "Did it rain [1]?", "question mark"),
    ("It rained.", [], "It rained.", "no citation: unchanged"),
])
def test_with_markers(text, numbers, expected, why):
    assert with_markers(text, numbers) == expected, why


def test_citation_registry_numbers_by_first_appearance():
    def passage(doc, start):
        return SimpleNamespace(doc_id=doc, start=start, end=start + 5, text="x",
                               chunk=SimpleNamespace(id="c", metadata={"doc_id": doc}))
    reg = CitationRegistry()
    a, b = passage("d1", 10), passage("d2", 0)
    assert reg.numbers([b, a]) == [1, 2]
    assert reg.numbers([a]) == [2]  # the same passage keeps its number
    assert [c.doc_id for c in reg.citations] == ["d2", "d1"]


@pytest.mark.parametrize("sentence, expected, why", [
    ("What did Blair say?", True, "a plain question"),
    ('"Why would we leave?"', True, "a quoted question alone says nothing"),
    ("Will the deal survive? (Analysis)", False, "ends on a label, not the question"),
    ("Is this the end of the high street?  ", True, "trailing space"),
    ('"Why would we leave?" she asked.', False, "reported: the sentence tells who asked"),
    ("Blair said Bush would be more consensual.", False, "a statement"),
    ("", False, "nothing"),
])
def test_is_question(sentence, expected, why):
    assert is_question(sentence) is expected, why


@pytest.mark.parametrize("question, expected, why", [
    ("How much did the deal cost?", "money", "money before quantity"),
    ("How many people died?", "quantity", "a count"),
    ("When did the talks take place?", "time", "a time"),
    ("Who led the delegation?", "entity", "a person"),
    ("Where were the talks held?", "entity", "a place is a name"),
    ("Why did China host the talks?", None, "an explanation has no fixed kind"),
])
def test_question_type(question, expected, why):
    assert question_type(question) == expected, why


@pytest.mark.parametrize("claim, kind, question, expected, why", [
    ("Twelve people died.", "quantity", "How many people died?", True, "a number word"),
    ("Many people died.", "quantity", "How many people died?", False, "no number"),
    ("The talks took place in July 2021.", "time", "When were the talks?", True, "a month and year"),
    ("The talks took place.", "time", "When were the talks?", False, "no time"),
    ("It was led by Baradar.", "entity", "Who led the Taliban delegation?", True, "a name the question did not give"),
    ("Baradar led it.", "entity", "Who led the Taliban delegation?", False,
     "known limit: a sentence-initial capital is not taken for a name"),
    ("The Taliban led it.", "entity", "Who led the Taliban delegation?", False, "only the question's own name"),
    ("It was expensive.", None, "Why was it expensive?", True, "no kind: anything goes"),
])
def test_holds_answer(claim, kind, question, expected, why):
    assert holds_answer(claim, kind, question) is expected, why


def _selection(p, evidence=True, unknown=()):
    return SimpleNamespace(evidence=[object()] if evidence else [], p_answerable=p, unknown_names=list(unknown))


@pytest.mark.parametrize("selection, expected, why", [
    (_selection(0.9, evidence=False), "nothing relevant", "no evidence at all"),
    (_selection(0.05), "do not answer it", "below abstain_below"),
    (_selection(0.9), None, "confident"),
    (_selection(0.3, unknown=["Zelensky"]), "mentions Zelensky", "unknown name and not confident enough"),
    (_selection(0.9, unknown=["Zelensky"]), None, "unknown name but the judge is confident"),
    (_selection(None), None, "no judge score (judge off): never abstain on it"),
])
def test_abstain_reason(selection, expected, why):
    s = AnswerSettings()
    assert 0.05 < s.abstain_below < s.abstain_unknown_name_below, "the table assumes the shipped operating points"
    got = abstain_reason(selection, s)
    assert (got is None) if expected is None else (got is not None and expected in got), (got, why)


@pytest.mark.parametrize("p, followup, expected, why", [
    (0.15, False, "below 20%", "a question on its own: answer.abstain_below (0.2)"),
    (0.15, True, None, "a follow-up: answer.followup_abstain_below (0.1 in this table)"),
    (0.05, True, "below 10%", "a follow-up under its own operating point, which the message names"),
    (0.25, False, None, "above both"),
])
def test_a_follow_up_has_its_own_operating_point(p, followup, expected, why):
    s = AnswerSettings(abstain_below=0.2, followup_abstain_below=0.1)
    got = abstain_reason(_selection(p), s, followup=followup)
    assert (got is None) if expected is None else (got is not None and expected in got), (got, why)


def test_a_follow_up_without_its_own_operating_point_uses_abstain_below():
    s = AnswerSettings(abstain_below=0.3)  # followup_abstain_below left empty, as shipped
    assert "below 30%" in abstain_reason(_selection(0.25), s, followup=True)


def test_a_model_rewrite_counts_as_a_follow_up():
    from assistant.conversation import Resolved

    assert Resolved("What did Wang Yi say?", rewritten=True).followup
    assert Resolved("What did Wang Yi say?", "Who met the Taliban?").followup
    assert not Resolved("What did Wang Yi say?").followup


def _chunks(*ids, doc="d"):
    return [Document(page_content=f"text {i} " + " ".join(f"w{i}{j}" for j in range(5)), id=i,
                     metadata={"doc_id": doc}) for i in ids]


def test_interleave_alternates_first_leads_drops_repeats_and_keeps_k():
    first = Retrieved(_chunks("a", "b", "c"), [0.1], 1.0, 2.0)
    second = Retrieved(_chunks("x", "a", "y"), [0.2], 3.0, 4.0)
    got = interleave(first, second, k=4)
    assert [c.id for c in got.chunks] == ["a", "x", "b", "c"]
    assert [c.metadata["rank"] for c in got.chunks] == [0, 1, 2, 3]
    assert got.query_vector == [0.2] and got.embed_ms == 4.0 and got.search_ms == 6.0


@pytest.mark.parametrize("chunks, k, cap, expected, why", [
    (_chunks("a", "b", "c", doc="d1"), 5, 2, ["a", "b"], "at most two chunks per document"),
    (_chunks("a", "b", doc="d1") + _chunks("c", doc="d2"), 2, 0, ["a", "b"], "cap 0 means no cap; k cuts"),
    ([Document(page_content="same words here", id="a", metadata={"doc_id": "d1"}),
      Document(page_content="same words here", id="b", metadata={"doc_id": "d2"})], 5, 3, ["a"],
     "near-duplicate text from another document is dropped"),
])
def test_diversify(chunks, k, cap, expected, why):
    assert [c.id for c in diversify(chunks, k, cap)] == expected, why


def test_a_cancelled_draft_stops_at_the_next_token():
    """Stop in the web app sets the flag: the model stops writing at once (the model is free for
    the next question), and what it wrote so far is returned to be checked like any draft."""
    import threading

    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.generation import Generation, Writer
    from assistant.settings import Settings
    from assistant.text import token_counter

    settings = Settings(llm={"backend": "openai", "model": "fake", "prompt_style": "cited"})
    evidence = [SimpleNamespace(n=1, text="Wang Yi met Baradar in Tianjin.", doc_id="d", start=0, relevance=1.0,
                                chunk=SimpleNamespace(metadata={"title": "T", "date": "2021-07-28"}))]
    llm = FakeListChatModel(responses=["Wang Yi met Baradar in Tianjin on Wednesday. " * 5])
    cancel = threading.Event()
    pieces = []
    for item in Writer(settings, llm, token_counter()).draft("Who met Baradar?", evidence, cancel):
        if isinstance(item, Generation):
            generation = item
        else:
            pieces.append(item)
            if len(pieces) == 5:
                cancel.set()
    assert len(pieces) == 5 and generation.text == "".join(pieces) and generation.error is None
    full = [i for i in Writer(settings, llm, token_counter()).draft("Who met Baradar?", evidence) if isinstance(i, str)]
    assert len(full) > 5  # the same model, not stopped, writes on


def test_writer_builds_a_model_given_as_a_factory_once_and_only_when_asked():
    """Components passes a factory when the bundled model only quotes: a question that never
    needs the model never builds it; two first questions at once build it once."""
    import threading
    import time

    from assistant.generation import Writer
    from assistant.settings import Settings

    class Model:
        def invoke(self, messages):  # a chat model is told from a factory by this method
            return "text"

    built = []

    def factory():
        time.sleep(0.05)
        built.append(Model())
        return built[-1]

    writer = Writer(Settings(), factory, len)
    assert built == []
    got = []
    threads = [threading.Thread(target=lambda: got.append(writer.llm)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(m is built[0] for m in got)
    model = Model()
    assert Writer(Settings(), model, len).llm is model
