"""The Library tab's work, without Gradio: uploads reported per file, listing, search, counts,
delete and re-index. One writer at a time (``lock``); questions keep running meanwhile.

Uploads are kept under ``<data_dir>/uploads/library/<name>``: uploading a file of the same name
again *updates* that article (as re-ingesting an edited file does on the command line), unless
the new file holds a different article (another title), which is then added under a new name, so
two unrelated "index.html" files never replace each other. Each upload is read once and then
forgotten by the page: the upload box is emptied after "Add to library", so a later upload never
sends earlier files again (a deleted article once came back that way).

Every message is for the user: file names only, never a server path or a Python error.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.api import Assistant
from assistant.documents import load_file

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    name: str
    status: str  # added / updated / unchanged / error
    detail: str = ""
    title: str = ""
    date: str = ""
    source: str = ""

    def row(self) -> list[str]:
        return [self.name, self.status, self.title, self.date, self.source, self.detail]


RESULT_HEADERS = ["file", "status", "title", "date", "source", "details"]
LIBRARY_HEADERS = ["select", "title", "date", "source", "chunks", "id"]


class Library:
    def __init__(self, bot: Assistant, lock: threading.Lock | None = None):
        self.bot = bot
        self.lock = lock or threading.Lock()
        self.root = bot.settings.data_dir / "uploads"
        self.limits = bot.settings.server

    # ---- reading ------------------------------------------------------------------------
    def rows(self, search: str = "", selected: set[str] | frozenset[str] = frozenset()) -> list[list]:
        """[select, title, date, source, chunks, id], newest first; ``search`` matches the title,
        the source or the text (keyword index)."""
        docs = self.bot.documents(search=search.strip() or None) if search.strip() else self.bot.documents()
        if search.strip():
            seen = {d.doc_id for d in docs}
            in_text = [i for i in self._text_matches(search) if i not in seen]
            docs += self.bot.index.catalog.list_documents(doc_ids=in_text) if in_text else []
        return [[d.doc_id in selected, d.title, d.date or "", d.source, d.n_chunks, d.doc_id] for d in docs]

    def _text_matches(self, query: str, limit: int = 200) -> list[str]:
        catalog = self.bot.index.catalog
        hits = catalog.keyword_search(query, limit)
        rows = catalog.chunk_rows([cid for cid, _ in hits])
        return list(dict.fromkeys(rows[cid].doc_id for cid, _ in hits if cid in rows))

    def counts(self) -> dict[str, int]:
        docs = self.bot.documents()
        return {"documents": len(docs), "chunks": sum(d.n_chunks for d in docs),
                "sources": len({d.source for d in docs if d.source})}

    def summary(self) -> str:
        c = self.counts()
        return f"**{c['documents']}** documents · **{c['chunks']}** chunks · **{c['sources']}** sources"

    def sources(self) -> list[str]:
        return sorted({d.source for d in self.bot.documents() if d.source})

    def choices(self) -> list[tuple[str, str]]:
        return [(f"{d.title} ({d.date or 'undated'})", d.doc_id) for d in self.bot.documents()]

    # ---- writing ------------------------------------------------------------------------
    def add_files(self, files: list[str]) -> list[FileResult]:
        """Ingest uploaded files one by one and say what happened to each."""
        from assistant.ui.app import stage_uploads  # kept there for its tests

        incoming = self.root / "incoming"
        staged, refused = stage_uploads(files, incoming, self.limits.max_upload_files, self.limits.max_upload_mb)
        results = [FileResult(name, "error", reason) for name, reason in refused]
        try:
            with self.lock:
                for path in staged:
                    try:
                        results.append(self._add_one(path))
                    except Exception:  # one bad file must not lose the report for the others
                        log.exception("upload %s failed", path.name)
                        results.append(FileResult(path.name, "error",
                                                  "could not be added (an internal error; see the server log)"))
        finally:
            for batch in {p.parent for p in staged}:
                shutil.rmtree(batch, ignore_errors=True)
        return results

    def _add_one(self, staged: Path) -> FileResult:
        name = staged.name
        loaded = load_file(staged, self.bot.settings.ingest.max_file_mb * 2**20)
        if not loaded.documents:
            return FileResult(name, "error", _reason(loaded.errors) or "no article found in the file")
        titles = {d.metadata["title"] for d in loaded.documents}
        target = self._place(name, titles)
        existed = target.exists()
        shutil.copyfile(staged, target)
        target.chmod(0o600)
        report = self.bot.ingest([target])
        docs = self.bot.index.catalog.list_documents(doc_ids=[d.metadata["doc_id"] for d in loaded.documents])
        first = docs[0] if docs else None
        result = FileResult(name, "", title=first.title if first else next(iter(titles)),
                            date=(first.date or "") if first else "", source=first.source if first else "")
        partial = _reason(report.errors)
        if report.documents_added and report.documents_replaced:
            result.status, result.detail = "updated", "replaced the earlier upload of this file"
        elif report.documents_added:
            result.status = "added"
            if len(loaded.documents) > 1:
                result.detail = f"{report.documents_added} articles"
        elif report.duplicates:
            result.status, result.detail = "unchanged", "the same article is already in the library"
            if not existed:
                target.unlink(missing_ok=True)
        elif report.documents_unchanged:
            result.status, result.detail = "unchanged", "already in the library"
        else:
            result.status, result.detail = "error", partial or "nothing could be added"
            if not existed:
                target.unlink(missing_ok=True)
            return result
        if partial:
            result.detail = "; ".join(x for x in (result.detail, f"some records skipped: {partial}") if x)
        return result

    def _place(self, name: str, titles: set[str]) -> Path:
        """Where an upload named ``name`` lives: its earlier copy when it is the same article
        (an update) or that copy is no longer in the library; otherwise a fresh name."""
        folder = self.root / "library"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stem, suffix = Path(name).stem, Path(name).suffix
        for n in range(1, 1000):
            target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
            held = self.bot.documents() if target.exists() else []
            held_titles = {d.title for d in held if d.path and Path(d.path) == target}
            if not held_titles or held_titles & titles:
                return target
        return Path(tempfile.mkstemp(prefix=stem + "-", suffix=suffix, dir=folder)[1])

    def delete(self, doc_ids: list[str]) -> int:
        with self.lock:
            return self.bot.delete(doc_ids)

    def reindex(self, doc_ids: list[str] | None = None) -> tuple[int, int]:
        """Re-chunk and re-embed the chosen documents (all when None) from their stored text.
        Returns (documents, chunks)."""
        with self.lock:
            if not doc_ids:
                report = self.bot.reindex()
                return report.documents_added, report.chunks_added
            from langchain_core.documents import Document

            catalog = self.bot.index.catalog
            rows = catalog.list_documents(doc_ids=doc_ids)
            texts = catalog.document_text([r.doc_id for r in rows])
            docs = [Document(page_content=texts[r.doc_id], metadata={
                "doc_id": r.doc_id, "title": r.title, "date": r.date, "section": r.section, "source": r.source,
                "url": r.url, "path": r.path or r.doc_id}) for r in rows if r.doc_id in texts]
            self.bot.delete([d.metadata["doc_id"] for d in docs])
            report = self.bot.ingestor.ingest_documents(docs)
            return report.documents_added, report.chunks_added


def _reason(errors) -> str:
    """Errors as the user should read them: the line of a JSONL file if any, and the reason,
    without the server's paths."""
    out = []
    for e in errors:
        where = ""
        if "(line " in e.path:
            where = "line " + e.path.rsplit("(line ", 1)[1].rstrip(")") + ": "
        out.append(where + e.reason)
    return "; ".join(dict.fromkeys(out))
