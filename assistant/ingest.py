"""Ingest: files -> documents -> chunks -> LangChain's index() into NewsIndex.

LangChain's indexing API with a SQL record manager does the bookkeeping: unchanged
chunks are skipped (never re-embedded), a changed file's old chunks are cleaned up
("incremental" cleanup scoped by file path). Files go in batches of whole files, so a
file's chunks are written in one index() batch and its cleanup sees all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.indexing import index as lc_index

from assistant.chunking import Chunker
from assistant.documents import DocumentError, LoadResult, find_files, load_file
from assistant.index import NewsIndex

Progress = Callable[[int, int, str], None]


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


class Ingestor:
    def __init__(self, index: NewsIndex, chunker: Chunker, max_file_mb: int, batch_files: int):
        self.index = index
        self.chunker = chunker
        self.max_bytes = max_file_mb * 2**20
        self.batch_files = max(1, batch_files)

    def ingest_paths(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        files, errors = find_files(paths)
        report = IngestReport(files=len(files), errors=list(errors))
        for lo in range(0, len(files), self.batch_files):
            batch = files[lo : lo + self.batch_files]
            docs: list[Document] = []
            for i, path in enumerate(batch):
                loaded = load_file(path, self.max_bytes)
                report.errors.extend(loaded.errors)
                report.notes.extend(loaded.notes)
                docs.extend(loaded.documents)
                if progress and i < len(batch) - 1:
                    # Reading counts for half of a file's progress; embedding the batch, the rest.
                    progress(lo + (i + 1) / 2, len(files), str(path))
            self._write(docs, report)
            if progress:
                progress(min(lo + len(batch), len(files)), len(files), str(batch[-1]))
        report.seconds = time.perf_counter() - started
        return report

    def ingest_documents(self, docs: Sequence[Document], progress: Progress | None = None,
                         batch_docs: int = 64) -> IngestReport:
        """Documents already in memory (re-indexing, the API). ``metadata['path']`` scopes cleanup."""
        started = time.perf_counter()
        report = IngestReport(files=len({d.metadata.get("path") for d in docs}))
        for lo in range(0, len(docs), batch_docs):
            self._write(list(docs[lo : lo + batch_docs]), report)
            if progress:
                progress(min(lo + batch_docs, len(docs)), len(docs), "")
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, docs: list[Document], report: IngestReport) -> None:
        catalog = self.index.catalog
        # The same article under two names (or twice in one JSONL file) goes in once.
        known = {d.doc_id: d.path for d in catalog.list_documents(doc_ids=[x.metadata["doc_id"] for x in docs])}
        kept: list[Document] = []
        seen: dict[str, str] = {}
        for doc in docs:
            doc_id, path = doc.metadata["doc_id"], doc.metadata["path"]
            first = seen.get(doc_id) or known.get(doc_id)
            if first is not None and first != path:
                report.duplicates.append(f"{path}: same text as {first}, skipped")
                continue
            if doc_id in seen:
                continue
            seen[doc_id] = path
            kept.append(doc)
        if not kept:
            return
        old_ids = {p: set(catalog.doc_ids_for_path(p)) for p in {d.metadata["path"] for d in kept}}
        new_ids = {d.metadata["doc_id"] for d in kept}
        report.documents_unchanged += sum(1 for d in kept if d.metadata["doc_id"] in known)
        report.documents_added += sum(1 for d in kept if d.metadata["doc_id"] not in known)
        report.documents_replaced += sum(len(ids - new_ids) for ids in old_ids.values())
        chunks = [c for d in kept for c in self.chunker.split(d)]
        with self.index.writing():
            result = lc_index(
                chunks,
                self.index.record_manager,
                self.index,
                # One batch holds whole files, so incremental cleanup sees every chunk of a
                # file before deleting that file's stale chunks.
                batch_size=max(1, len(chunks)),
                cleanup="incremental",
                source_id_key="path",
                key_encoder="sha256",
                upsert_kwargs={"sources": {d.metadata["doc_id"]: d for d in kept}},
            )
        report.chunks_added += result["num_added"] + result["num_updated"]
        report.chunks_skipped += result["num_skipped"]
        report.chunks_deleted += result["num_deleted"]

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
