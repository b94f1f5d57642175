"""The pipeline's parts as LangChain objects, for LangChain's indexing API (ingest) and for
anyone composing them with LangChain in Python.

Why adapters, not base classes: subclassing ``VectorStore``, ``BaseRetriever`` or
``Embeddings`` imports langchain-core's runnables, tracers and langsmith, 0.6-0.8 s on the
2-core machine, and every cold ``assistant ask`` paid it without using any of it
(`python bench/cli_latency.py`, README "Performance"). The parts are plain classes; this
module, imported only where LangChain drives them, wraps them:

    from assistant import Assistant
    from assistant.langchain_adapters import as_retriever
    retriever = as_retriever(Assistant().retriever)
    retriever.invoke("What did Wang Yi ask of the Taliban?")   # -> list[Document]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict

from assistant.embedders import CachedEmbeddings
from assistant.embeddings import LocalRuntime
from assistant.index import NewsIndex
from assistant.retrieval import HybridRetriever
from assistant.types import Filters

# They have Embeddings' methods (embed_documents, embed_query and their async forms), so
# isinstance checks agree once this module is imported.
Embeddings.register(CachedEmbeddings)
Embeddings.register(LocalRuntime)


class NewsVectorStore(VectorStore):
    """``NewsIndex`` as a LangChain VectorStore: what LangChain's ``index()`` writes through
    (each write reaches Chroma and the catalog or neither: index.py's protocol)."""

    def __init__(self, index: NewsIndex):
        self.index = index

    @property
    def embeddings(self) -> CachedEmbeddings:
        return self.index.embedder

    def add_documents(self, documents: list[Document], ids: list[str] | None = None, **kwargs: Any) -> list[str]:
        return self.index.add_documents(documents, ids=ids, sources=kwargs.get("sources"),
                                        vectors=kwargs.get("vectors"))

    def add_texts(self, texts, metadatas=None, *, ids=None, **kwargs: Any) -> list[str]:  # type: ignore[override]
        raise NotImplementedError("add whole articles with Assistant.ingest: chunks need their document")

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        return self.index.delete(ids)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return self.index.chunks(ids)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        hits = self.index.dense_search(self.index.embedder.embed_query(query), k, kwargs.get("filters"))
        return self.index.chunks([i for i, _ in hits])

    @classmethod
    def from_texts(cls, texts, embedding, metadatas=None, **kwargs):  # type: ignore[override]
        raise NotImplementedError("build a NewsIndex from Settings and add files with Assistant.ingest")


class NewsRetriever(BaseRetriever):
    """``HybridRetriever`` (dense + BM25, fused, diversified) as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return self.retriever.retrieve(query, self.filters).chunks


def as_vector_store(index: NewsIndex) -> NewsVectorStore:
    return NewsVectorStore(index)


def as_retriever(retriever: HybridRetriever, filters: Filters | None = None) -> NewsRetriever:
    return NewsRetriever(retriever=retriever, filters=filters)
