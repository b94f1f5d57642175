"""Assistant: the one facade that the CLI, the web UI, the evals and Python users call.

    from assistant import Assistant
    bot = Assistant()                      # settings from ASSISTANT_* env / config file
    bot.ingest(["samples/"])
    answer = bot.ask("What did Wang Yi ask of the Taliban?")
    print(answer.answer, answer.citations)

Models and the index are built on first use and kept for the life of the object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.components import Components
from assistant.settings import BriefMode, Settings

# Imported where they are used, so each CLI command loads only what it needs (`assistant
# docs` opens the catalog alone; no LangChain splitters, llama.cpp or Chroma for it).
if TYPE_CHECKING:
    from assistant.brief import Brief
    from assistant.catalog import DocumentRow, Filters
    from assistant.conversation import History
    from assistant.ingest import IngestReport, Progress
    from assistant.types import Answer, AnswerEvent, BriefEvent, BriefProgress, ClaimSupport


def make_filters(filters: Filters | None = None, **kwargs: Any) -> Filters | None:
    from assistant.catalog import Filters

    if filters is not None:
        return filters
    given = {k: v for k, v in kwargs.items() if v not in (None, "", [], ())}
    if "doc_ids" in given:
        given["doc_ids"] = tuple(given["doc_ids"])
    return Filters(**given) if given else None


class Assistant(Components):
    """The user-facing API over the pipeline's components (components.py builds them)."""

    def __init__(self, settings: Settings | None = None, **overrides: Any):
        super().__init__(settings or Settings(**overrides))

    # ---- library ----------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path] | str | Path, progress: Progress | None = None) -> IngestReport:
        if isinstance(paths, (str, Path)):
            paths = [paths]
        return self.ingestor.ingest_paths(paths, progress)

    def documents(self, search: str | None = None, filters: Filters | None = None) -> list[DocumentRow]:
        return self.catalog.list_documents(filters=filters, search=search)

    def document_text(self, doc_id: str) -> str | None:
        return self.catalog.document_text([doc_id]).get(doc_id)

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (their chunks leave Chroma and the keyword index). Returns chunks removed."""
        return self.index.delete_documents(list(doc_ids))

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        return self.ingestor.reindex(progress)

    def stats(self) -> dict[str, int]:
        return self.index.count()

    # ---- questions ----------------------------------------------------------------------
    def ask(self, question: str, history: History = None, filters: Filters | None = None,
            **filter_kwargs: Any) -> Answer:
        return self.qa.invoke(question, history, make_filters(filters, **filter_kwargs))

    def ask_stream(self, question: str, history: History = None, filters: Filters | None = None,
                   cancel: threading.Event | None = None, **filter_kwargs: Any) -> Iterator[AnswerEvent]:
        """Events: "status", "sources" (the evidence found), verified "sentence"s, then "answer".
        Unverified model text is never emitted. Setting ``cancel`` stops the model mid-answer
        (the web app's Stop button): what it wrote so far is checked like any draft."""
        return self.qa.stream(question, history, make_filters(filters, **filter_kwargs), cancel=cancel)

    # ---- support check ------------------------------------------------------------------
    def support(self, claims: list[str], passages: list[str]) -> list[ClaimSupport]:
        """Is each claim supported by the passages? One result per claim: ``score`` is the
        calibrated probability (with ``verify.likelihood``, stacked with the bundled model's
        likelihood of the claim after the passages; judge/likelihood.py), ``supported`` the decision
        at ``verify.likelihood_threshold`` (``verify.threshold`` without it) with the hard rules, and
        ``passages`` the indices of the one or two passages that support it best. Passages
        are treated as one source; instruction-like passages never support anything."""
        from assistant.types import ClaimSupport

        results = self.checker.check_many(list(claims), list(passages))
        return [ClaimSupport(claim=c, supported=r.supported, score=round(float(r.score), 4), passages=r.passages,
                             reason=r.reason) for c, r in zip(claims, results, strict=True)]

    # ---- briefs ---------------------------------------------------------------------------
    def brief_stream(self, doc_ids: Iterable[str] | None = None, paths: Iterable[str | Path] | None = None,
                     topic: str | None = None, filters: Filters | None = None, mode: BriefMode | None = None,
                     **filter_kwargs: Any) -> Iterator[BriefEvent]:
        """BriefProgress events (stage "reading", done, total) ..., then BriefDone with the Brief.

        Choose the articles by id, by path (files or folders; ingested first if needed), by
        topic (retrieved), or by filters (a date range, a source, a section)."""
        ids = list(doc_ids or [])
        if paths:
            paths = list(paths)
            report = self.ingest(paths)
            found = self._docs_under(paths)
            if not found:
                reason = f"{report.errors[0].path}: {report.errors[0].reason}" if report.errors else "no documents"
                raise ValueError(f"nothing to brief under {', '.join(map(str, paths))} ({reason})")
            ids += [d.doc_id for d in found if d.doc_id not in ids]
        from assistant.brief import BriefChain

        chain = self.briefer
        if mode == "abstractive" and chain.llm is None:
            chain = BriefChain(self.index.catalog, self.embeddings, self.checker, self.settings.brief,
                               llm=self.llm, counter=self.counter, retriever=self.retriever,
                               context_window=self.settings.llm.context_window)
        docs = chain.select(ids or None, make_filters(filters, **filter_kwargs), topic)
        return chain.stream(docs, topic, mode)

    def brief(self, doc_ids: Iterable[str] | None = None, paths: Iterable[str | Path] | None = None,
              topic: str | None = None, filters: Filters | None = None, mode: BriefMode | None = None,
              progress: Callable[[BriefProgress], None] | None = None, **filter_kwargs: Any) -> Brief:
        """A cited brief of one article, a set of articles, or a topic."""
        from assistant.types import BriefDone

        for event in self.brief_stream(doc_ids, paths, topic, filters, mode, **filter_kwargs):
            if isinstance(event, BriefDone):
                return event.brief
            if progress:
                progress(event)
        raise RuntimeError("brief chain ended without a brief")

    def _docs_under(self, paths: Iterable[str | Path]) -> list[DocumentRow]:
        wanted = [str(Path(p).resolve()) for p in paths]
        out = []
        for d in self.documents():
            here = str(Path(d.path).resolve()) if d.path else ""
            if any(here == w or here.startswith(w.rstrip("/") + "/") for w in wanted):
                out.append(d)
        return out

    # ---- about --------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """What answers: backends and models in use, where the library lives (secrets masked)."""
        from assistant.about import describe

        return describe(self.settings)
