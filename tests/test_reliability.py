"""Reliability: bad input, crashes (SIGKILL mid-ingest), concurrency, model failures."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from reliability_helpers import assert_consistent, expected_chunks, synthetic_corpus

from assistant.api import Assistant

from conftest import ROOT, SEED

pytestmark = pytest.mark.slow


def test_every_kind_of_bad_input_in_one_run(bot, tmp_path):
    d = tmp_path / "inbox"
    d.mkdir()
    (d / "good.txt").write_bytes(SEED.read_bytes())
    (d / "copy-of-good.txt").write_bytes(SEED.read_bytes())
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text(" \n\t\n")
    (d / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    latin = "Caf\xe9 prices rise\n\nThe caf\xe9 in M\xfcnster raised prices.\n"
    (d / "latin1.txt").write_bytes(latin.encode("latin-1"))
    (d / "utf16.txt").write_bytes("Bridge opens\n\nThe bridge opened to traffic on Monday.\n".encode("utf-16"))
    (d / "scripts.html").write_text("<html><head><title>Polls close</title><script>" + "var x=1;" * 5000 +
                                    "</script><style>" + "p{}" * 5000 + "</style></head><body><p>Polls closed at "
                                    "10pm and counting began at once.</p></body></html>")
    (d / "feed.jsonl").write_text('{"title": "Fine", "text": "A fine article about ferries."}\n{oops\n'
                                  '{"title": "Also fine", "text": "Another about trams."}\n')
    (d / "untitled.txt").write_text("the opening line has no headline and ends with a full stop.\nSecond line.\n")
    huge = d / "huge.txt"
    with huge.open("wb") as f:  # 200 MB, sparse: refused by size before it is read
        f.truncate(200 * 2**20)
    report = bot.ingest([d])
    reasons = {Path(e.path.split(" (")[0]).name: e.reason for e in report.errors}
    assert set(reasons) == {"empty.txt", "blank.txt", "photo.txt", "feed.jsonl", "huge.txt"}, reasons
    assert "limit" in reasons["huge.txt"] and "200 MB" in reasons["huge.txt"]
    assert "line 2" in next(e.path for e in report.errors if "feed.jsonl" in e.path)
    assert len(report.duplicates) == 1
    titles = {doc.title for doc in bot.documents()}
    assert {"Caf\xe9 prices rise", "Bridge opens", "Polls close", "Fine", "Also fine"} <= titles
    assert any(t.startswith("Untitled") for t in titles)
    assert "var x" not in bot.document_text(next(x.doc_id for x in bot.documents() if x.title == "Polls close"))
    assert_consistent(bot)


def _catalog_docs(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from na_documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_leaves_no_half_documents(settings, tmp_path):
    files = synthetic_corpus(tmp_path / "corpus", 120)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_INGEST__BATCH_FILES": "10"}
    db = settings.data_dir / "catalog.sqlite"
    for kill_after_docs in (15, 55):
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / "corpus")],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while _catalog_docs(db) < kill_after_docs and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "ingest finished before it could be killed: make the corpus larger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        bot = Assistant(settings)  # opening runs recovery
        expected = expected_chunks(bot, files)
        assert 0 < len(bot.documents()) < len(files)
        assert_consistent(bot, expected)
        del bot
    bot = Assistant(settings)
    report = bot.ingest([tmp_path / "corpus"])
    assert not report.errors
    assert len(bot.documents()) == len(files)
    expected = expected_chunks(bot, files)
    assert bot.stats()["chunks"] == sum(expected.values()), "no duplicates"
    assert_consistent(bot, expected)
    assert set(bot.index.record_manager.list_keys()) == set(bot.index.catalog.all_chunk_ids())


def test_questions_while_ingesting(bot, tmp_path):
    bot.ingest([SEED])
    synthetic_corpus(tmp_path / "more", 60, seed=11)
    errors: list[BaseException] = []
    answers: list[str] = []

    def ingest():
        try:
            bot.ingest([tmp_path / "more"])
        except BaseException as exc:
            errors.append(exc)

    def asker():
        try:
            for _ in range(3):
                answers.append(bot.ask("What did Wang Yi ask of the Taliban?").answer)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ingest)] + [threading.Thread(target=asker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert len(answers) == 9 and all("East Turkestan" in a for a in answers)
    assert len(bot.documents()) == 61
    assert_consistent(bot)


@contextmanager
def writing(bot, model):
    """``model`` writes the answers for a while (the bundled one does not: answer.generate)."""
    original, generate = bot.qa.llm, bot.settings.answer.generate
    bot.qa.llm, bot.settings.answer.generate = model, "always"
    try:
        yield
    finally:
        bot.qa.llm, bot.settings.answer.generate = original, generate


class SlowChat(GenericFakeChatModel):
    delay: float = 0.3

    def _stream(self, *args, **kwargs):
        for chunk in super()._stream(*args, **kwargs):
            time.sleep(self.delay)
            yield chunk


class EmptyChat(GenericFakeChatModel):
    """A model whose reply is empty (LangChain's fake refuses to stream empty content)."""

    def _stream(self, *args, **kwargs):
        yield ChatGenerationChunk(message=AIMessageChunk(content=""))


class BrokenChat(GenericFakeChatModel):
    def _stream(self, *args, **kwargs):
        raise ConnectionError("backend exploded")
        yield  # pragma: no cover


@pytest.mark.parametrize("model, note", [
    (EmptyChat(messages=iter([])), "returned nothing"),
    (GenericFakeChatModel(messages=iter([AIMessage(content="zxq vbn qwp lkj mnb poi uyt rew qas dfg hjk")])),
     "could not be verified"),
    (GenericFakeChatModel(messages=iter([AIMessage(content="the same words again " * 400)])), "could not be verified"),
    (BrokenChat(messages=iter([])), "The model failed"),
])
def test_model_failures_fall_back_to_cited_quotes(sample_bot, model, note):
    with writing(sample_bot, model):
        started = time.monotonic()
        answer = sample_bot.ask("What did Wang Yi ask of the Taliban?")
    assert time.monotonic() - started < 20
    assert answer.mode == "extractive" and note in answer.note
    assert "East Turkestan Islamic Movement" in answer.answer
    assert all(s.supported and s.citations for s in answer.sentences)


def test_generation_time_limit(sample_bot):
    limit = sample_bot.settings.llm.max_seconds
    sample_bot.settings.llm.max_seconds = 1.0
    try:
        with writing(sample_bot, SlowChat(messages=iter([AIMessage(content="word " * 200)]))):
            started = time.monotonic()
            answer = sample_bot.ask("What did Wang Yi ask of the Taliban?")
        assert time.monotonic() - started < 5
        assert answer.mode == "extractive"
    finally:
        sample_bot.settings.llm.max_seconds = limit
