"""Request and response models of the HTTP API: they validate requests and make the OpenAPI
schema at /v1/openapi.json (with examples).

The chat models follow OpenAI's chat completions API (unknown request fields such as
``temperature`` are accepted and ignored: the answer is whatever survives verification).
Answers and briefs are the very models the CLI prints with ``--json`` (assistant/types.py,
assistant/brief.py), so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from assistant.catalog.documents import DocumentRow
from assistant.settings import BriefMode
from assistant.types import Citation, ShortAnswer

MODEL_ID = "news-assistant"
DATE = r"^\d{4}-\d{2}-\d{2}$"

_CITATION_EXAMPLE = {
    "id": 1, "doc_id": "3f9c2a1b7d4e5f60", "title": "Chinese Officials, Taliban Meet, Warning Ties",
    "date": "2021-07-28", "source": "Taliban News", "chunk_id": "3f9c2a1b7d4e5f60:2",
    "quote": "US Secretary of State Antony Blinken ... warned on Wednesday that Afghanistan would become "
             "a pariah state if the Taliban take control by force.", "start": 560, "end": 811}


class FilterFields(BaseModel):
    """Which articles may answer: a date range, a source, a section."""

    date_from: str | None = Field(None, pattern=DATE, description="Only articles dated on or after (YYYY-MM-DD).",
                                  examples=["2021-07-01"])
    date_to: str | None = Field(None, pattern=DATE, description="Only articles dated on or before (YYYY-MM-DD).",
                                examples=["2021-07-31"])
    source: str | None = Field(None, description="Only articles from this source.", examples=["Taliban News"])
    section: str | None = Field(None, description="Only articles from this section.")

    def filter_kwargs(self) -> dict[str, str | None]:
        return {"date_from": self.date_from, "date_to": self.date_to, "source": self.source, "section": self.section}


# ---- chat completions ---------------------------------------------------------------------
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content or [] if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(FilterFields):
    """The last user message is the question; earlier user/assistant pairs are the history
    (follow-ups keep their context). System messages are ignored: the assistant's behaviour
    is fixed, it answers only from the library."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": "What did Blinken warn about?"}]},
        {"model": MODEL_ID, "stream": True, "date_from": "2021-07-01", "messages": [
            {"role": "user", "content": "What did Wang Yi ask of the Taliban?"},
            {"role": "assistant", "content": "Wang Yi asked the Taliban to ... [1]."},
            {"role": "user", "content": "And what did they promise in return?"}]},
    ]})
    model: str = Field(description=f"Always `{MODEL_ID}` (see GET /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="Only 1 is supported.")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class AnswerExtras(BaseModel):
    """Extension fields: the same citations as ``assistant ask --json``."""

    citations: list[Citation] = Field(default_factory=list, description="What the answer's [n] markers point at: "
                                      "document, verbatim quote and its character offsets.")
    short_answer: ShortAnswer | None = Field(None, description="The direct answer span, when there is one.")
    abstained: bool = Field(False, description="True when the library does not cover the question.")
    mode: Literal["generated", "extractive", "abstained"] = Field(
        "generated", description="generated: verified model sentences; extractive: quoted passages; abstained.")
    note: str | None = Field(None, description="Why a written answer fell back to quotes, or why it abstained. "
                                               "None for an answer quoted by design (the bundled model does not "
                                               "write).")
    related: list[Citation] = Field(default_factory=list, description="Closest passages, when abstained.")


class ChatCompletion(AnswerExtras):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "chatcmpl-5b1f0c2d9e8a4b7c", "object": "chat.completion", "created": 1764400000, "model": MODEL_ID,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {
            "role": "assistant", "content": "Blinken warned that Afghanistan would become a pariah state if the "
                                            "Taliban took control by force [1]."}}],
        "usage": {"prompt_tokens": 95, "completion_tokens": 29, "total_tokens": 124},
        "citations": [_CITATION_EXAMPLE], "short_answer": None, "abstained": False, "mode": "generated",
        "note": None, "related": []}]})
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: Usage


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed answer. Deltas carry only verified sentences; the
    last chunk (finish_reason "stop") carries the extension fields; then ``data: [DONE]``."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "chatcmpl-5b1f0c2d9e8a4b7c", "object": "chat.completion.chunk", "created": 1764400000,
         "model": MODEL_ID, "choices": [{"index": 0, "delta": {"content": "Blinken warned ... by force [1]."},
                                         "finish_reason": None}]}]})
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL_ID
    choices: list[ChunkChoice]
    usage: Usage | None = None
    citations: list[Citation] | None = None
    short_answer: ShortAnswer | None = None
    abstained: bool | None = None
    mode: str | None = None
    note: str | None = None
    related: list[Citation] | None = None


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "news-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# ---- ask and briefs -------------------------------------------------------------------------
class AskRequest(FilterFields):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"question": "What did Blinken warn about?"},
        {"question": "And what did the Taliban promise?", "date_from": "2021-07-01",
         "history": [["What did Wang Yi ask of the Taliban?", "Wang Yi asked ... [1]."]]}]})
    question: str = Field(min_length=1)
    history: list[tuple[str, str]] = Field(default_factory=list,
                                           description="Earlier (question, answer) pairs, oldest first.")


