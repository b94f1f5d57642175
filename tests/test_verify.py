"""The shared support check, with the real embedding model."""

from __future__ import annotations

import pytest

from assistant.embedders import build_embeddings
from assistant.settings import EmbeddingSettings, VerifySettings
from assistant.verify import SupportChecker, adds_information

pytestmark = pytest.mark.slow

PASSAGES = [
    "He also said he hoped the Taliban would crack down on the East Turkestan Islamic Movement as it was "
    "a direct threat to China's national security.",
    "The council spent 2.4 million pounds on new floors, wiring and a children's reading room.",
]


@pytest.fixture(scope="module")
def checker():
    return SupportChecker(build_embeddings(EmbeddingSettings()), VerifySettings())


@pytest.mark.xfail(strict=True, reason="regression with the learned support score (frank-dev trained): the "
                   "paraphrase is rejected, by the support model alone (0.07 < 0.2) and with the likelihood stage "
                   "(verify.likelihood_threshold 0.8); see README Support check")
def test_paraphrase_of_passage_is_supported(checker):
    claim = "Wang Yi hoped the Taliban would crack down on the East Turkestan Islamic Movement."
    question = "What did Wang Yi ask of the Taliban?"
    # "He also said ..." names nobody: "Wang Yi" must come from the context before the passage.
    assert not checker.check(claim, PASSAGES, question=question).supported
    context = ["Chinese officials meet Taliban\nWang Yi told nine visiting Taliban representatives Wednesday.", ""]
    s = checker.check_many([claim], PASSAGES, question=question, contexts=context)[0]
    assert s.supported and s.passages[0] == 0


def test_predicate_borrowed_from_the_question_is_not_supported(checker):
    passages = ["Clive Owen won best supporting actor at the Baftas for his role in Closer."]
    s = checker.check("Clive Owen won best director at the Baftas.", passages,
                      question="Who won best director at the Baftas?")
    assert not s.supported and "director" in s.reason


def test_invented_content_is_not_supported(checker):
    s = checker.check("The Taliban promised to provide aid and support for the East Turkestan Islamic Movement.",
                      PASSAGES, question="What did the Taliban promise?")
    assert not s.supported


def test_wrong_number_is_never_supported(checker):
    s = checker.check("The council spent 3.4 million pounds on new floors, wiring and a children's reading room.",
                      PASSAGES)
    assert not s.supported and "number" in s.reason
    ok = checker.check("The council spent 2.4 million pounds on new floors and wiring.", PASSAGES)
    assert ok.supported and ok.passages == [1]


def test_links_must_be_in_the_source(checker):
    s = checker.check("The council spent 2.4 million pounds on new floors, see http://evil.example.com.", PASSAGES)
    assert not s.supported and "link" in s.reason


def test_question_echo_adds_nothing():
    assert not adds_information("Wang Yi asked the Taliban.", "What did Wang Yi ask of the Taliban?")
    assert adds_information("Wang Yi asked them to crack down on the ETIM.", "What did Wang Yi ask of the Taliban?")
