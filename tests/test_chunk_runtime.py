"""Chunk vectors on a runtime of their own (settings ``embeddings.chunk_runtime``; by default
int8 beside fp32 ONNX): ingest and reindex embed chunks with it, while questions and evidence
sentences stay on the exact runtime. Both are one vector space (the int8 model approximates the
fp32 one: RealTime QA dev hit@5 within 0.01, ``bench/int8_mixed_retrieval.py``), so the index
identity is shared, an index made before keeps working, and its record lists both runtimes."""

from __future__ import annotations

import numpy as np
import pytest

import assistant.embedders as embedders
from assistant.embedders import CachedEmbeddings
from assistant.embeddings import EmbeddingModelError
from assistant.errors import ModelError
from assistant.settings import EmbeddingSettings

MODEL = "all-MiniLM-L6-v2"


class Recorder:
    """A model that says which one computed each vector (dimension 4, unit length)."""

    def __init__(self, name: str, log: list):
        self.name, self.log = name, log

    def embed_documents(self, texts):
        self.log.append((self.name, list(texts)))
        return [list(np.eye(4)[len(t) % 4]) for t in texts]

    def embed_query(self, text):
        return self.embed_documents([text])[0]


def test_chunks_go_to_the_chunk_model_built_once_on_first_use():
    log: list = []
    built: list = []

    def chunk_model():
        built.append(1)
        return Recorder("int8", log)

    emb = CachedEmbeddings(Recorder("fp32", log), identity=f"local:{MODEL}", runtime="onnx",
                           chunks=chunk_model, chunk_runtime="onnx-int8:matmul-pc")
    emb.embed_query("Who won?")
    emb.embed_texts(["An evidence sentence."])
    emb.embed_documents(["LangChain's documents are the exact runtime's."])
    assert built == [] and {name for name, _ in log} == {"fp32"}  # questions never build it
    emb.embed_chunks(["chunk one", "chunk two"])
    emb.embed_chunks(["chunk three"])
    assert built == [1]
    assert [(n, t) for n, t in log if n == "int8"] == [("int8", ["chunk one", "chunk two"]),
                                                        ("int8", ["chunk three"])]
    assert emb.identity == f"local:{MODEL}" and emb.chunk_runtime == "onnx-int8:matmul-pc"


def test_without_a_chunk_model_chunks_use_the_runtime_itself():
    log: list = []
    emb = CachedEmbeddings(Recorder("st", log), identity=f"local:{MODEL}", runtime="sentence-transformers")
    emb.embed_chunks(["a chunk"])
    assert log == [("st", ["a chunk"])] and emb.chunk_runtime == "sentence-transformers"


def test_a_chunk_model_that_cannot_be_made_is_a_model_error_naming_the_setting():
    def broken():  # as ensure_int8_model words it: its own way out is another runtime
        raise EmbeddingModelError("quantising /cache/model.onnx failed; set ASSISTANT_EMBEDDINGS__RUNTIME=onnx")

    emb = CachedEmbeddings(Recorder("fp32", []), identity=f"local:{MODEL}", runtime="onnx", chunks=broken,
                           chunk_runtime="onnx-int8:matmul-pc")
    with pytest.raises(ModelError, match=r"model.onnx failed.*ASSISTANT_EMBEDDINGS__CHUNK_RUNTIME=same") as caught:
        emb.embed_chunks(["a chunk"])
    assert not isinstance(caught.value, EmbeddingModelError)
    assert emb.embed_query("still answers") == list(np.eye(4)[len("still answers") % 4])


