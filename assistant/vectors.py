"""The vector side of the index: one Chroma collection (embedded or a server, chosen by
``store.backend``) that remembers which embeddings built it, with Chroma's errors turned into
one message naming the settings. The catalog, not this collection, says which vectors are
committed (see index.py's write protocol)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from assistant.embedders import CachedEmbeddings
from assistant.errors import IndexMismatchError, StoreUnavailableError
from assistant.settings import Settings
from assistant.types import Filters


def _import_chromadb():
    """``import chromadb`` without the ``overrides`` package's import-time signature checks.

    chromadb marks about 160 methods ``@override``; at class creation that decorator walks the
    caller's bytecode with ``dis`` to find the base classes and compares signatures, which is
    0.16 s of the 0.55-0.7 s import (median of 4 interleaved runs, 2-core machine; cProfile puts
    0.6 s of a profiled question in ``overrides``). It checks chromadb's own code against itself
    and changes nothing at run time (chromadb never asks for ``check_at_runtime``), so for the
    length of the import the decorator only marks the method, as it would after the checks.
    tests/test_vectors.py checks the import still gives a working client."""
    import sys

    if "chromadb" in sys.modules:
        return sys.modules["chromadb"]
    import overrides  # this runs once, while vectors.py is imported (under the import lock)

    saved = overrides.override, overrides.overrides

    def mark(method=None, **_options):
        if method is None:
            return mark
        method.__override__ = True
        return method

    overrides.override = overrides.overrides = mark
    try:
        import chromadb
    finally:
        overrides.override, overrides.overrides = saved
    return chromadb


chromadb = _import_chromadb()
from chromadb.config import Settings as ChromaSettings  # noqa: E402


def _embedded_client(settings: Settings) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(
        path=str(settings.chroma_dir),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )


def _server_client(settings: Settings) -> chromadb.ClientAPI:
    s = settings.store
    headers = {"Authorization": f"Bearer {s.token.get_secret_value()}"} if s.token else None
    try:
        return chromadb.HttpClient(
            host=s.host, port=s.port, ssl=s.ssl, headers=headers,
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except Exception as exc:  # chromadb raises several types for an unreachable server
        scheme = "https" if s.ssl else "http"
        raise StoreUnavailableError(
            f"cannot reach the Chroma server at {scheme}://{s.host}:{s.port} "
            f"(check ASSISTANT_STORE__HOST / __PORT / __SSL / __TOKEN): {type(exc).__name__}"
        ) from None


CHROMA_CLIENTS: dict[str, Callable[[Settings], chromadb.ClientAPI]] = {
    "embedded": _embedded_client,
    "server": _server_client,
}


class ChromaVectors:
    def __init__(self, settings: Settings, embedder: CachedEmbeddings):
        self.settings = settings
        self.embedder = embedder
        self.client = CHROMA_CLIENTS[settings.store.backend](settings)
        self._open()
        built, name = self.built_with, settings.store.collection
        if built["embedding_model"] and built["embedding_model"] != embedder.identity:
            raise IndexMismatchError(
                f"the index '{name}' was built with embeddings '{built['embedding_model']}' "
                f"({built['embedding_runtime']}) but the settings select '{embedder.identity}' "
                f"({embedder.runtime}), whose vectors differ. Re-index with `assistant reindex`, or use "
                f"another collection (ASSISTANT_STORE__COLLECTION)."
            )

    def _open(self) -> None:
        name = self.settings.store.collection
        with self.errors():
            self.collection = self.client.get_or_create_collection(
                name=name,
                embedding_function=None,  # never Chroma's default: it downloads a model
                metadata=_embedding_record(self.embedder),
                configuration={"hnsw": {"space": "cosine"}},
            )
        self.built_with = embedding_record_of(self.collection.metadata)

    def upsert(self, ids: list[str], vectors: list[list[float]], metadatas: list[dict], texts: list[str]) -> None:
        self._record_runtime()
        step = self.client.get_max_batch_size()
        for lo in range(0, len(ids), step):
            with self.errors():
                self.collection.upsert(ids=ids[lo : lo + step], embeddings=vectors[lo : lo + step],
                                       metadatas=[_chroma_metadata(m) for m in metadatas[lo : lo + step]],
                                       documents=texts[lo : lo + step])

    def _record_runtime(self) -> None:
        """An index filled by more than one runtime of its space (e.g. fp32 chunks from before
        ``embeddings.chunk_runtime``, int8 ones after) lists them all, so ``assistant info``
        tells what computed its vectors."""
        runtime = self.embedder.chunk_runtime
        recorded = self.built_with["embedding_runtime"]
        if runtime in recorded.split(", "):
            return
        merged = {**(self.collection.metadata or {}), "embedding_runtime": ", ".join(
            x for x in (recorded, runtime) if x)}
        with self.errors():
            self.collection.modify(metadata=merged)
        self.built_with = embedding_record_of(merged)

    def delete(self, ids: Sequence[str]) -> None:
        with self.errors():
            step = self.client.get_max_batch_size()
            for lo in range(0, len(ids), step):
                self.collection.delete(ids=list(ids[lo : lo + step]))

    def search(self, vector: list[float], k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """[(chunk_id, cosine similarity)], best first (committed or not: the caller filters)."""
        with self.errors():
            hits = self.collection.query(query_embeddings=[vector], n_results=k, where=chroma_where(filters),
                                         include=["distances"])
        # The collection's space is cosine: distance = 1 - cosine similarity.
        return [(cid, 1.0 - float(d)) for cid, d in zip(hits["ids"][0], hits["distances"][0], strict=True)]

    def reset(self) -> None:
        """Drop the collection and open a new, empty one (re-indexing with new settings)."""
        with self.errors():
            self.client.delete_collection(self.settings.store.collection)
        self._open()

    def count(self) -> int:
        return self.collection.count()

    @contextmanager
    def errors(self) -> Iterator[None]:
        """A Chroma server that goes away mid-session -> one clear error naming the settings.
        (A write it interrupts is rolled back by the journal on the next start.)"""
        if self.settings.store.backend != "server":
            yield
            return
        try:
            yield
        except (IndexMismatchError, StoreUnavailableError):
            raise
        except Exception as exc:
            s = self.settings.store
            raise StoreUnavailableError(
                f"the Chroma server at {'https' if s.ssl else 'http'}://{s.host}:{s.port} failed "
                f"({type(exc).__name__}); check that it is running (ASSISTANT_STORE__HOST / __PORT)") from None


def _embedding_record(embeddings: CachedEmbeddings) -> dict[str, str]:
    """What a new collection remembers about the embeddings that fill it. ``embedding_model``
    names the vector space: runtimes whose vectors match (the ONNX export is checked against
    sentence-transformers, see embeddings.py) share it; any other change needs a re-index."""
    return {"embedding_model": embeddings.identity, "embedding_runtime": embeddings.chunk_runtime}


def embedding_record_of(metadata: dict | None) -> dict[str, str]:
    """The record of an existing collection. Collections made before runtimes were recorded
    hold only the model: a local one was built with sentence-transformers, the only local
    runtime then."""
    meta = metadata or {}
    model = meta.get("embedding_model") or ""
    runtime = meta.get("embedding_runtime") or ("sentence-transformers" if model.startswith("local:") else
                                                "openai" if model.startswith("openai:") else "")
    return {"embedding_model": model, "embedding_runtime": runtime}


def _chroma_metadata(meta: dict) -> dict:
    """Chroma keeps what filters need; None values are not allowed there."""
    keep = ("doc_id", "title", "date", "date_int", "section", "source", "url", "chunk_index", "start", "end")
    return {k: meta[k] for k in keep if meta.get(k) is not None}


def chroma_where(filters: Filters | None) -> dict | None:
    """Filters as a Chroma where-clause (``catalog.sql_conditions`` is the SQL translation).
    Dates are compared as the integer YYYYMMDD each chunk carries in ``date_int``."""
    if not filters:
        return None
    clauses: list[dict] = []
    if filters.date_from:
        clauses.append({"date_int": {"$gte": int(filters.date_from.replace("-", ""))}})
    if filters.date_to:
        clauses.append({"date_int": {"$lte": int(filters.date_to.replace("-", ""))}})
    if filters.source:
        clauses.append({"source": filters.source})
    if filters.section:
        clauses.append({"section": filters.section})
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": list(filters.doc_ids)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
