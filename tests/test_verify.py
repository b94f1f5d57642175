"""The shared support check, with the real embedding model."""

from __future__ import annotations

import pytest

from assistant.models import build_embeddings
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


def test_paraphrase_of_passage_is_supported(checker):
    s = checker.check("Wang Yi hoped the Taliban would crack down on the East Turkestan Islamic Movement.",
                      PASSAGES, question="What did Wang Yi ask of the Taliban?")
    assert s.supported and s.passages[0] == 0


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
