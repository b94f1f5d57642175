"""The Brief: its JSON shape, its headline lines and its Markdown.

Fields grew with topic briefs (``based_on``, ``stories``, ``timeline``, ``disagreements``,
``sources``); the older ones keep their names and meaning, so the CLI, the web app and the
evals render a brief as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from assistant.types import Citation

if TYPE_CHECKING:
    from assistant.catalog import DocumentRow


def display_title(title: str) -> str:
    """A scraped title without its site or section tag ("... Warning Ties | Taliban News")."""
    head, sep, _ = title.rpartition(" | ")
    return head.strip() if sep and len(head.split()) >= 3 else title


def headline(docs: Sequence[DocumentRow], topic: str | None) -> str:
    """One article: its title; a topic: the topic as typed, capitalised; a set: its size and dates."""
    if len(docs) == 1:
        return display_title(docs[0].title)
    if topic:
        text = topic.strip().rstrip("?.!")
        return text[:1].upper() + text[1:]
    dates = sorted({d.date for d in docs if d.date})
    span = f", {dates[0]} to {dates[-1]}" if dates else ""
    return f"Brief: {len(docs)} articles{span}"


def based_on(docs: Sequence[DocumentRow]) -> str:
    dates = sorted({d.date for d in docs if d.date})
    n = f"{len(docs)} article{'s' if len(docs) != 1 else ''}"
    if not dates:
        return f"Based on {n}"
    if len(dates) == 1:
        return f"Based on {n} from {dates[0]}"
    return f"Based on {n} from {dates[0]} to {dates[-1]}"


class BriefPoint(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool = True
    score: float = 1.0


class BriefQuote(BaseModel):
    text: str
    speaker: str | None
    citation: int
    # Words in quotation marks (True), or a sentence of reported speech ("Analysts said that
    # ...", "Blinken warned that ..."), shown as the article's sentence, not as a quotation.
    quoted: bool = True


def _quote_line(q: BriefQuote) -> str:
    """Quoted words in quotation marks with their speaker ("unattributed" when nobody is named);
    reported speech as the article's sentence: quotation marks around "Blinken warned that ..."
    would present the paper's words as Blinken's. Its speaker follows only when the sentence
    does not name them ("He warned that ..." — Jack Straw)."""
    if not q.quoted:
        named = not q.speaker or q.speaker.split()[-1] in q.text
        return q.text if named else f"{q.text} — {q.speaker}"
    return f"“{q.text}” — {q.speaker or 'unattributed'}"


class TimelineEntry(BaseModel):
    date: str  # ISO date (YYYY-MM-DD), or YYYY-MM when the text gives only a month and year
    text: str
    citations: list[int] = Field(default_factory=list)


class DisagreementSide(BaseModel):
    value: str  # the figure, name or date as this article gives it
    text: str   # the sentence that gives it
    citation: int


class Disagreement(BaseModel):
    fact: str   # what the sides disagree on ("passengers", "date of the vote")
    sides: list[DisagreementSide]


class Story(BaseModel):
    """Articles about one event, grouped by embedding similarity."""

    title: str
    doc_ids: list[str]
    dates: list[str] = Field(default_factory=list)


class SourceGroup(BaseModel):
    """One article and the passages of it the brief cites."""

    doc_id: str
    title: str
    date: str | None
    source: str
    citations: list[int]


class Brief(BaseModel):
    headline: str
    summary: list[BriefPoint]
    key_points: list[BriefPoint]
    who: list[str] = Field(default_factory=list)
    what: str = ""
    when: list[str] = Field(default_factory=list)
    where: list[str] = Field(default_factory=list)
    quotes: list[BriefQuote] = Field(default_factory=list)
    watch: list[BriefPoint] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    documents: list[dict] = Field(default_factory=list)
    mode: str = "extractive"
    note: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    # Sets and topics.
    based_on: str = ""
    stories: list[Story] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    sources: list[SourceGroup] = Field(default_factory=list)

    @property
    def supported_share(self) -> float:
        points = self.summary + self.key_points + self.watch
        return sum(p.supported for p in points) / len(points) if points else 0.0

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_markdown(self, links: bool = False) -> str:
        """``links``: write each ``[n]`` as a link to its source line (``#source-n``), for
        renderers that follow in-page anchors (the web app); plain ``[n]`` otherwise."""

        def cite(i: int) -> str:
            return f"[[{i}]](#source-{i})" if links else f"[{i}]"

        def cites(ids: list[int]) -> str:
            return "".join(cite(i) for i in ids)

        out = [f"# {self.headline}", ""]
        if self.based_on:
            out += [f"_{self.based_on}_", ""]
        out.append(" ".join(f"{p.text} {cites(p.citations)}".strip() for p in self.summary))
        out += ["", "## Key points", ""] + [f"- {p.text} {cites(p.citations)}".rstrip() for p in self.key_points]
        if self.disagreements:
            out += ["", "## Sources disagree", ""]
            for d in self.disagreements:
                sides = " vs ".join(f"{s.value} {cite(s.citation)}" for s in d.sides)
                out.append(f"- Sources disagree on {d.fact}: {sides}")
        if self.timeline:
            out += ["", "## Timeline", ""] + [f"- **{t.date}** {t.text} {cites(t.citations)}".rstrip()
                                              for t in self.timeline]
        facts = [("Who", ", ".join(self.who)), ("What", self.what), ("When", ", ".join(self.when)),
                 ("Where", ", ".join(self.where))]
        out += ["", "## Who, what, when, where", ""] + [f"- **{k}:** {v}" for k, v in facts if v]
        if self.quotes:
            out += ["", "## Quotes", ""] + [
                f"- {_quote_line(q)} {cite(q.citation)}" for q in self.quotes]
        if self.watch:
            out += ["", "## What to watch", ""] + [f"- {p.text} {cites(p.citations)}" for p in self.watch]
        out += ["", "## Sources", ""]
        by_id = {c.id: c for c in self.citations}
        groups = self.sources or [SourceGroup(doc_id=c.doc_id, title=c.title, date=c.date, source=c.source,
                                              citations=[c.id]) for c in self.citations]
        for g in groups:
            out.append(f"**{g.title}** ({g.date or 'undated'}, {g.source})")
            for i in g.citations:
                anchor = f'<a id="source-{i}"></a>' if links else ""
                out.append(f"- {anchor}[{i}] “{by_id[i].quote}”" if i in by_id else f"- [{i}]")
            out.append("")
        if self.note:
            out += ["", f"_{self.note}_"]
        return "\n".join(out).rstrip() + "\n"
