"""Ingest: files -> documents -> chunks -> LangChain's index() into NewsIndex, as a pipeline.

Three stages run at once: a reader thread parses and chunks the batches ahead, an encoder
thread embeds the next batch's new chunks, and this thread writes the current batch to
Chroma and the catalog (onnxruntime releases the GIL while it computes, so reading and
writing cost the encoder little). A bounded queue (``PREFETCH_BATCHES``)
between them keeps memory flat however many files there are: only the file list and a few
batches of documents are ever held, so a 100,000-article folder ingests in the memory of
a few hundred.

LangChain's indexing API with a SQL record manager does the bookkeeping: unchanged
chunks are skipped (never re-embedded), a changed file's old chunks are cleaned up
("incremental" cleanup scoped by file path). Files go in batches of whole files, so a
file's chunks are written in one index() batch and its cleanup sees all of them; the write
protocol of each batch (journal -> Chroma -> catalog, see index.py) is unchanged.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from langchain_core.documents import Document
from langchain_core.indexing import index as lc_index

from assistant.chunking import Chunker
from assistant.documents import DocumentError, LoadResult, find_files, load_file
from assistant.index import NewsIndex
from assistant.langchain_adapters import as_vector_store

Progress = Callable[[int, int, str], None]

# Batches read ahead of the writer. Two keep the writer from ever waiting on the reader
# (reading a batch takes a fraction of embedding it) and bound memory at three batches.
PREFETCH_BATCHES = 2

T = TypeVar("T")


@dataclass
class IngestReport:
    files: int = 0
    documents_added: int = 0
    documents_unchanged: int = 0
    documents_replaced: int = 0
    chunks_added: int = 0
    chunks_skipped: int = 0
    chunks_deleted: int = 0
    duplicates: list[str] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    seconds: float = 0.0
    # Ingested with a caveat (e.g. no article found in a page: its visible text was stored).
    notes: list[DocumentError] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "documents_added": self.documents_added,
            "documents_unchanged": self.documents_unchanged,
            "documents_replaced": self.documents_replaced,
            "chunks_added": self.chunks_added,
            "chunks_skipped": self.chunks_skipped,
            "chunks_deleted": self.chunks_deleted,
            "duplicates": self.duplicates,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
            "seconds": round(self.seconds, 3),
            "notes": [{"path": n.path, "note": n.reason} for n in self.notes],
        }


@dataclass
class Batch:
    """Whole files' documents with their chunks, ready to write. ``done`` counts the items
    (files, or documents for in-memory input) read so far, for progress."""

    documents: list[Document]
    chunks: list[list[Document]]
    errors: list[DocumentError]
    done: int
    label: str
    notes: list[DocumentError] = field(default_factory=list)


def change_status(before: set[str], after: set[str]) -> str:
    """What an ingest did to one file or page, from its document ids before and after."""
    if not before:
        return "added"
    return "unchanged" if after == before else "replaced"


def prefetch(items: Iterator[T], depth: int = PREFETCH_BATCHES) -> Iterator[T]:
    """Run the iterator ``items`` in a background thread, at most ``depth`` items ahead of
    the consumer. Its exceptions are raised in the consumer; if the consumer stops early
    the thread stops too."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(end)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))

    thread = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is end:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()


@dataclass
class _Failed:
    error: BaseException


