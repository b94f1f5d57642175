"""Follow-up questions become standalone for retrieval."""

from __future__ import annotations

from assistant.conversation import needs_context, normalize_history, standalone_question


def test_history_shapes():
    assert normalize_history([("q1", "a1")]) == [("user", "q1"), ("assistant", "a1")]
    assert normalize_history([{"role": "user", "content": "q1"}]) == [("user", "q1")]
    assert normalize_history(None) == []


def test_dependent_questions_detected():
    assert needs_context("And what did the Taliban promise in return?")
    assert needs_context("What did he say?")
    assert needs_context("Why?")
    assert not needs_context("What did Wang Yi ask of the Taliban?")


def test_followup_gets_previous_question_as_context():
    history = [("What did Wang Yi ask of the Taliban?", "He asked them to crack down on the ETIM [1].")]
    r = standalone_question("And what did the Taliban promise in return?", history)
    assert r.focus == "And what did the Taliban promise in return?"
    assert "Wang Yi" in r.context and "Wang Yi" in r.query
    # A self-contained question is left alone.
    assert standalone_question("Who is Baradar's deputy in Doha?", history).context == ""
