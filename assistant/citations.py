"""Citations: number the passages an answer cites by first appearance, and put the markers
at the end of each sentence ("... in Tianjin [1]."). Answers and briefs share this registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.types import Answer, AnswerSentence, Citation


class Cited(Protocol):
    """What a citation needs from a passage (evidence sentences satisfy it)."""

    doc_id: str
    start: int
    end: int
    text: str
    chunk: object


class CitationRegistry:
    """Numbers passages 1, 2, ... by first appearance; the same passage (article, offset)
    keeps its number. Answers cite evidence sentences (``number``); briefs subclass it to
    cite their own sentences (brief/citations.py)."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, int], int] = {}
        self.citations: list[Citation] = []

    def add(self, doc_id: str, start: int, make: Callable[[int], Citation]) -> int:
        """The number of the passage at ``start`` in ``doc_id``; ``make(n)`` builds its
        Citation the first time it is cited."""
        key = (doc_id, start)
        if key not in self.ids:
            self.ids[key] = len(self.ids) + 1
            self.citations.append(make(self.ids[key]))
        return self.ids[key]

    def number(self, passage: Cited) -> int:
        return self.add(passage.doc_id, passage.start, lambda n: citation(passage, n))

    def numbers(self, passages: Sequence[Cited]) -> list[int]:
        return sorted({self.number(p) for p in passages})


def citation(ev: Cited, number: int) -> Citation:
    m = ev.chunk.metadata
    return Citation(id=number, doc_id=m["doc_id"], title=m.get("title") or "", date=m.get("date"),
                    source=m.get("source") or "", chunk_id=m.get("chunk_id") or ev.chunk.id or "",
                    quote=ev.text, start=ev.start, end=ev.end)


def with_markers(text: str, numbers: list[int]) -> str:
    """Markers before the sentence's final stop: "It rained [1][2]." ("" markers: unchanged)."""
    markers = "".join(f"[{n}]" for n in numbers)
    text = text.strip()
    if text and text[-1] in ".!?" and markers:
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}".strip()


def assemble(question: str, items: list[tuple[str, Sequence[Cited], float, bool]], mode: str,
             note: str | None) -> Answer:
    """An Answer from (sentence, cited passages, support score, supported) rows."""
    registry = CitationRegistry()
    rows = [AnswerSentence(text=text, citations=registry.numbers(cites), supported=ok, score=round(score, 4))
            for text, cites, score, ok in items]
    return Answer(question=question, answer=marked_text(rows), abstained=False, citations=registry.citations,
                  sentences=rows, mode=mode, note=note)


def marked_text(sentences: Sequence[AnswerSentence]) -> str:
    """The answer text: the sentences with their markers, one space apart."""
    return " ".join(with_markers(s.text, s.citations) for s in sentences)