class Reader:
    """Stage 1 (the reader thread): files or documents -> batches of whole files' documents
    with their chunks."""

    def __init__(self, chunker: Chunker, max_bytes: int, batch_files: int):
        self.chunker = chunker
        self.max_bytes = max_bytes
        self.batch_files = max(1, batch_files)

    def files(self, files: Sequence[Path]) -> Iterator[Batch]:
        for lo in range(0, len(files), self.batch_files):
            part = files[lo : lo + self.batch_files]
            docs: list[Document] = []
            errors: list[DocumentError] = []
            notes: list[DocumentError] = []
            for path in part:
                loaded = load_file(path, self.max_bytes)
                errors.extend(loaded.errors)
                notes.extend(loaded.notes)
                docs.extend(loaded.documents)
            batch = self._chunked(docs, errors, lo + len(part), str(part[-1]))
            batch.notes = notes
            yield batch

    def documents(self, docs: Iterable[Document], batch_docs: int) -> Iterator[Batch]:
        part: list[Document] = []
        done = 0
        for doc in docs:
            part.append(doc)
            if len(part) >= batch_docs:
                done += len(part)
                yield self._chunked(part, [], done, str(part[-1].metadata.get("path", "")))
                part = []
        if part:
            yield self._chunked(part, [], done + len(part), str(part[-1].metadata.get("path", "")))

    def _chunked(self, docs: list[Document], errors: list[DocumentError], done: int, label: str) -> Batch:
        return Batch(docs, [self.chunker.split(d) for d in docs], errors, done, label)


def known_documents(index: NewsIndex, docs: list[Document]) -> dict[str, str | None]:
    """doc_id -> path of the documents already in the library."""
    ids = [x.metadata["doc_id"] for x in docs]
    return {d.doc_id: d.path for d in index.catalog.list_documents(doc_ids=ids)} if ids else {}


def embed_new(index: NewsIndex, batch: Batch, known: dict[str, str | None]) -> dict[str, list[float]]:
    """Stage 2 (the encoder thread): vectors of the chunks of documents not in the library yet,
    by embedded text. An unchanged document's chunks are skipped by index() and never embedded;
    what is missing here (a document another batch added meanwhile) is embedded at write time."""
    texts = list(dict.fromkeys(
        index.embed_text(chunk)
        for doc, chunks in zip(batch.documents, batch.chunks, strict=True)
        if doc.metadata["doc_id"] not in known for chunk in chunks))
    return dict(zip(texts, index.embedder.embed_chunks(texts), strict=True)) if texts else {}


