"""Safe defaults: loopback bind, auth required beyond it, private data dir, no secrets shown,
upload limits and safe upload names."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from assistant.settings import Settings
from assistant.ui.app import UnsafeBindError, check_bind, safe_filename, stage_uploads

from conftest import ROOT

SECRET = "sk-top-secret-value-123"


def test_defaults_bind_loopback():
    s = Settings()
    assert s.server.host == "127.0.0.1"
    check_bind(s.server.host, None, None, False)


def test_remote_bind_without_auth_is_refused():
    with pytest.raises(UnsafeBindError, match="ASSISTANT_SERVER__PASSWORD"):
        check_bind("0.0.0.0", None, None, False)
    check_bind("0.0.0.0", "editor", "pw", False)
    check_bind("0.0.0.0", None, None, True)


def test_cli_serve_refuses_remote_bind_without_auth(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "d")}
    run = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0", "--port", "7999"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "refusing to listen on 0.0.0.0" in run.stderr


@pytest.mark.slow
def test_data_dir_is_private(settings):
    from assistant.api import Assistant

    Assistant(settings).index  # noqa: B018
    mode = stat.S_IMODE(settings.data_dir.stat().st_mode)
    assert mode == 0o700


def test_secrets_never_shown(tmp_path):
    from assistant.api import Assistant

    s = Settings(data_dir=tmp_path, llm={"backend": "openai", "api_key": SECRET, "base_url": "http://x/v1"},
                 server={"password": SECRET, "username": "u"}, store={"token": SECRET})
    bot = Assistant(s)
    assert SECRET not in str(bot.describe())
    assert SECRET not in str(s.public_view())
    assert SECRET not in repr(s)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "d"), "ASSISTANT_LLM__API_KEY": SECRET,
           "ASSISTANT_STORE__TOKEN": SECRET}
    run = subprocess.run([sys.executable, "-m", "assistant.cli", "info"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0 and SECRET not in run.stdout + run.stderr


def test_upload_names_cannot_escape(tmp_path):
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename("a/b/../c.txt") == "c.txt"
    assert "/" not in safe_filename("/abs/path/x.md") and safe_filename("..") == "upload.txt"
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text("Title\n\nBody.")
    big = src / "big.txt"
    with big.open("wb") as f:
        f.truncate(3 * 2**20)
    staged, refused = stage_uploads([str(src / "ok.txt"), str(big)], tmp_path / "uploads", max_files=5, max_mb=2)
    assert [p.name for p in staged] == ["ok.txt"]
    assert staged[0].resolve().is_relative_to((tmp_path / "uploads").resolve())
    assert refused and refused[0][0] == "big.txt" and "MAX_UPLOAD_MB" in refused[0][1]
    with pytest.raises(ValueError, match="MAX_UPLOAD_FILES"):
        stage_uploads([str(src / "ok.txt")] * 6, tmp_path / "uploads", max_files=5, max_mb=2)


@pytest.mark.parametrize(("host", "loopback", "why"), [
    ("127.0.0.1", True, "the default bind"),
    ("127.0.1.1", True, "Debian's hostname address is loopback too"),
    ("localhost", True, "by name"),
    ("::1", True, "IPv6 loopback"),
    ("[::1]", True, "IPv6 as written in a URL"),
    ("0.0.0.0", False, "every interface"),
    ("::", False, "every IPv6 interface"),
    ("192.168.1.20", False, "a LAN address: the network can reach it"),
])
def test_loopback_rule(host, loopback, why):
    """One rule decides the web app's password, the API's keys and private-address fetches."""
    from assistant.settings import is_loopback

    assert is_loopback(host) is loopback, why


def test_serve_host_reaches_the_fetch_rule(tmp_path):
    """`assistant serve --host 0.0.0.0` with the default settings host (loopback): pages fetched
    from the Library tab or POST /v1/documents/urls must then refuse private addresses."""
    from assistant.api import Assistant
    from assistant.http.auth import add_key
    from assistant.http.server import build_server
    from assistant.sources.fetch import block_private_for

    bot = Assistant(Settings(data_dir=tmp_path / "data", server={"username": "u", "password": "p"}))
    add_key(bot.settings.api_keys_file, "remote")
    assert not block_private_for(bot.settings)
    build_server(bot, "0.0.0.0")
    assert bot.settings.server.host == "0.0.0.0" and block_private_for(bot.settings)


def _model_error(message: str):
    from assistant.errors import ModelError

    return ModelError(message)


def _openai_errors():
    import httpx
    import openai

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")

    def status(cls, code):
        return cls("boom", response=httpx.Response(code, request=request), body=None)

    return [
        (openai.APITimeoutError(request=request), "timed out after 30s (ASSISTANT_LLM__TIMEOUT_S)", "timeout"),
        (openai.APIConnectionError(request=request), "could not reach", "nothing listens"),
        (status(openai.AuthenticationError, 401), "ASSISTANT_LLM__API_KEY", "bad key"),
        (status(openai.RateLimitError, 429), "rate-limiting requests (429) after 2 retries", "rate limit"),
        (status(openai.NotFoundError, 404), "no model 'smollm2' (check ASSISTANT_LLM__MODEL)", "before its base class"),
        (status(openai.InternalServerError, 500), "answered HTTP 500 after 2 retries", "any other status"),
        (_model_error("the local model file is missing (ASSISTANT_LLM__MODEL_PATH)"), "ASSISTANT_LLM__MODEL_PATH",
         "our own errors pass through"),
        (ValueError("secret sk-123"), "the language model failed (ValueError)", "no message text: it may hold secrets"),
    ]


@pytest.mark.parametrize(("exc", "expected", "why"), _openai_errors(), ids=lambda v: v if isinstance(v, str) else "")
def test_describe_llm_error(exc, expected, why):
    from assistant.models import describe_llm_error
    from assistant.settings import LLMSettings

    settings = LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", model="smollm2", timeout_s=30,
                           max_retries=2)
    text = describe_llm_error(exc, settings)
    assert expected in text, (why, text)
    assert "sk-123" not in text and "Traceback" not in text
