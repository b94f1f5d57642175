"""Settings refuse values that cannot work, and say so in the user's terms.

Table: (environment, the line the user must see, why). No model is loaded: the CLI fails
while reading settings, before anything is built.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings, explain_invalid

CASES = [
    ({"ASSISTANT_VERIFY__THRESHOLD": "7"},
     "ASSISTANT_VERIFY__THRESHOLD / verify.threshold: should be less than or equal to 1 (got '7')",
     "a probability threshold above 1 would reject every sentence"),
    ({"ASSISTANT_RETRIEVAL__K": "abc"},
     "ASSISTANT_RETRIEVAL__K / retrieval.k: should be a valid integer",
     "not a number"),
    ({"ASSISTANT_RETRIEVAL__K": "-1"},
     "ASSISTANT_RETRIEVAL__K / retrieval.k: should be greater than or equal to 0",
     "a negative number of passages"),
    ({"ASSISTANT_LLM__BACKEND": "gpt"},
     "ASSISTANT_LLM__BACKEND / llm.backend: should be 'local' or 'openai' (got 'gpt')",
     "the choices are named"),
    ({"ASSISTANT_BRIEF__FACTS__MAX_WHO": "-2"},
     "ASSISTANT_BRIEF__FACTS__MAX_WHO / brief.facts.max_who: should be greater than or equal to 0",
     "nested settings keep their whole path"),
    ({"ASSISTANT_LLM__REPEAT_COUNT": "1"},
     "ASSISTANT_LLM__REPEAT_COUNT / llm.repeat_count: should be greater than or equal to 2",
     "a run seen once is every draft: generation would always stop"),
    ({"ASSISTANT_CHUNKING__OVERLAP_TOKENS": "200"},
     "chunking.overlap_tokens must be smaller than chunking.size_tokens",
     "a check across two settings names both"),
    ({"ASSISTANT_BRIEF__SUMMARY_WORDS_MIN": "90"},
     "brief.summary_words_min must not exceed brief.summary_words_max",
     "an empty length range"),
    ({"ASSISTANT_ANSWER__ABSTAIN_BELLOW": "0.3"},
     "ASSISTANT_ANSWER__ABSTAIN_BELLOW / answer.abstain_bellow: is not a setting (did you mean answer.abstain_below?)",
     "a misspelt key would otherwise change nothing, silently"),
    ({"ASSISTANT_BRIEF__FACTS__MAX_WHOO": "3"},
     "ASSISTANT_BRIEF__FACTS__MAX_WHOO / brief.facts.max_whoo: is not a setting (did you mean brief.facts.max_who?)",
     "the suggestion comes from the same group, however deep"),
    ({"ASSISTANT_SHORT_ANSWER__ENABLED": "false"},
     "ASSISTANT_SHORT_ANSWER__ENABLED / short_answer.enabled: is not a setting",
     "a key that was removed (it never did anything) is named, with no guess when nothing is close"),
    ({"ASSISTANT_BRIEF__TOPIC_MIN_SIMILARITY": "0.3"},
     "ASSISTANT_BRIEF__TOPIC_MIN_SIMILARITY / brief.topic_min_similarity: is no longer a setting: topic briefs "
     "now keep the articles a learned model gives at least brief.topic_min_probability (a probability",
     "a removed key says what replaced it, not 'did you mean topic_min_probability' (a cosine is no probability)"),
]


@pytest.mark.parametrize("env, expected, why", CASES, ids=[c[2] for c in CASES])
def test_invalid_setting_is_named(monkeypatch, env, expected, why):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(Exception) as caught:
        Settings()
    lines = explain_invalid(caught.value)
    assert len(lines) == 1 and lines[0].startswith(expected), (why, lines)


def test_list_items_and_python_type_names():
    with pytest.raises(Exception) as caught:
        Settings(api={"keys": [{"name": "ci", "sha256": "nothex"}]}, data_dir=5)
    lines = explain_invalid(caught.value)
    assert any(line.startswith("api.keys[0].sha256: should match pattern") for line in lines), lines
    assert not any("<class" in line or "ASSISTANT_API__KEYS" in line for line in lines), lines


def test_unknown_key_in_the_yaml_file_is_named(monkeypatch, tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("answer:\n  abstain_below: 0.3\n  quote_other_article_relevence: 0.7\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    with pytest.raises(Exception) as caught:
        Settings()
    lines = explain_invalid(caught.value)
    assert lines == ["ASSISTANT_ANSWER__QUOTE_OTHER_ARTICLE_RELEVENCE / answer.quote_other_article_relevence: "
                     "is not a setting (did you mean answer.quote_other_article_relevance?)"], lines


def test_defaults_are_within_bounds():
    Settings()  # every default satisfies its own bounds (validate_default is off in pydantic)
    for section in Settings.model_fields:
        value = getattr(Settings(), section)
        if hasattr(value, "model_dump"):
            type(value).model_validate(value.model_dump())


def test_cli_shows_the_setting_not_pydantic(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_VERIFY__THRESHOLD", "7")
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "docs"])
    assert result.exit_code == 1
    assert "ASSISTANT_VERIFY__THRESHOLD / verify.threshold: should be less than or equal to 1" in result.output
    assert "pydantic" not in result.output and "validation error" not in result.output
    monkeypatch.setenv("ASSISTANT_VERIFY__THRESHOLD", "[/x]")
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "docs"])
    assert result.exit_code == 1 and "[/x]" in result.output, "markup in a value is printed, not interpreted"


@pytest.mark.parametrize("llm, generate, writes, why", [
    ({}, "auto", False, "the bundled SmolLM2-135M quotes (its drafts did not beat the quotes on dev)"),
    ({"model_path": "/models/qwen-7b.gguf"}, "auto", True, "another local model writes"),
    ({"backend": "openai"}, "auto", True, "a served model writes"),
    ({}, "always", True, "forced on"),
    ({"backend": "openai"}, "never", False, "forced off"),
])
def test_who_writes_the_answer(llm, generate, writes, why):
    assert Settings(llm=llm, answer={"generate": generate}).model_writes_answers is writes, why