@pytest.mark.parametrize("runtime, chunk_runtime, expected, why", [
    ("onnx", "onnx-int8", "onnx-int8:matmul-pc", "the default: int8 chunks beside fp32 questions"),
    ("onnx", "same", "onnx", "opted out: chunks on the runtime itself"),
    ("sentence-transformers", "onnx-int8", "sentence-transformers", "the reference runtime stays pure"),
    ("onnx-int8", "onnx-int8", "onnx-int8", "already int8 everywhere (its own space)"),
])
def test_which_runtime_computes_chunk_vectors(monkeypatch, runtime, chunk_runtime, expected, why):
    monkeypatch.setattr(embedders, "OnnxEmbeddings", _fake("FakeOnnx", "onnx"))
    monkeypatch.setattr(embedders, "Int8OnnxEmbeddings", _fake("FakeInt8", "onnx-int8"))
    monkeypatch.setattr(embedders, "SentenceTransformerEmbeddings", _fake("FakeST", "sentence-transformers"))
    emb = embedders._build_local_embeddings(EmbeddingSettings(runtime=runtime, chunk_runtime=chunk_runtime))
    assert emb.runtime == runtime, why
    assert emb.chunk_runtime == expected, why
    assert (emb._chunks_factory is not None) == expected.startswith("onnx-int8:"), why
    assert emb.inner.args[2 if runtime == "sentence-transformers" else 3] == 16, "local runtimes batch 16"
    if emb._chunks_factory is not None:
        assert emb.chunk_model().sessions == min(embedders.usable_cores(), embedders.MAX_CHUNK_SESSIONS)
        assert emb.chunk_model().args[3] == embedders.CHUNK_BATCH == 1, "int8 chunks: one text per batch"


@pytest.mark.parametrize("threads, expected, why", [
    (None, None, "one single-threaded session per usable core, at most MAX_CHUNK_SESSIONS"),
    (1, 1, "the threads setting caps ingest too"),
    (6, 6, "asked for explicitly"),
])
def test_chunk_sessions(monkeypatch, threads, expected, why):
    monkeypatch.setattr(embedders, "OnnxEmbeddings", _fake("FakeOnnx", "onnx"))
    monkeypatch.setattr(embedders, "Int8OnnxEmbeddings", _fake("FakeInt8", "onnx-int8"))
    monkeypatch.setattr(embedders, "usable_cores", lambda: 64)
    emb = embedders._build_local_embeddings(EmbeddingSettings(threads=threads))
    assert emb.chunk_model().sessions == (expected or embedders.MAX_CHUNK_SESSIONS), why


@pytest.mark.parametrize("recipe, allowed, why", [
    ("matmul-pc", True, "the default: mean cosine 0.995 to fp32"),
    ("matmul-pc-ends", True, "0.997"),
    ("matmul-u8", False, "0.981: too far to share an index with fp32 vectors"),
    ("all", False, "per-tensor weights, 0.955"),
])
def test_only_recipes_measured_close_to_fp32_may_fill_an_fp32_index(monkeypatch, recipe, allowed, why):
    monkeypatch.setattr(embedders, "OnnxEmbeddings", _fake("FakeOnnx", "onnx"))
    settings = EmbeddingSettings(int8_recipe=recipe)
    if allowed:
        assert embedders._build_local_embeddings(settings).chunk_runtime == f"onnx-int8:{recipe}", why
    else:
        with pytest.raises(ModelError, match=r"INT8_RECIPE.*CHUNK_RUNTIME=same"):
            embedders._build_local_embeddings(settings)
    # As the whole runtime (its own index identity) every recipe stays allowed.
    monkeypatch.setattr(embedders, "Int8OnnxEmbeddings", _fake("FakeInt8", "onnx-int8"))
    assert embedders._build_local_embeddings(EmbeddingSettings(runtime="onnx-int8", int8_recipe=recipe))


def test_server_embeddings_batch_32_by_default():
    assert EmbeddingSettings(backend="openai").batch == 32
    assert EmbeddingSettings().batch == 16
    assert EmbeddingSettings(backend="openai", batch_size=8).batch == 8


def _fake(name: str, runtime: str):
    def init(self, *args, sessions: int = 1, **kwargs):
        self.args, self.sessions, self.runtime, self.identity = args, sessions, runtime, f"local:{MODEL}"

    return type(name, (), {"__init__": init})


