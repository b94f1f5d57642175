"""A non-editable install carries everything the product reads at run time: every subpackage,
the judge's models, the prompts, the eval sets with their baseline and gate, and the sample
articles the sets quote (issue 21: `assistant eval` from an installed wheel)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("assistant", "prompts", "evals", "samples"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "reports", "library"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [path] = out.glob("news_assistant-*.whl")
    return path


def test_wheel_holds_every_subpackage_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "assistant").rglob("__init__.py"))
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"subpackages missing from pyproject's packages list: {missing}"
    data = [str(p.relative_to(ROOT)) for p in (ROOT / "assistant").rglob("*")
            if p.suffix in {".json", ".gz"} and "__pycache__" not in p.parts]
    assert data and not [d for d in data if d not in names], [d for d in data if d not in names]
    for folder, package in (("prompts", "prompts_data"), ("samples/articles", "samples_data")):
        for p in (ROOT / folder).iterdir():
            assert f"assistant/{package}/{p.name}" in names, p
    for p in ["baseline.json", "gate.yaml", *(f"sets/{s.name}" for s in (ROOT / "evals" / "sets").glob("*.yaml"))]:
        assert f"assistant/evals_data/{p}" in names, p


def test_installed_wheel_finds_its_eval_sets_prompts_and_models(wheel, tmp_path):
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    script = f"""
import assistant, assistant.evals as e, assistant.prompts as p
from assistant.judge.answerability import AnswerJudge
assert assistant.__file__.startswith({str(target)!r}), assistant.__file__
suite = e.load_suite()
assert len(suite.items) >= 20 and suite.briefs, len(suite.items)
assert str(e.EVALS).startswith({str(target)!r}) and (e.EVALS / "baseline.json").is_file()
assert e.load_gate()
p.load_prompt("answer_cited")
AnswerJudge()
print("ok")
"""
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]
