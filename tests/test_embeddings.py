"""Embedding runtimes: the ONNX export matches sentence-transformers, is made offline from an
empty cache, is checksummed; the index remembers the runtime; CLI commands import only what
they use; the ingest reader runs ahead of the writer by a bounded amount."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.embedders import CachedEmbeddings
from assistant.embeddings import (
    MATCH_COSINE,
    EmbeddingModelError,
    OnnxEmbeddings,
    SentenceTransformerEmbeddings,
    cached_onnx_model,
    ensure_onnx_model,
)
from assistant.ingest import prefetch
from assistant.resources import bundled_embedding_model

from conftest import ROOT, SAMPLES

MODEL = "all-MiniLM-L6-v2"


def sample_texts() -> list[str]:
    """What the index embeds (title + chunk) for every bundled sample article, and questions."""
    from assistant.chunking import Chunker
    from assistant.documents import load_file
    from assistant.settings import ChunkSettings

    chunker = Chunker(ChunkSettings())
    texts = []
    for path in sorted(SAMPLES.iterdir()):
        for doc in load_file(path).documents:
            texts += [f"{c.metadata['title']}\n{c.page_content}" for c in chunker.split(doc)]
    return [*texts, "What did Wang Yi ask of the Taliban?", "Who is Baradar?", "x", ""]


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbeddings:
    from assistant.cache import default_cache_dir

    return OnnxEmbeddings(bundled_embedding_model(), MODEL, default_cache_dir(), batch_size=16, threads=None)


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers(onnx_embedder):
    texts = sample_texts()
    assert len(texts) > 40
    ours = np.asarray(onnx_embedder.embed_documents(texts))
    reference = np.asarray(SentenceTransformerEmbeddings(bundled_embedding_model(), MODEL, 16).embed_documents(texts))
    cosine = (ours * reference).sum(axis=1)  # both unit length
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosine.min() >= MATCH_COSINE, [texts[i][:60] for i in np.where(cosine < MATCH_COSINE)[0]]
    # One at a time (no padding) gives the same vectors as in a batch.
    single = np.asarray([onnx_embedder.embed_query(t) for t in texts[:5]])
    assert (single * ours[:5]).sum(axis=1).min() >= 0.99999
    assert onnx_embedder.identity == f"local:{MODEL}"  # checked export: same vector space as torch


@pytest.mark.slow
def test_first_use_export_is_offline_checked_and_checksummed(tmp_path, monkeypatch):
    """CI runs this from an empty cache folder with every network connection refused."""

    def no_network(*args, **kwargs):
        raise OSError("network access attempted during the ONNX export")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    cache = tmp_path / "cache"
    assert not cache.exists()
    model_dir = bundled_embedding_model()
    exported = ensure_onnx_model(model_dir, cache, MODEL)
    manifest = json.loads((exported.path.parent / "manifest.json").read_text())
    assert exported.path.is_file() and exported.path.parent.parent.parent == cache
    assert manifest["check"]["min_cosine"] >= MATCH_COSINE
    assert manifest["source"]["model.safetensors"]["sha256"]
    assert not list(exported.path.parent.glob("*.tmp"))

    # Second use: served from the cache (an export now would fail the test).
    import assistant.embeddings as emb

    monkeypatch.setattr(emb, "export_onnx_model", lambda *a: pytest.fail("exported twice"))
    again = OnnxEmbeddings(model_dir, MODEL, cache, batch_size=8, threads=1)
    assert again.exported.path == exported.path
    assert len(again.embed_query("Ferries were cancelled.")) == 384

    # A damaged file is noticed by its checksum (its size and time changed, so it is rehashed).
    data = bytearray(exported.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    exported.path.write_bytes(bytes(data))
    assert cached_onnx_model(model_dir, cache, MODEL) is None
    # ... while a file that was merely touched is re-verified and accepted.
    data[len(data) // 2] ^= 0xFF
    exported.path.write_bytes(bytes(data))
    assert cached_onnx_model(model_dir, cache, MODEL) is not None


def test_a_model_without_mean_pooling_is_refused_by_name(tmp_path):
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    (model / "sentence_bert_config.json").write_text("{}")
    with pytest.raises(EmbeddingModelError, match=r"mean pooling.*ASSISTANT_EMBEDDINGS__RUNTIME"):
        OnnxEmbeddings(model, "cls-model", tmp_path / "cache", batch_size=8, threads=1)


class _Unused:
    def embed_documents(self, texts):
        raise AssertionError("not called")

    embed_query = embed_documents


def test_index_remembers_runtime_and_refuses_other_vectors(settings):
    from assistant.index import IndexMismatchError, NewsIndex

    torch_built = CachedEmbeddings(_Unused(), identity=f"local:{MODEL}", runtime="sentence-transformers")
    index = NewsIndex(settings, torch_built)
    assert index.built_with == {"embedding_model": f"local:{MODEL}", "embedding_runtime": "sentence-transformers"}
    # A checked ONNX export shares the vector space: the same index opens, its record stays.
    onnx = CachedEmbeddings(_Unused(), identity=f"local:{MODEL}", runtime="onnx")
    assert NewsIndex(settings, onnx).built_with["embedding_runtime"] == "sentence-transformers"
    # Vectors that did not match (an unchecked or quantised export) need a re-index.
    other = CachedEmbeddings(_Unused(), identity=f"local:{MODEL}@onnx", runtime="onnx")
    with pytest.raises(IndexMismatchError, match="assistant reindex"):
        NewsIndex(settings, other)


def test_index_made_before_runtimes_were_recorded(settings):
    """Old collections hold only the model; a local one was built with sentence-transformers."""
    from assistant.index import embedding_record_of

    assert embedding_record_of({"embedding_model": f"local:{MODEL}"})["embedding_runtime"] == "sentence-transformers"
    assert embedding_record_of({"embedding_model": "openai:text-embedding-3-small"})["embedding_runtime"] == "openai"
    assert embedding_record_of(None) == {"embedding_model": "", "embedding_runtime": ""}


# ---- what each CLI command imports ---------------------------------------------------------------

# The chunker (assistant.chunking), not langchain_text_splitters: langchain_core's own
# messages module imports the latter's base (0.7 ms) whenever a chat model class loads.
HEAVY = {"torch", "sentence_transformers", "transformers", "gradio", "assistant.chunking", "llama_cpp"}


def imported_by(args: list[str], data_dir: Path) -> set[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "assistant.cli", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    names = {m.split(".")[0] for m in modules} | {m for m in modules if m.startswith(("assistant.", "langchain_core."))}
    assert names, proc.stderr[-2000:]
    return names


@pytest.mark.parametrize("args, also_absent", [
    (["docs"], {"chromadb", "langchain_chroma", "onnxruntime", "openai"}),
    (["--help"], {"chromadb", "sqlalchemy", "onnxruntime"}),
])
def test_cli_commands_import_only_what_they_use(tmp_path, args, also_absent):
    found = imported_by(args, tmp_path / "data")
    assert not (HEAVY | also_absent) & found, (HEAVY | also_absent) & found


@pytest.mark.slow
@pytest.mark.parametrize("args, also_absent", [
    # info describes the chat model (the bundled GGUF's path) without LangChain's chat-model base
    (["info"], {"langsmith", "langchain_core.runnables", "assistant.models"}),
    (["delete", "no-such-id"], set()),  # LangChain's record manager forgets the deleted chunks
])
def test_commands_that_open_the_index_load_no_model(tmp_path, args, also_absent, onnx_embedder):
    """They open the index, which needs the embedding model's identity: read from the cached
    export's manifest (the fixture makes sure it exists; the very first use of a new cache
    exports the model once, with torch), never by loading a runtime."""
    found = imported_by(args, tmp_path / "data")
    unwanted = HEAVY | {"onnxruntime"} | also_absent
    assert not unwanted & found, unwanted & found


@pytest.mark.slow
def test_ask_with_the_onnx_runtime_never_imports_torch(tmp_path):
    found = imported_by(["ask", "--json", "What did Wang Yi ask of the Taliban?"], tmp_path / "data")
    assert "onnxruntime" in found
    assert not {"torch", "sentence_transformers", "transformers", "gradio", "assistant.chunking"} & found


@pytest.mark.slow
def test_a_quoted_answer_builds_no_chat_model_and_imports_no_langchain_runnables(sample_bot):
    """The bundled model quotes (answer.generate auto), so a question builds no chat model, and
    nothing on its path imports LangChain's runnables, tracers or langsmith: 0.6-0.8 s of every
    cold `assistant ask` before the parts became plain classes (langchain_adapters.py)."""
    found = imported_by(["ask", "--json", "What did Wang Yi ask of the Taliban?"], sample_bot.settings.data_dir)
    assert {"assistant.short_answer", "onnxruntime", "chromadb"} <= found  # the whole answer path ran
    unwanted = {"langchain_core.runnables", "langchain_core.language_models", "langchain_core.prompts",
                "langchain_core.embeddings", "langchain_core.vectorstores", "langchain_core.retrievers",
                "langsmith", "langchain_chroma", "assistant.models", "assistant.langchain_adapters", *HEAVY}
    assert not unwanted & found, unwanted & found


# ---- the ingest pipeline's reader ----------------------------------------------------------------

@pytest.mark.parametrize("items, depth", [(list(range(50)), 1), (list(range(50)), 3), ([], 2)])
def test_prefetch_keeps_order_and_stays_at_most_depth_ahead(items, depth):
    produced = []

    def source():
        for item in items:
            produced.append(item)
            yield item

    out = []
    for item in prefetch(source(), depth):
        time.sleep(0.002)
        # queue (depth) + one the reader holds while the queue is full + the one just handed over
        assert len(produced) - len(out) <= depth + 2
        out.append(item)
    assert out == items


def test_prefetch_raises_reader_errors_and_stops_when_the_writer_stops():
    def failing():
        yield 1
        raise ValueError("bad file")

    with pytest.raises(ValueError, match="bad file"):
        list(prefetch(failing(), 2))

    before = threading.active_count()
    stream = prefetch(iter(range(10**9)), 2)
    assert next(stream) == 0
    stream.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
