"""The pipeline's plain parts as LangChain objects (assistant/langchain_adapters.py): the same
results through LangChain's interfaces as through the parts themselves."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

QUESTION = "What did Wang Yi ask of the Taliban?"


def test_retriever_adapter_returns_what_the_retriever_ranks(sample_bot):
    from langchain_core.retrievers import BaseRetriever

    from assistant.langchain_adapters import as_retriever

    retriever = sample_bot.retriever
    adapted = as_retriever(retriever)
    assert isinstance(adapted, BaseRetriever)
    direct = [c.id for c in retriever.retrieve(QUESTION).chunks]
    assert direct and [c.id for c in adapted.invoke(QUESTION)] == direct


def test_retriever_adapter_applies_its_filters(sample_bot):
    from assistant.api import make_filters
    from assistant.langchain_adapters import as_retriever

    doc = sample_bot.retriever.retrieve(QUESTION).chunks[0].metadata["doc_id"]
    chunks = as_retriever(sample_bot.retriever, make_filters(doc_ids=[doc])).invoke("a question about anything")
    assert chunks and {c.metadata["doc_id"] for c in chunks} == {doc}


def test_vector_store_adapter_searches_the_index_and_embeddings_are_langchain_embeddings(sample_bot):
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import VectorStore

    from assistant.langchain_adapters import as_vector_store

    store = as_vector_store(sample_bot.index)
    assert isinstance(store, VectorStore) and isinstance(store.embeddings, Embeddings)
    hits = store.similarity_search(QUESTION, k=3)
    assert len(hits) == 3 and all(h.page_content for h in hits)
    assert [h.id for h in store.get_by_ids([hits[0].id])] == [hits[0].id]
    with pytest.raises(NotImplementedError, match=r"Assistant\.ingest"):
        store.add_texts(["a text without its article"])


def test_embeddings_async_forms_give_the_sync_vectors(sample_bot):
    import asyncio

    import assistant.langchain_adapters  # noqa: F401  (registers the classes as LangChain Embeddings)

    emb = sample_bot.embeddings
    assert asyncio.run(emb.aembed_query(QUESTION)) == emb.embed_query(QUESTION)
    assert asyncio.run(emb.inner.aembed_documents(["Tianjin"])) == emb.inner.embed_documents(["Tianjin"])
