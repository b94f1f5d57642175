"""The library over HTTP: list (paged, searchable), read, upload, add by URL, delete, re-index.

Uploads are stored under ``data_dir/uploads/api/`` by their cleaned file name and ingested
from there, so uploading a file again under the same name replaces the earlier version (the
document's path is its identity for updates, as with ``assistant ingest``). One write at a
time (a lock here, and the index's own write lock across processes); reads never wait.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from assistant.api import Assistant, make_filters
from assistant.http.deps import BotDep, CallerDep, run_library
from assistant.http.errors import ApiError
from assistant.http.schemas import (
    DATE,
    ERRORS,
    AddedPage,
    AddUrls,
    AddUrlsResult,
    DeletedDocument,
    DocumentDetail,
    DocumentList,
    DocumentOut,
    IngestReportOut,
    LibraryStats,
    ReindexResult,
    UploadedFile,
    UploadResult,
)
from assistant.ingest import IngestReport, change_status
from assistant.sources.fetch import Fetcher, block_private_for
from assistant.sources.pages import add_pages
from assistant.ui.app import safe_filename

router = APIRouter(prefix="/v1", tags=["library"])
_COPY_CHUNK = 1 << 20


def _out(row) -> DocumentOut:
    return DocumentOut(**{k: getattr(row, k) for k in DocumentOut.model_fields})


def _stats(bot: Assistant) -> LibraryStats:
    s = bot.stats()
    return LibraryStats(documents=s["documents"], chunks=s["chunks"])


def _write_lock(request: Request) -> threading.Lock:
    return request.app.state.write_lock


@router.get("/documents", response_model=DocumentList, responses=ERRORS, summary="List the library, newest first")
async def list_documents(
    bot: BotDep, caller: CallerDep,
    search: Annotated[str | None, Query(description="Words in the title or source.")] = None,
    date_from: Annotated[str | None, Query(pattern=DATE)] = None,
    date_to: Annotated[str | None, Query(pattern=DATE)] = None,
    source: str | None = None, section: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DocumentList:
    filters = make_filters(date_from=date_from, date_to=date_to, source=source, section=section)
    rows = await run_library(bot.documents, search=search or None, filters=filters)
    page = rows[offset : offset + limit]
    return DocumentList(data=[_out(r) for r in page], total=len(rows), limit=limit, offset=offset,
                        has_more=offset + len(page) < len(rows))


@router.get("/documents/{doc_id}", response_model=DocumentDetail, responses={**ERRORS, 404: ERRORS[400] | {
    "description": "No such document"}}, summary="One document with its text")
async def get_document(doc_id: str, bot: BotDep, caller: CallerDep) -> DocumentDetail:
    def read():
        rows = bot.index.catalog.list_documents(doc_ids=[doc_id])
        return (rows[0], bot.document_text(doc_id)) if rows else (None, None)

    row, text = await run_library(read)
    if row is None:
        raise ApiError(404, f"no such document: {doc_id} (GET /v1/documents lists them)", code="document_not_found")
    return DocumentDetail(**_out(row).model_dump(), text=text or "")


@router.post("/documents", response_model=UploadResult, status_code=201, responses=ERRORS,
             summary="Upload articles (.txt .md .html .json .jsonl) as multipart files")
async def upload_documents(request: Request, bot: BotDep, caller: CallerDep,
                           files: Annotated[list[UploadFile], File(description="One or more article files.")]
                           ) -> UploadResult:
    limits = request.app.state.settings.api
    if len(files) > limits.max_upload_files:
        raise ApiError(400, f"{len(files)} files is more than the {limits.max_upload_files} allowed per upload "
                            "(ASSISTANT_API__MAX_UPLOAD_FILES)", param="files")
    folder = bot.settings.data_dir / "uploads" / "api"
    staged: list[tuple[str, UploadFile]] = []
    for f in files:
        name = safe_filename(f.filename or "upload.txt")
        if any(name == n for n, _ in staged):
            raise ApiError(400, f"two files in one upload are both named {name!r}", param="files")
        staged.append((name, f))

    def save_and_ingest() -> UploadResult:
        with _write_lock(request):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            paths = []
            for name, upload in staged:
                path = (folder / name).resolve()
                upload.file.seek(0)
                with path.open("wb") as out:
                    while block := upload.file.read(_COPY_CHUNK):
                        out.write(block)
                paths.append(path)
            catalog = bot.index.catalog
            before = {str(p): set(catalog.doc_ids_for_path(str(p))) for p in paths}
            report = bot.ingest(paths)
            results = [_file_result(p, before[str(p)], set(catalog.doc_ids_for_path(str(p))), report) for p in paths]
            return UploadResult(files=results, report=IngestReportOut(**report.to_dict()), library=_stats(bot))

    return await run_library(save_and_ingest)


def _file_result(path: Path, before: set[str], after: set[str], report: IngestReport) -> UploadedFile:
    here = str(path)
    for e in report.errors:
        if str(e.path) == here or str(e.path).startswith(here + " "):
            return UploadedFile(filename=path.name, status="error", reason=e.reason)
    for line in report.duplicates:
        if line.startswith(here + ":"):
            return UploadedFile(filename=path.name, status="duplicate", reason=line.split(": ", 1)[-1])
    return UploadedFile(filename=path.name, status=change_status(before, after), doc_ids=sorted(after))


@router.post("/documents/urls", response_model=AddUrlsResult, status_code=201, responses=ERRORS,
             summary="Add articles by URL: each page is fetched and its article stored under its address")
async def add_urls(body: AddUrls, request: Request, bot: BotDep, caller: CallerDep) -> AddUrlsResult:
    limit = request.app.state.settings.api.max_upload_files
    if len(body.urls) > limit:
        raise ApiError(400, f"{len(body.urls)} addresses is more than the {limit} allowed per request "
                            "(ASSISTANT_API__MAX_UPLOAD_FILES)", param="urls")

    def fetch_and_ingest() -> AddUrlsResult:
        # Private addresses are refused when the server is bound beyond loopback (serve sets the host).
        with _write_lock(request), Fetcher(bot.settings.fetch, block_private_for(bot.settings)) as fetcher:
            pages, report = add_pages(body.urls, bot.ingestor, bot.index.catalog, fetcher)
        return AddUrlsResult(pages=[AddedPage(url=p.url, status=p.status, reason=p.reason or None,
                                              doc_ids=p.doc_ids) for p in pages],
                             report=IngestReportOut(**report.to_dict()), library=_stats(bot))

    return await run_library(fetch_and_ingest)


@router.delete("/documents/{doc_id}", response_model=DeletedDocument, responses={**ERRORS, 404: ERRORS[400] | {
    "description": "No such document"}}, summary="Remove a document from every index")
async def delete_document(doc_id: str, request: Request, bot: BotDep, caller: CallerDep) -> DeletedDocument:
    def run() -> int | None:
        with _write_lock(request):
            if not bot.index.catalog.list_documents(doc_ids=[doc_id]):
                return None
            return bot.delete([doc_id])

    removed = await run_library(run)
    if removed is None:
        raise ApiError(404, f"no such document: {doc_id} (GET /v1/documents lists them)", code="document_not_found")
    return DeletedDocument(id=doc_id, chunks_removed=removed)


@router.post("/reindex", response_model=ReindexResult, responses=ERRORS,
             summary="Re-chunk and re-embed every document (after changing chunking or embeddings)")
async def reindex(request: Request, bot: BotDep, caller: CallerDep) -> ReindexResult:
    def run() -> ReindexResult:
        with _write_lock(request):
            report = bot.reindex()
        return ReindexResult(report=IngestReportOut(**report.to_dict()), library=_stats(bot))

    return await run_library(run)
