"""Components: every part of the pipeline built from the settings, once, on first use (the
pattern of zylon-ai/private-gpt's components). The backend of each part is chosen by its
setting in one place: models.py (chat model), embedders.py (embeddings), vectors.py (Chroma),
catalog/ (SQL).
Each import happens where the part is built, so a CLI command loads only what it uses
(`assistant docs` opens the catalog alone; no LangChain splitters, llama.cpp or Chroma)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer import QAChain
    from assistant.brief import BriefChain
    from assistant.catalog import Catalog
    from assistant.index import NewsIndex
    from assistant.ingest import Ingestor
    from assistant.judge.answerability import AnswerJudge
    from assistant.retrieval import HybridRetriever
    from assistant.verify import SupportChecker

# This lock keeps two threads from building the same part twice.
_BUILD_LOCK = threading.RLock()

_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def shared_model(kind: str, settings: BaseModel, build: Callable[[], Any]) -> Any:
    """Models load once per process: every component set (every Assistant) with the same model
    settings shares them (chat models in models.py, embeddings in embedders.py)."""
    key = f"{kind}:{settings.model_dump_json()}"
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = build()
        return _MODELS[key]


class Components:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def embeddings(self):
        from assistant.embedders import build_embeddings

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
                          counter=self.counter, retriever=self.retriever,
                          context_window=self.settings.llm.context_window)

    @cached_property
    def qa(self) -> QAChain:
        from assistant.answer import QAChain
        from assistant.evidence import EvidenceSelector

        selector = EvidenceSelector(self.embeddings, self.index.catalog, self.counter, self.settings.answer,
                                    judge=self.judge, context_chars=self.settings.verify.context_chars)
        # A model that writes is built now (one that cannot load fails before an answer starts);
        # otherwise only if a question needs it: a question the bundled model only quotes for
        # never imports LangChain's chat models or llama.cpp (generation.Writer).
        llm = self.llm if self.settings.model_writes_answers else (lambda: self.llm)
        return QAChain(self.settings, self.retriever, selector, self.checker, llm, self.counter)

    def preload(self) -> None:
        """Start loading the local models in background threads (a cold CLI question overlaps
        them with opening the index); each first use waits for its load."""
        s = self.settings
        uses_model = s.model_writes_answers or s.answer.condense == "llm" or s.brief.mode == "abstractive"
        if s.llm.backend == "local" and uses_model and hasattr(self.llm, "preload"):
            self.llm.preload()
        self.embeddings.preload()