def test_an_index_lists_every_runtime_that_filled_it(settings):
    """An index of fp32 chunks opens with int8 chunk vectors on (same space), and its record
    then names both; a second write with the same runtimes leaves the record as it is."""
    from langchain_core.documents import Document

    from assistant.index import NewsIndex

    log: list = []
    fp32 = CachedEmbeddings(Recorder("fp32", log), identity=f"local:{MODEL}", runtime="onnx")
    index = NewsIndex(settings, fp32)
    assert index.built_with == {"embedding_model": f"local:{MODEL}", "embedding_runtime": "onnx"}

    def chunk(n: int) -> Document:
        return Document(page_content=f"Chunk number {n} of the story.", id=f"d1:{n}",
                        metadata={"doc_id": "d1", "title": "Story", "path": "/story.txt", "chunk_index": n,
                                  "start": 0, "end": 10})

    story = Document(page_content="Chunk number 1 of the story.", metadata={"doc_id": "d1", "title": "Story",
                                                                             "path": "/story.txt"})
    index.add_documents([chunk(0)], sources={"d1": story})
    mixed = CachedEmbeddings(Recorder("fp32", log), identity=f"local:{MODEL}", runtime="onnx",
                             chunks=lambda: Recorder("int8", log), chunk_runtime="onnx-int8:matmul-pc")
    index = NewsIndex(settings, mixed)  # no IndexMismatchError: one space
    index.add_documents([chunk(1)], sources={"d1": story})
    assert [name for name, _ in log] == ["fp32", "int8"]
    expected = {"embedding_model": f"local:{MODEL}", "embedding_runtime": "onnx, onnx-int8:matmul-pc"}
    assert index.built_with == expected
    index.add_documents([chunk(2)], sources={"d1": story})
    assert NewsIndex(settings, mixed).built_with == expected


@pytest.mark.slow
def test_several_single_threaded_sessions_give_the_same_vectors():
    """Ingest's chunk model runs one single-threaded session per core, taking batches in turn:
    the batches are the same, so are the vectors (and in the callers' order)."""
    from assistant.cache import default_cache_dir
    from assistant.embeddings import CHECK_TEXTS, OnnxEncoder, SentenceConfig, ensure_int8_model, ensure_onnx_model
    from assistant.resources import bundled_embedding_model

    model_dir = bundled_embedding_model()
    fp32 = ensure_onnx_model(model_dir, default_cache_dir(), MODEL)
    int8 = ensure_int8_model(fp32, model_dir, default_cache_dir(), MODEL, EmbeddingSettings().int8_recipe)
    config = SentenceConfig.read(model_dir)
    texts = [f"{i}: {t}" for i, t in enumerate(CHECK_TEXTS * 4)]
    many = OnnxEncoder(int8.path, model_dir, config, threads=None, sessions=3)
    assert len(many.sessions) == 3
    for batch in (4, 1):
        one = OnnxEncoder(int8.path, model_dir, config, threads=2).encode(texts, batch_size=batch)
        parallel = many.encode(texts, batch_size=batch)
        assert parallel.shape == one.shape
        assert (parallel * one).sum(axis=1).min() > 0.9999
    assert many.encode([], batch_size=1).shape == (0, 384)
    alone = many.encode([texts[3]], batch_size=1)[0]
    assert float(alone @ many.encode(texts, batch_size=1)[3]) > 0.99999  # one text per batch: no batch mates


@pytest.mark.slow
def test_the_default_ingest_stores_int8_chunk_vectors_and_answers_with_fp32_questions(sample_bot):
    """The bundled samples, ingested with the default settings: every stored vector is the int8
    model's for its text, whatever its batch mates were (one text per batch), nearer to it than
    to the fp32 one; the record says so, and the questions run on fp32."""
    emb = sample_bot.embeddings
    assert emb.runtime == "onnx" and emb.chunk_runtime == f"onnx-int8:{EmbeddingSettings().int8_recipe}"
    assert sample_bot.index.built_with["embedding_runtime"] == emb.chunk_runtime
    stored = sample_bot.index.collection.get(include=["embeddings"], limit=40)
    chunks = sample_bot.index.chunks(stored["ids"])
    texts = [sample_bot.index.embed_text(c) for c in chunks]
    int8 = np.asarray(emb.chunk_model().embed_documents(texts[::-1]))[::-1]  # other neighbours
    fp32 = np.asarray(emb.inner.embed_documents(texts))
    vectors = np.asarray(stored["embeddings"])
    to_int8, to_fp32 = (vectors * int8).sum(axis=1), (vectors * fp32).sum(axis=1)
    assert to_int8.min() > 0.99999 and (to_int8 > to_fp32).all()
    answer = sample_bot.ask("What did Wang Yi ask of the Taliban?")
    assert "East Turkestan" in answer.answer
