"""Types at the seams between stages, and the JSON shape other tools rely on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
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

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")


class AnswerEvent(BaseModel):
    """Streaming events: sources first, then tokens, then the verified answer."""

    type: Literal["status", "sources", "token", "answer"]
    text: str = ""
    sources: list[Citation] = Field(default_factory=list)
    answer: Answer | None = None