class Ingestor:
    def __init__(self, index: NewsIndex, chunker: Chunker, max_file_mb: int, batch_files: int):
        self.index = index
        self.reader = Reader(chunker, max_file_mb * 2**20, batch_files)

    # ---- entry points ---------------------------------------------------------------------
    def ingest_paths(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        files, errors = find_files(paths)
        report = IngestReport(files=len(files), errors=list(errors))
        self._run(self.reader.files(files), len(files), report, progress)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_documents(self, docs: Iterable[Document], progress: Progress | None = None,
                         batch_docs: int = 64, total: int | None = None) -> IngestReport:
        """Documents from memory or a stream (re-indexing, the API, other sources).
        ``metadata['path']`` scopes cleanup: a path's documents must come in one batch of
        ``batch_docs`` or fewer. ``total`` (the number of documents) is for progress only."""
        started = time.perf_counter()
        if total is None and isinstance(docs, Sequence):
            total = len(docs)
        report = IngestReport()
        paths: set[str] = set()

        def counted(stream: Iterable[Document]) -> Iterator[Document]:
            for doc in stream:
                paths.add(doc.metadata.get("path"))
                yield doc

        self._run(self.reader.documents(counted(docs), batch_docs), total or 0, report, progress)
        report.files = len(paths)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_loaded(self, loaded: Iterable[LoadResult]) -> IngestReport:
        """Documents loaded elsewhere (fetched pages, feed entries), with their errors and notes.
        Each document's ``metadata['path']`` (a URL for fetched pages) scopes its cleanup."""
        started = time.perf_counter()
        results = list(loaded)
        docs = [d for r in results for d in r.documents]
        report = self.ingest_documents(docs) if docs else IngestReport()
        report.files = len(results)
        report.errors.extend(e for r in results for e in r.errors)
        report.notes.extend(n for r in results for n in r.notes)
        report.seconds = time.perf_counter() - started
        return report

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        """Re-chunk and re-embed every stored document (after changing chunking or embeddings)."""
        catalog = self.index.catalog
        rows = catalog.list_documents()
        texts = catalog.document_text([r.doc_id for r in rows])
        docs = [
            Document(page_content=texts[r.doc_id], metadata={
                "doc_id": r.doc_id, "title": r.title, "date": r.date, "section": r.section,
                "source": r.source, "url": r.url, "path": r.path or r.doc_id})
            for r in rows
        ]
        self.index.reset()
        return self.ingest_documents(docs, progress)

    # ---- stages 2 and 3: embed the next batch (a second thread) while this one writes ------
    def _run(self, batches: Iterator[Batch], total: int, report: IngestReport, progress: Progress | None) -> None:
        """Batch n+1's new chunks are embedded while batch n is written to Chroma and the
        catalog, so the writes (about 12% of an int8 ingest: 4.9 of 40.5 s for 600 BBC
        articles) overlap the encoder instead of following it. Measured: that int8 ingest
        40.5 -> 38.2 s in a direct profile; bench/ingest_throughput.py against the previous
        commit in the same hour, 59.3 -> 60.5 chunks/s (int8) and 45.4 -> 46.0 (fp32): the
        writes also take CPU from the encoder on two cores, so little of them is hidden."""
        with contextlib.closing(prefetch(batches)) as stream, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-embed") as pool:
            ahead: tuple[Batch, Future] | None = None
            try:
                for batch in stream:
                    embedding = pool.submit(embed_new, self.index, batch, known_documents(self.index, batch.documents))
                    if ahead is not None:
                        self._finish(*ahead, report, total, progress)
                    ahead = (batch, embedding)
                if ahead is not None:
                    self._finish(*ahead, report, total, progress)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)  # a failed write stops the encoder too

    def _finish(self, batch: Batch, embedding: Future, report: IngestReport, total: int,
                progress: Progress | None) -> None:
        report.errors.extend(batch.errors)
        report.notes.extend(batch.notes)
        self._write(batch, report, embedding.result())
        if progress:
            progress(min(batch.done, total) if total else batch.done, total, batch.label)

    def _write(self, batch: Batch, report: IngestReport, vectors: dict[str, list[float]] | None = None) -> None:
        catalog = self.index.catalog
        docs = batch.documents
        # The same article under two names (or twice in one JSONL file) goes in once.
        known = {d.doc_id: d.path for d in catalog.list_documents(doc_ids=[x.metadata["doc_id"] for x in docs])}
        kept: list[Document] = []
        chunks: list[Document] = []
        seen: dict[str, str] = {}
        for doc, doc_chunks in zip(docs, batch.chunks, strict=True):
            doc_id, path = doc.metadata["doc_id"], doc.metadata["path"]
            first = seen.get(doc_id) or known.get(doc_id)
            if first is not None and first != path:
                report.duplicates.append(f"{path}: same text as {first}, skipped")
                continue
            if doc_id in seen:
                continue
            seen[doc_id] = path
            kept.append(doc)
            chunks.extend(doc_chunks)
        if not kept:
            return
        old_ids = {p: set(catalog.doc_ids_for_path(p)) for p in {d.metadata["path"] for d in kept}}
        new_ids = {d.metadata["doc_id"] for d in kept}
        report.documents_unchanged += sum(1 for d in kept if d.metadata["doc_id"] in known)
        report.documents_added += sum(1 for d in kept if d.metadata["doc_id"] not in known)
        report.documents_replaced += sum(len(ids - new_ids) for ids in old_ids.values())
        with self.index.writing():
            result = lc_index(
                chunks,
                self.index.record_manager,
                as_vector_store(self.index),
                # One batch holds whole files, so incremental cleanup sees every chunk of a
                # file before deleting that file's stale chunks.
                batch_size=max(1, len(chunks)),
                cleanup="incremental",
                source_id_key="path",
                key_encoder="sha256",
                upsert_kwargs={"sources": {d.metadata["doc_id"]: d for d in kept}, "vectors": vectors},
            )
        report.chunks_added += result["num_added"] + result["num_updated"]
        report.chunks_skipped += result["num_skipped"]
        report.chunks_deleted += result["num_deleted"]
