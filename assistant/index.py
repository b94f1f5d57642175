"""The index: Chroma (vectors) and the catalog (documents, chunks, keyword index) kept in step.

LangChain's indexing API drives it (as a VectorStore: langchain_adapters.py) together with a
SQLRecordManager: that API decides what to add, skip and clean up; this class makes each write
reach both stores or neither. It is not itself a LangChain class: a question would pay for
LangChain's runnables on import (see langchain_adapters.py).

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from langchain_core.documents import Document

from assistant.catalog import Catalog, ChunkRow, make_engine
from assistant.embedders import CachedEmbeddings
from assistant.errors import IndexMismatchError, StoreUnavailableError
from assistant.settings import Settings
from assistant.types import Filters
from assistant.vectors import ChromaVectors, chroma_where, embedding_record_of

__all__ = ["IndexMismatchError", "NewsIndex", "StoreUnavailableError", "WriteLock", "chroma_where",
           "embedding_record_of", "ensure_private_dir"]


def ensure_private_dir(path: Path) -> None:
    """Data directories hold everyone's articles: user-only permissions."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)


class WriteLock:
    """One writer at a time: threads in this process (re-entrant), and processes sharing
    data_dir (an flock on data_dir/.write.lock; a server store relies on the catalog's lock)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                if self._depth > 1 or self.path is None:
                    yield
                    return
                with open(self.path, "a") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                self._depth -= 1


class NewsIndex:
    def __init__(self, settings: Settings, embeddings: CachedEmbeddings):
        self.settings = settings
        self.embedder = embeddings
        ensure_private_dir(settings.data_dir)
        self.engine = make_engine(settings.catalog_url)
        self.catalog = Catalog(self.engine)
        self.vectors = ChromaVectors(settings, embeddings)
        embedded = settings.store.backend == "embedded"
        self._write_lock = WriteLock(settings.data_dir / ".write.lock" if embedded else None)
        self.recover()

    @cached_property
    def record_manager(self):
        """LangChain's record of what is indexed (its indexing API decides what to add, skip and
        clean up). Built on first use: importing it costs about 0.4 s that a question never needs."""
        from langchain_classic.indexes import SQLRecordManager

        manager = SQLRecordManager(namespace=f"chroma/{self.settings.store.collection}", engine=self.engine)
        manager.create_schema()
        return manager

    @property
    def collection(self):
        """The Chroma collection (tests and benchmarks inspect it)."""
        return self.vectors.collection

    @property
    def built_with(self) -> dict[str, str]:
        return self.vectors.built_with

    # ---- writes (LangChain's index() calls them through langchain_adapters.NewsVectorStore) --
    def embed_text(self, chunk: Document) -> str:
        """What is embedded for a chunk: its title as context, then the verbatim text."""
        if self.settings.chunking.embed_title and chunk.metadata.get("title"):
            return f"{chunk.metadata['title']}\n{chunk.page_content}"
        return chunk.page_content

    def add_documents(self, documents: list[Document], ids: list[str] | None = None,
                      sources: dict[str, Document] | None = None,
                      vectors: dict[str, list[float]] | None = None) -> list[str]:
        """Write chunks to Chroma and the catalog. ``sources`` maps doc_id -> whole Document
        (its text is kept so citations can show the passage in context); ``vectors`` holds
        vectors already computed by this index's embedder, by embedded text (ingest.py
        embeds a batch while the one before is written); the rest are embedded here."""
        ids = ids or [d.id for d in documents]
        if any(i is None for i in ids):
            raise ValueError("NewsIndex needs chunk ids (LangChain's index() provides them)")
        with self.writing():
            committed = self.catalog.committed(ids)
            todo = [(i, d) for i, d in zip(ids, documents, strict=True) if i not in committed]
            if todo:
                texts = [self.embed_text(d) for _, d in todo]
                given = vectors or {}
                missing = [t for t in dict.fromkeys(texts) if t not in given]
                fresh = dict(zip(missing, self.embedder.embed_chunks(missing), strict=True)) if missing else {}
                embedded = [given[t] if t in given else fresh[t] for t in texts]
                self.catalog.journal([i for i, _ in todo], "add")
                self.vectors.upsert([i for i, _ in todo], embedded, [d.metadata for _, d in todo],
                                    [d.page_content for _, d in todo])
            docs = {k: {**v.metadata, "text": v.page_content} for k, v in (sources or {}).items()}
            self.catalog.commit_chunks(
                [(i, d.metadata, d.page_content) for i, d in zip(ids, documents, strict=True)],
                docs, index_title=self.settings.chunking.embed_title,
            )
        return ids

    def delete(self, ids: Sequence[str] | None = None) -> bool:
        if not ids:
            return True
        with self.writing():
            self.catalog.journal(ids, "delete")
            self.catalog.remove_chunks(ids)
            self.vectors.delete(ids)
            self.catalog.clear_journal(ids)
        return True

    # ---- searches ---------------------------------------------------------------------
    def dense_search(self, vector: list[float], k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """[(chunk_id, cosine similarity)], best first, committed chunks only."""
        # The catalog's chunk count, not collection.count(): that one scans, and grows with the index.
        if k <= 0 or self.catalog.stats()[0] == 0:
            return []
        return self.vectors.search(vector, k, filters)

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
            out.append(chunk_document(row, docs[row.doc_id], texts[row.doc_id]))
        return out

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
            self.vectors.delete(orphans)
            self.catalog.clear_journal(ids)
        return len(stale)

    def reset(self) -> None:
        """Empty the whole index (for re-indexing with new settings)."""
        with self.writing():
            self.delete(self.catalog.all_chunk_ids())
            self.record_manager.delete_keys(self.record_manager.list_keys())
            self.vectors.reset()

    def count(self) -> dict[str, int]:
        n_chunks, _ = self.catalog.stats()
        return {"documents": len(self.catalog.list_documents()), "chunks": n_chunks, "vectors": self.vectors.count()}

    def writing(self):
        """One writer at a time (see WriteLock)."""
        return self._write_lock.held()


def chunk_document(row: ChunkRow, doc, text: str) -> Document:
    """A committed chunk as a Document: its text sliced from the stored article, with the
    article's metadata and the text just before it."""
    return Document(
        id=row.chunk_id,
        page_content=text[row.start : row.end],
        metadata={"chunk_id": row.chunk_id, "doc_id": row.doc_id, "chunk_index": row.chunk_index,
                  "start": row.start, "end": row.end, "title": doc.title, "date": doc.date,
                  "section": doc.section, "source": doc.source, "url": doc.url,
                  # The text just before the chunk: who "he" is in its first sentence.
                  "before": text[max(0, row.start - 400) : row.start]},
    )
