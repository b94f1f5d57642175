"""The catalog: documents, chunk rows, the BM25 keyword index and the write journal in one
SQL database (a SQLite file or PostgreSQL), as three parts over one write transaction.

``commit_chunks`` and ``remove_chunks`` are the only writes that touch more than one part;
each runs in one transaction, so the chunk rows (the index's commit record), the postings
and the document rows never disagree. The write protocol around Chroma is in index.py.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, delete, insert, select

from assistant.catalog.db import parts, writing
from assistant.catalog.documents import ChunkRow, DocumentRow, DocumentStore
from assistant.catalog.journal import Journal
from assistant.catalog.keywords import KeywordIndex
from assistant.migrations import migrate
from assistant.schema import kv
from assistant.types import Filters


class Catalog:
    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)
        self.documents = DocumentStore(engine)
        self.keywords = KeywordIndex(engine)
        self.journal_rows = Journal(engine)
        with writing(engine) as conn:
            self.keywords.ensure_stats(conn)

    # ---- writes that span the parts -------------------------------------------------------
    def commit_chunks(self, items: Sequence[tuple[str, dict, str]], docs: dict[str, dict],
                      index_title: bool) -> None:
        """Make chunks visible: chunk rows, postings, term stats and document rows, in one
        transaction, and clear their journal entries. ``items`` are (chunk_id, metadata, text)."""
        from assistant.text import terms  # pysbd and the stemmer: not for `assistant docs`

        now = time.time()
        with writing(self.engine) as conn:
            known = self.documents.known_chunks(conn, [i for i, _, _ in items])
            counted = [(chunk_id, meta, Counter(terms(f"{meta.get('title', '')}\n{text}" if index_title else text)))
                       for chunk_id, meta, text in items if chunk_id not in known]
            rows = [{"chunk_id": chunk_id, "doc_id": meta["doc_id"], "chunk_index": meta["chunk_index"],
                     "start": meta["start"], "end": meta["end"], "length": sum(c.values())}
                    for chunk_id, meta, c in counted]
            self.documents.add(conn, rows, docs, now)
            self.keywords.add(conn, [(chunk_id, c) for chunk_id, _, c in counted])
            self.journal_rows.clear([i for i, _, _ in items], conn)

    def remove_chunks(self, ids: Sequence[str]) -> list[str]:
        """Hide and drop chunks (rows, postings, stats); drop documents left with none.
        Returns the ids that were committed."""
        removed: list[str] = []
        with writing(self.engine) as conn:
            for part in parts(ids):
                found, length = self.documents.remove(conn, part)
                if found:
                    self.keywords.remove(conn, found, length)
                    removed.extend(found)
            self.documents.prune(conn)
            self.keywords.prune(conn)
        return removed

    # ---- key-value metadata (the index's embedding record) -------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(kv.c.value).where(kv.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with writing(self.engine) as conn:
            conn.execute(delete(kv).where(kv.c.key == key))
            conn.execute(insert(kv).values(key=key, value=value))

    # ---- the parts' reads, by their old names ----------------------------------------------
    def journal(self, ids: Iterable[str], op: str) -> None:
        self.journal_rows.record(ids, op)

    def clear_journal(self, ids: Sequence[str]) -> None:
        self.journal_rows.clear(ids)

    def stale_journal(self) -> list[tuple[str, str]]:
        return self.journal_rows.stale()

    def committed(self, ids: Sequence[str]) -> set[str]:
        return self.documents.committed(ids)

    def stats(self) -> tuple[int, float]:
        return self.keywords.stats()

    def idf(self, query_terms: Iterable[str]) -> dict[str, float]:
        return self.keywords.idf(query_terms)

    def keyword_search(self, query: str, limit: int, filters: Filters | None = None, **bm25) -> list[tuple[str, float]]:
        from assistant.text import terms

        return self.keywords.search(Counter(terms(query)), limit, filters, **bm25)

    def chunk_rows(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        return self.documents.chunk_rows(ids)

    def chunks_of(self, doc_id: str) -> list[ChunkRow]:
        return self.documents.chunks_of(doc_id)

    def document_text(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return self.documents.text(doc_ids)

    def list_documents(self, doc_ids: Sequence[str] | None = None, filters: Filters | None = None,
                       search: str | None = None) -> list[DocumentRow]:
        return self.documents.list(doc_ids, filters, search)

    def doc_ids_for_path(self, path: str) -> list[str]:
        return self.documents.ids_for_path(path)

    def all_chunk_ids(self) -> list[str]:
        return self.documents.all_chunk_ids()
