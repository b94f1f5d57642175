"""The eval suite: reference sets, metrics, and the CI gate (including that it can fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant import evals

from conftest import ROOT


def test_reference_sets_are_valid_and_big_enough():
    suite = evals.load_suite()
    kinds = [i.kind for i in suite.items]
    assert kinds.count("answerable") >= 60
    assert kinds.count("unanswerable") >= 12
    assert kinds.count("followup") >= 10
    assert len(suite.briefs) >= 6
    articles = {p.name for p in (ROOT / "samples" / "articles").iterdir() if p.is_file()}
    assert len(articles) >= 9
    for item in suite.items:
        if item.kind != "unanswerable":
            assert item.support and item.key_facts, item.id
            # Every key fact is in a supporting passage, so a faithful quote can contain it.
            assert all(any(evals.has_fact(s.quote, f) for s in item.support) for f in item.key_facts), item.id


def test_metrics():
    assert evals.token_f1("The East Turkestan Islamic Movement [1].", "East Turkestan Islamic Movement") == 1.0
    assert evals.token_f1("nothing", "something else") == 0.0
    assert 0 < evals.token_f1("crack down on the ETIM", "crack down on the East Turkestan Islamic Movement") < 1
    assert evals.has_fact("It cost £6m [2].", "£6m|6m")
    assert evals.has_fact("He is 34.", "34")
    assert not evals.has_fact("He is 340.", "34")


def test_gate_rules():
    rules = {"floors": {"key_fact_recall": 0.5, "false_abstention": 0.2},
             "tolerance": {"key_fact_recall": 0.05, "latency_p50_ms": 1.0}}
    base = {"key_fact_recall": 0.7, "latency_p50_ms": 500.0}
    assert evals.gate({"key_fact_recall": 0.68, "false_abstention": 0.1, "latency_p50_ms": 900.0}, base, rules) == []
    failures = evals.gate({"key_fact_recall": 0.6, "false_abstention": 0.3, "latency_p50_ms": 1100.0}, base, rules)
    assert len(failures) == 3
    assert any("regressed" in f and "key_fact_recall" in f for f in failures)
    assert any("false_abstention" in f and "above its floor" in f for f in failures)


def run_eval(tmp_path, **env) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--out", str(tmp_path / "report")],
                          env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_eval_passes_on_main(tmp_path):
    run = run_eval(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert not report["failures"]
    assert report["seconds"] < 600, "must finish well inside CI's 10 minutes"
    md = (tmp_path / "report" / "report.md").read_text()
    assert "| id | kind | pass | question | answer | citations | reasons |" in md


@pytest.mark.slow
def test_broken_configuration_fails_the_gate(tmp_path):
    run = run_eval(tmp_path, ASSISTANT_RETRIEVAL__K="0")
    assert run.returncode != 0
    assert "FAIL" in run.stderr and "retrieval_recall" in run.stderr
