"""Scale-out path against real servers on loopback, started and stopped by the fixtures:
python -m llama_cpp.server (the bundled SmolLM2 GGUF, OpenAI-compatible), chroma run, and an
OpenAI-compatible embeddings server. Only settings differ from the in-process path."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from servers.launch import chroma_server, embedding_server, free_port, llama_server, postgres_server

from assistant.api import Assistant
from assistant.index import IndexMismatchError, StoreUnavailableError
from assistant.settings import Settings

from conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.servers]
SECRET = "sk-never-log-me"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("servers")
    chroma, chroma_port = chroma_server(tmp)
    embed, embed_url = embedding_server(tmp)
    llama, llama_url = llama_server(tmp)
    yield {"tmp": tmp, "chroma_port": chroma_port, "llama_url": llama_url, "embed_url": embed_url}
    for s in (llama, embed, chroma):
        s.stop()


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    proc, url, data = postgres_server(tmp_path_factory.mktemp("postgres"))
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(data, ignore_errors=True)


def server_settings(servers, data_dir: Path, collection: str = "news", **extra) -> Settings:
    return Settings(
        data_dir=data_dir,
        llm={"backend": "openai", "base_url": servers["llama_url"], "model": "smollm2", "api_key": SECRET,
             "prompt_style": "compact", "max_retries": 0, "timeout_s": 30},
        store={"backend": "server", "host": "127.0.0.1", "port": servers["chroma_port"], "collection": collection,
               # Several app instances share one catalog (here a SQLite file; PostgreSQL across hosts).
               "catalog_url": f"sqlite:///{servers['tmp'] / (collection + '-catalog.sqlite')}"},
        **extra,
    )


def test_ingest_ask_stream_brief_through_servers(servers, tmp_path):
    bot = Assistant(server_settings(servers, tmp_path / "a"))
    report = bot.ingest([SAMPLES])
    assert not report.errors and report.documents_added >= 1
    assert bot.index.collection.count() == bot.stats()["chunks"]
    assert bot.ingest([SAMPLES]).chunks_added == 0

    answer = bot.ask("What did Wang Yi ask of the Taliban?")
    assert "East Turkestan Islamic Movement" in answer.answer
    assert any("East Turkestan" in c.quote for c in answer.citations)

    events = list(bot.ask_stream("Who led the Taliban delegation?"))
    final = events[-1].answer
    assert " ".join(e.text for e in events if e.type == "sentence") == final.answer
    assert final.usage["tokenizer"] in {"tiktoken", "server"} and final.usage["prompt_tokens"] > 0
    assert "Baradar" in final.answer

    brief = bot.brief(doc_ids=[next(d.doc_id for d in bot.documents() if "Taliban" in d.title)],
                      mode="abstractive")
    assert brief.mode == "abstractive" and brief.summary and all(p.citations for p in brief.summary)
    assert bot.ask("How much money did China pledge to the Taliban?").abstained


def test_short_eval_through_servers(servers, tmp_path):
    from assistant import evals

    sets = tmp_path / "sets"
    sets.mkdir()
    for name, n in (("answerable.yaml", 6), ("unanswerable.yaml", 3), ("followups.yaml", 2), ("briefs.yaml", 1)):
        import yaml

        items = yaml.safe_load((ROOT / "evals" / "sets" / name).read_text())[:n]
        (sets / name).write_text(yaml.safe_dump(items, allow_unicode=True))
    result = evals.run_suite(server_settings(servers, tmp_path / "e", collection="evalrun"), sets)
    m = result["metrics"]
    assert m["citation_recall"] >= 0.9 and m["retrieval_recall"] >= 0.8
    assert m["key_fact_recall"] >= 0.5


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_two_instances_share_one_index(servers, tmp_path, catalog, request):
    a_settings = server_settings(servers, tmp_path / "a", collection=f"shared-{catalog}")
    if catalog == "postgresql":  # instances on different hosts share a PostgreSQL catalog
        a_settings.store.catalog_url = request.getfixturevalue("postgres")
    b_settings = server_settings(servers, tmp_path / "b", collection=f"shared-{catalog}")
    b_settings.store.catalog_url = a_settings.store.catalog_url
    a, b = Assistant(a_settings), Assistant(b_settings)
    a.ingest([SAMPLES])
    assert {d.doc_id for d in b.documents()} == {d.doc_id for d in a.documents()}
    assert "Baradar" in b.ask("Who led the Taliban delegation?").answer
    assert b.ingest([SAMPLES]).chunks_added == 0, "the record manager is shared too"
    doc = next(d for d in b.documents() if "Taliban" in d.title)
    b.delete([doc.doc_id])
    assert a.ask("Who led the Taliban delegation?").abstained
    assert not a.index.keyword_search("Baradar", 3)


def test_instances_ingesting_at_once_keep_a_consistent_postgres_catalog(servers, postgres, tmp_path):
    """Two instances ingest overlapping halves of the samples at the same moment: every
    document once, vector store and keyword index in step, BM25 statistics exact."""
    from sqlalchemy import create_engine, text

    db = postgres.rsplit("/", 1)[0] + "/race"
    with create_engine(postgres, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("CREATE DATABASE race"))
    bots = []
    for name in ("a", "b"):
        settings = server_settings(servers, tmp_path / name, collection="race")
        settings.store.catalog_url = db
        bots.append(Assistant(settings))
    files = sorted(SAMPLES.iterdir())
    halves = [files[: len(files) * 2 // 3], files[len(files) // 3:]]  # the middle third in both
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda pair: pair[0].ingest(pair[1]), zip(bots, halves, strict=True)))
    assert not any(r.errors for r in reports), [r.errors for r in reports]

    a, b = bots
    single = Assistant(server_settings(servers, tmp_path / "single", collection="race-single"))
    single.ingest([SAMPLES])
    assert {d.doc_id for d in a.documents()} == {d.doc_id for d in single.documents()}
    assert a.index.collection.count() == a.stats()["chunks"] == single.stats()["chunks"]
    with create_engine(db).connect() as conn:
        drift = conn.execute(text(
            "SELECT count(*) FROM na_terms t FULL JOIN (SELECT term, count(*) AS n FROM na_postings GROUP BY term) p "
            "ON p.term = t.term WHERE t.df IS DISTINCT FROM p.n")).scalar()
        stats = dict(conn.execute(text("SELECT key, value FROM na_stats")).all())
        chunks, length = conn.execute(text("SELECT count(*), sum(length) FROM na_chunks")).one()
    assert drift == 0, "document frequencies match the postings"
    assert (stats["chunks"], stats["length"]) == (chunks, length)
    assert "Baradar" in b.ask("Who led the Taliban delegation?").answer


def test_model_server_dies_mid_session(servers, tmp_path):
    own, url = llama_server(servers["tmp"])
    settings = server_settings(servers, tmp_path / "d", collection="dying")
    settings.llm.base_url = url
    bot = Assistant(settings)
    bot.ingest([SAMPLES])
    # The server model writes a draft (whether the support check keeps it is not this test's
    # concern: "The Taliban delegation led by Mullah Abdul Ghani Baradar." is rejected, rightly,
    # since the article says he was among the delegates, not that he led them).
    first = bot.ask("Who led the Taliban delegation?")
    assert first.usage.get("completion_tokens", 0) > 0 and "ASSISTANT_LLM__BASE_URL" not in (first.note or "")
    own.stop()
    started = time.monotonic()
    answer = bot.ask("What did Blinken warn about?")
    assert time.monotonic() - started < 30, "no hang"
    assert answer.mode == "extractive" and "pariah" in answer.answer
    assert "ASSISTANT_LLM__BASE_URL" in answer.note and SECRET not in answer.note


def test_embedding_server_and_refusal_to_mix_models(servers, tmp_path):
    remote = server_settings(servers, tmp_path / "r", collection="remote-embed",
                             embeddings={"backend": "openai", "base_url": servers["embed_url"],
                                         "model": "minilm-server", "api_key": "test"})
    bot = Assistant(remote)
    bot.ingest([SAMPLES])
    assert "East Turkestan" in bot.ask("What did Wang Yi ask of the Taliban?").answer
    local = server_settings(servers, tmp_path / "l", collection="remote-embed")
    local.store.catalog_url = remote.store.catalog_url
    with pytest.raises(IndexMismatchError, match="reindex"):
        Assistant(local).index  # noqa: B018


def test_chroma_server_down_is_a_clear_error(servers, tmp_path):
    settings = server_settings(servers, tmp_path / "x", collection="gone")
    settings.store.port = free_port()
    with pytest.raises(StoreUnavailableError, match="ASSISTANT_STORE__HOST"):
        Assistant(settings).index  # noqa: B018
