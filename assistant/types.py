"""Types at the seams between stages, and the JSON shape other tools rely on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from assistant.brief.render import Brief


@dataclass(frozen=True)
class Filters:
    """Metadata filters usable from the CLI, the API and the UI. Each store translates them:
    ``catalog.documents.sql_conditions`` for SQL, ``index.chroma_where`` for Chroma."""

    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    section: str | None = None
    doc_ids: tuple[str, ...] | None = None

    def empty(self) -> bool:
        return not (self.date_from or self.date_to or self.source or self.section or self.doc_ids)


class Citation(BaseModel):
    id: int
    doc_id: str
    title: str
    date: str | None
    source: str
    chunk_id: str
    quote: str  # verbatim text of the document ...
    start: int  # ... at document.text[start:end]
    end: int


class AnswerSentence(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool
    score: float


class ShortAnswer(BaseModel):
    """The shortest span that answers the question, verbatim from a cited sentence:
    ``document_text[start:end] == text``, inside citation ``citation``'s quote."""

    text: str
    citation: int  # id of the citation whose quote holds the span
    doc_id: str
    start: int
    end: int
    score: float = 0.0  # the judge's probability that the span answers the question


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    # The direct answer shown first (a name, place, date, number or short clause), or null
    # when only a longer answer fits.
    short_answer: ShortAnswer | None = None
    citations: list[Citation] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    # Closest passages, offered when the assistant abstains.
    related: list[Citation] = Field(default_factory=list)
    standalone_question: str | None = None
    # "generated": model sentences that passed verification; "extractive": quoted evidence.
    mode: Literal["generated", "extractive", "abstained"] = "generated"
    note: str | None = None
    # prompt_tokens, completion_tokens and which tokenizer counted them.
    usage: dict[str, int | str] = Field(default_factory=dict)
    # The judge's calibrated probability that the library answers the question (the assistant
    # abstains below settings.answer.abstain_below); null when nothing was retrieved.
    answerable_score: float | None = None

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")


class AnswerEvent(BaseModel):
    """Streaming events, in order: "status" (what the assistant is doing, e.g. "Searching the
    library"), "sources" (the passages found), "sentence"s (verified answer text only, one
    per sentence, with the citation ids it carries), then "answer" (the final Answer).

    No event ever carries unverified model text: the model's draft is checked before any of
    it is shown."""

    type: Literal["status", "sources", "sentence", "answer"]
    text: str = ""
    citations: list[int] = Field(default_factory=list)
    sources: list[Citation] = Field(default_factory=list)
    answer: Answer | None = None


class ClaimSupport(BaseModel):
    """Is ``claim`` supported by the passages it was checked against? (Assistant.support)"""

    claim: str
    supported: bool
    # Calibrated probability that the cited passages support the claim (frank-dev: of claims
    # scored about 0.8, about 80% were judged factual by people).
    score: float
    passages: list[int] = Field(default_factory=list)  # indices of the cited passages, best first
    reason: str = ""  # why not, when not supported


# ---- brief streaming events (Assistant.brief_stream), in order: BriefProgress ..., then BriefDone ----
@dataclass(frozen=True)
class BriefProgress:
    """A brief under way: "reading" (articles read of total), "ranking", and in abstractive
    mode "summarising" (chunks noted of total) and "verifying"."""

    stage: Literal["reading", "ranking", "summarising", "verifying"]
    done: int
    total: int


@dataclass(frozen=True)
class BriefDone:
    """The finished brief; always the last event."""

    brief: Brief


BriefEvent = BriefProgress | BriefDone
