"""The console script ends a read-only command with ``os._exit`` after flushing its output and
running the atexit hooks (cli.run: the interpreter's module teardown was 0.2 s of a cold
question). Output through a pipe must arrive whole, exit codes must carry, and commands that
write must end the ordinary way."""

import atexit
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import cli

ROOT = Path(__file__).resolve().parent.parent


def script(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


class Ended(Exception):
    def __init__(self, how: str, code):
        self.how, self.code = how, code


@pytest.fixture
def endings(monkeypatch, tmp_path):
    """run() in this process, with both ways out recorded instead of taken."""
    def quick(code):
        raise Ended("os._exit", code)

    monkeypatch.setattr(os, "_exit", quick)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: None)  # pytest's own hooks must stay
    monkeypatch.setattr(cli, "_state", {})
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))

    def call(*args: str) -> Ended:
        monkeypatch.setattr(sys, "argv", ["assistant", *args])
        try:
            cli.run()
        except Ended as ended:
            return ended
        except SystemExit as ordinary:
            return Ended("SystemExit", ordinary.code)
        raise AssertionError("run() returned instead of ending the process")
    return call


@pytest.mark.parametrize("args, how, code, why", [
    (["docs", "--json"], "os._exit", 0, "docs only reads the catalog"),
    (["docs", "--bogus"], "SystemExit", 2, "a usage error ends before the command runs"),
    (["feeds", "list"], "SystemExit", 0, "the feed registry is not on the read-only list"),
    (["--help"], "SystemExit", 0, "no command ran"),
])
def test_read_only_commands_leave_quickly_and_others_the_ordinary_way(endings, args, how, code, why):
    ended = endings(*args)
    assert (ended.how, ended.code) == (how, code), why


def test_output_through_a_pipe_arrives_whole_and_the_code_carries(tmp_path):
    proc = script(["docs", "--json"], tmp_path / "data")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == []


@pytest.mark.slow
def test_a_question_and_a_long_listing_arrive_whole(sample_bot):
    data_dir = sample_bot.settings.data_dir
    answer = script(["ask", "--json", "What did Wang Yi ask of the Taliban?"], data_dir)
    assert answer.returncode == 0, answer.stderr[-2000:]
    assert json.loads(answer.stdout)["citations"]
    listing = script(["docs", "--json"], data_dir)
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert len(json.loads(listing.stdout)) == len(sample_bot.documents())
