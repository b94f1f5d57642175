"""The index: Chroma (vectors) and the catalog (documents, chunks, keyword index) kept in step.

``NewsIndex`` is a LangChain VectorStore, so LangChain's indexing API drives it together
with a SQLRecordManager: that API decides what to add, skip and clean up; this class makes
each write reach both stores or neither.

Write protocol (why a crash never leaves a half-indexed document):
1. journal the chunk ids ("add"), 2. upsert vectors into Chroma, 3. in one SQL transaction
insert chunk rows + keyword postings + document rows and clear the journal.
Retrieval only sees chunks that have rows, so vectors from an interrupted write are
invisible, and ``recover()`` (run on open) deletes them. Deletes run the other way round.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_classic.indexes import SQLRecordManager
from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore

from assistant.catalog import Catalog, ChunkRow, Filters, make_engine
from assistant.errors import IndexMismatchError, StoreUnavailableError
from assistant.models import CachedEmbeddings
from assistant.settings import Settings


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


def ensure_private_dir(path: Path) -> None:
    """Data directories hold everyone's articles: user-only permissions."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)


class NewsIndex(VectorStore):
    def __init__(self, settings: Settings, embeddings: CachedEmbeddings):
        self.settings = settings
        self.embedder = embeddings
        ensure_private_dir(settings.data_dir)
        self.engine = make_engine(settings.catalog_url)
        self.catalog = Catalog(self.engine)
        self.client = CHROMA_CLIENTS[settings.store.backend](settings)
        name = settings.store.collection
        self.collection = self.client.get_or_create_collection(
            name=name,
            embedding_function=None,  # never Chroma's default: it downloads a model
            metadata=_embedding_record(embeddings),
            configuration={"hnsw": {"space": "cosine"}},
        )
        self.built_with = built_with = embedding_record_of(self.collection.metadata)
        if built_with["embedding_model"] and built_with["embedding_model"] != embeddings.identity:
            raise IndexMismatchError(
                f"the index '{name}' was built with embeddings '{built_with['embedding_model']}' "
                f"({built_with['embedding_runtime']}) but the settings select '{embeddings.identity}' "
                f"({embeddings.runtime}), whose vectors differ. Re-index with `assistant reindex`, or use "
                f"another collection (ASSISTANT_STORE__COLLECTION)."
            )
        self.dense = Chroma(client=self.client, collection_name=name, embedding_function=embeddings)
        self.record_manager = SQLRecordManager(namespace=f"chroma/{name}", engine=self.engine)
        self.record_manager.create_schema()
        self._lock = threading.RLock()
        self._depth = 0
        self.recover()

    # ---- VectorStore interface used by LangChain's index() -------------------------
    @property
    def embeddings(self) -> CachedEmbeddings:
        return self.embedder

    def embed_text(self, chunk: Document) -> str:
        """What is embedded for a chunk: its title as context, then the verbatim text."""
        if self.settings.chunking.embed_title and chunk.metadata.get("title"):
            return f"{chunk.metadata['title']}\n{chunk.page_content}"
        return chunk.page_content

    def add_documents(self, documents: list[Document], ids: list[str] | None = None,
                      sources: dict[str, Document] | None = None, **kwargs: Any) -> list[str]:
        """Write chunks to Chroma and the catalog. ``sources`` maps doc_id -> whole Document
        (its text is kept so citations can show the passage in context)."""
        ids = ids or [d.id for d in documents]
        if any(i is None for i in ids):
            raise ValueError("NewsIndex needs chunk ids (LangChain's index() provides them)")
        with self.writing():
            committed = self.catalog.committed(ids)
            todo = [(i, d) for i, d in zip(ids, documents, strict=True) if i not in committed]
            if todo:
                vectors = self.embedder.embed_documents([self.embed_text(d) for _, d in todo])
                self.catalog.journal([i for i, _ in todo], "add")
                step = self.client.get_max_batch_size()
                for lo in range(0, len(todo), step):
                    part = todo[lo : lo + step]
                    with self.store_errors():
                        self.collection.upsert(
                            ids=[i for i, _ in part],
                            embeddings=vectors[lo : lo + step],
                            metadatas=[_chroma_metadata(d.metadata) for _, d in part],
                            documents=[d.page_content for _, d in part],
                        )
            docs = {k: {**v.metadata, "text": v.page_content} for k, v in (sources or {}).items()}
            self.catalog.commit_chunks(
                [(i, d.metadata, d.page_content) for i, d in zip(ids, documents, strict=True)],
                docs, index_title=self.settings.chunking.embed_title,
            )
        return ids

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        if not ids:
            return True
        with self.writing():
            self.catalog.journal(ids, "delete")
            self.catalog.remove_chunks(ids)
            self._chroma_delete(ids)
            self.catalog.clear_journal(ids)
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return self.chunks(ids)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        hits = self.dense_search(self.embedder.embed_query(query), k, kwargs.get("filters"))
        return self.chunks([i for i, _ in hits])

    @classmethod
    def from_texts(cls, texts, embedding, metadatas=None, **kwargs):  # type: ignore[override]
        raise NotImplementedError("build a NewsIndex from Settings and add files with Assistant.ingest")

    # ---- searches ---------------------------------------------------------------------
    def dense_search(self, vector: list[float], k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """[(chunk_id, cosine similarity)], best first, committed chunks only."""
        # The catalog's chunk count, not collection.count(): that one scans, and grows with the index.
        if k <= 0 or self.catalog.stats()[0] == 0:
            return []
        where = chroma_where(filters)
        with self.store_errors():
            hits = self.dense.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)
        return [(doc.id, 1.0 - float(distance)) for doc, distance in hits if doc.id]

    def keyword_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        r = self.settings.retrieval
        return self.catalog.keyword_search(query, k, filters, k1=r.bm25_k1, b=r.bm25_b, max_df=r.keyword_max_df)

    def chunks(self, ids: Sequence[str]) -> list[Document]:
        """Committed chunks as Documents, text sliced from their stored document, in id order."""
        rows = self.catalog.chunk_rows(ids)
        docs = {d.doc_id: d for d in self.catalog.list_documents(doc_ids=list({r.doc_id for r in rows.values()}))}
        texts = self.catalog.document_text(list(docs))
        out = []
        for chunk_id in ids:
            row = rows.get(chunk_id)
            if row is None or row.doc_id not in docs:
                continue  # not committed (an interrupted write) or since deleted
            out.append(self._chunk_doc(row, docs[row.doc_id], texts[row.doc_id]))
        return out

    @staticmethod
    def _chunk_doc(row: ChunkRow, doc, text: str) -> Document:
        return Document(
            id=row.chunk_id,
            page_content=text[row.start : row.end],
            metadata={"chunk_id": row.chunk_id, "doc_id": row.doc_id, "chunk_index": row.chunk_index,
                      "start": row.start, "end": row.end, "title": doc.title, "date": doc.date,
                      "section": doc.section, "source": doc.source, "url": doc.url,
                      # The text just before the chunk: who "he" is in its first sentence.
                      "before": text[max(0, row.start - 400) : row.start]},
        )

    # ---- maintenance ------------------------------------------------------------------
    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        ids = [c.chunk_id for d in doc_ids for c in self.catalog.chunks_of(d)]
        with self.writing():
            self.delete(ids)
            self.record_manager.delete_keys(ids)
        return len(ids)

    def recover(self) -> int:
        """Roll back writes interrupted by a crash (see the module docstring)."""
        stale = self.catalog.stale_journal()
        if not stale:
            return 0
        with self.writing():
            ids = [i for i, _ in stale]
            deletes = [i for i, op in stale if op == "delete"]
            if deletes:
                self.catalog.remove_chunks(deletes)
            committed = self.catalog.committed(ids)
            orphans = [i for i in ids if i not in committed]
            self._chroma_delete(orphans)
            self.catalog.clear_journal(ids)
        return len(stale)

    def _chroma_delete(self, ids: Sequence[str]) -> None:
        with self.store_errors():
            step = self.client.get_max_batch_size()
            for lo in range(0, len(ids), step):
                self.collection.delete(ids=list(ids[lo : lo + step]))

    @contextmanager
    def store_errors(self) -> Iterator[None]:
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

    def reset(self) -> None:
        """Empty the whole index (for re-indexing with new settings)."""
        with self.writing():
            ids = self.catalog.all_chunk_ids()
            self.delete(ids)
            self.record_manager.delete_keys(self.record_manager.list_keys())
            self.client.delete_collection(self.settings.store.collection)
            self.collection = self.client.get_or_create_collection(
                name=self.settings.store.collection, embedding_function=None,
                metadata=_embedding_record(self.embedder),
                configuration={"hnsw": {"space": "cosine"}},
            )
            self.built_with = embedding_record_of(self.collection.metadata)
            self.dense = Chroma(client=self.client, collection_name=self.settings.store.collection,
                                embedding_function=self.embedder)

    def count(self) -> dict[str, int]:
        n_chunks, _ = self.catalog.stats()
        return {"documents": len(self.catalog.list_documents()), "chunks": n_chunks,
                "vectors": self.collection.count()}

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time: threads in this process, and processes sharing data_dir."""
        with self._lock:
            self._depth += 1
            try:
                if self._depth > 1 or self.settings.store.backend != "embedded":
                    yield
                    return
                with open(self.settings.data_dir / ".write.lock", "a") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                self._depth -= 1


def _embedding_record(embeddings: CachedEmbeddings) -> dict[str, str]:
    """What a new collection remembers about the embeddings that fill it. ``embedding_model``
    names the vector space: runtimes whose vectors match (the ONNX export is checked against
    sentence-transformers, see embeddings.py) share it; any other change needs a re-index."""
    return {"embedding_model": embeddings.identity, "embedding_runtime": embeddings.runtime}


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
