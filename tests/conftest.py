from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "articles"
SEED = SAMPLES / "2021-07-28-china-taliban-tianjin.txt"


def pytest_configure(config):
    # Tests never depend on the developer's own settings or library.
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            del os.environ[key]


@pytest.fixture
def settings(tmp_path):
    from assistant.settings import Settings

    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def bot(settings):
    from assistant.api import Assistant

    return Assistant(settings)


@pytest.fixture(scope="session")
def sample_bot(tmp_path_factory):
    """The bundled sample articles, ingested once for the whole session."""
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant(Settings(data_dir=tmp_path_factory.mktemp("samples") / "data"))
    report = bot.ingest([SAMPLES])
    assert not report.errors, report.errors
    return bot
