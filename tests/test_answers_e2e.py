"""End to end with the real local model and real embeddings (no mocks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow


def test_wang_yi_answer_names_etim_and_cites_it(sample_bot):
    answer = sample_bot.ask("What did Wang Yi ask of the Taliban?")
    assert not answer.abstained
    assert "East Turkestan Islamic Movement" in answer.answer
    cited = [c for c in answer.citations if "East Turkestan Islamic Movement" in c.quote]
    assert cited, answer.citations
    # The marker of that citation appears in the answer text.
    assert f"[{cited[0].id}]" in answer.answer
    text = sample_bot.document_text(cited[0].doc_id)
    for c in answer.citations:
        assert sample_bot.document_text(c.doc_id)[c.start : c.end] == c.quote
    assert text
    # The short answer comes first: what was asked, verbatim from the cited sentence.
    short = answer.short_answer
    assert short is not None and "East Turkestan Islamic Movement" in short.text
    assert short.citation == cited[0].id and text[short.start:short.end] == short.text


def test_tianjin_follow_up_finds_what_the_taliban_promised(sample_bot):
    first = "What did Wang Yi ask of the Taliban?"
    answer = sample_bot.ask(first)
    follow = sample_bot.ask("And what did the Taliban promise in return?", history=[(first, answer.answer)])
    assert "Afghan land" in follow.answer  # "the delegation assured China that they would not allow anyone ..."
    assert follow.short_answer is not None and "Afghan land" in follow.short_answer.text


def test_money_question_is_declined(sample_bot):
    answer = sample_bot.ask("How much money did China pledge to the Taliban?")
    assert answer.abstained
    assert answer.citations == []
    assert "don't cover" in answer.answer


def test_every_sentence_verified_or_abstained(sample_bot):
    for q in ["Who did Wang Yi meet?", "What did Blinken warn about?", "Where did the meeting take place?"]:
        answer = sample_bot.ask(q)
        assert answer.abstained or all(s.supported and s.citations for s in answer.sentences), q


def test_cli_json_shape(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    cli = [sys.executable, "-m", "assistant.cli"]
    subprocess.run([*cli, "ingest", str(SAMPLES)], check=True, env=env, cwd=ROOT, capture_output=True)
    out = subprocess.run([*cli, "ask", "--json", "What did Wang Yi ask of the Taliban?"],
                         check=True, env=env, cwd=ROOT, capture_output=True, text=True).stdout
    data = json.loads(out)
    assert {"question", "answer", "abstained", "citations", "timings"} <= set(data)
    assert isinstance(data["abstained"], bool)
    assert {"retrieve_ms", "generate_ms", "total_ms"} <= set(data["timings"])
    for c in data["citations"]:
        assert set(c) == {"id", "doc_id", "title", "date", "source", "chunk_id", "quote", "start", "end"}
        assert isinstance(c["id"], int) and isinstance(c["start"], int) and isinstance(c["end"], int)
    assert any("East Turkestan Islamic Movement" in c["quote"] for c in data["citations"])
    assert set(data["short_answer"]) == {"text", "citation", "doc_id", "start", "end", "score"}
    assert "East Turkestan Islamic Movement" in data["short_answer"]["text"]
    # Ingesting the same folder twice leaves the chunk count unchanged.
    before = subprocess.run([*cli, "docs", "--json"], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    subprocess.run([*cli, "ingest", str(SAMPLES)], check=True, env=env, cwd=ROOT, capture_output=True)
    after = subprocess.run([*cli, "docs", "--json"], check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    assert [d["n_chunks"] for d in json.loads(before.stdout)] == [d["n_chunks"] for d in json.loads(after.stdout)]