class BriefRequest(FilterFields):
    """Say what to brief: document ids, a topic, or filters (a date range, a source, a section).
    Files on the server are not reachable through the API: upload them first."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"topic": "China and the Taliban"}, {"doc_ids": ["3f9c2a1b7d4e5f60"]},
        {"date_from": "2021-07-01", "date_to": "2021-07-31", "mode": "extractive"}]})
    doc_ids: list[str] | None = None
    topic: str | None = None
    mode: BriefMode | None = None


# ---- the library --------------------------------------------------------------------------
# A document as the catalog stores it (catalog/documents.py ``DocumentRow``), one schema for both,
# less the server-side file path, which is not the client's business.
_ROW_TYPES = get_type_hints(DocumentRow)
DocumentOut = create_model("DocumentOut", **{
    f.name: (_ROW_TYPES[f.name], ... if f.default is MISSING else f.default)
    for f in fields(DocumentRow) if f.name != "path"})


class DocumentDetail(DocumentOut):
    text: str = Field(description="The stored text; every citation's quote is text[start:end].")


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut]
    total: int
    limit: int
    offset: int
    has_more: bool


class FileError(BaseModel):
    path: str
    reason: str


class IngestReportOut(BaseModel):
    """The same report as ``assistant ingest --json``."""

    files: int
    documents_added: int
    documents_unchanged: int
    documents_replaced: int
    chunks_added: int
    chunks_skipped: int
    chunks_deleted: int
    duplicates: list[str]
    errors: list[FileError]
    seconds: float


class UploadedFile(BaseModel):
    filename: str = Field(description="The name it is stored under (directories and odd characters removed).")
    status: Literal["added", "unchanged", "replaced", "duplicate", "error"]
    reason: str | None = None
    doc_ids: list[str] = Field(default_factory=list)


class LibraryStats(BaseModel):
    documents: int
    chunks: int


class UploadResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "files": [{"filename": "harbour.md", "status": "added", "reason": None, "doc_ids": ["9a8b7c6d5e4f3a2b"]}],
        "report": {"files": 1, "documents_added": 1, "documents_unchanged": 0, "documents_replaced": 0,
                   "chunks_added": 3, "chunks_skipped": 0, "chunks_deleted": 0, "duplicates": [], "errors": [],
                   "seconds": 0.41},
        "library": {"documents": 13, "chunks": 96}}]})
    files: list[UploadedFile]
    report: IngestReportOut
    library: LibraryStats


class AddUrls(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"urls": ["https://example.org/news/harbour-reopens"]}]})
    urls: list[str] = Field(min_length=1, description="http(s) page addresses; each is fetched and its article "
                            "stored under that address (adding it again replaces it).")


class AddedPage(BaseModel):
    url: str = Field(description="The address as sent.")
    status: Literal["added", "unchanged", "replaced", "error"]
    reason: str | None = Field(None, description="Why it failed (HTTP 404, timed out, not a web page, ...), or a "
                               "caveat for a page stored anyway (no article found: its visible text was kept).")
    doc_ids: list[str] = Field(default_factory=list)


class AddUrlsResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "pages": [{"url": "https://example.org/news/harbour-reopens", "status": "added", "reason": None,
                   "doc_ids": ["9a8b7c6d5e4f3a2b"]},
                  {"url": "https://example.org/gone", "status": "error", "reason": "HTTP 404 Not Found",
                   "doc_ids": []}],
        "report": {"files": 2, "documents_added": 1, "documents_unchanged": 0, "documents_replaced": 0,
                   "chunks_added": 4, "chunks_skipped": 0, "chunks_deleted": 0, "duplicates": [],
                   "errors": [{"path": "https://example.org/gone", "reason": "HTTP 404 Not Found"}], "seconds": 0.8},
        "library": {"documents": 14, "chunks": 100}}]})
    pages: list[AddedPage]
    report: IngestReportOut
    library: LibraryStats


class DeletedDocument(BaseModel):
    id: str
    object: Literal["document.deleted"] = "document.deleted"
    deleted: bool = True
    chunks_removed: int


class ReindexResult(BaseModel):
    report: IngestReportOut
    library: LibraryStats


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    model: str = MODEL_ID
    version: str
    library: LibraryStats | None = None
    reason: str | None = None


# ---- errors ---------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "message": "this server requires an API key: send 'Authorization: Bearer KEY'", "type": "authentication_error",
        "code": "missing_api_key", "param": None}}]})
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text} for code, text in {
        400: "Invalid request", 401: "Missing or invalid API key", 413: "Request body too large",
        429: "Rate limit reached (see Retry-After)", 503: "The model or the index is unavailable (the reason says why)",
    }.items()
}
