"""The document store: whole articles (their text is the one copy quotes are cut from) and
the chunk rows that say which span of which article each indexed chunk is. A chunk row is
the commit record of the whole index: a chunk is visible to retrieval only once its row
exists, whatever Chroma holds (see index.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from assistant.catalog.db import parts
from assistant.schema import chunks, documents
from assistant.types import Filters


@dataclass(frozen=True)
class ChunkRow:
    chunk_id: str
    doc_id: str
    chunk_index: int
    start: int
    end: int


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    title: str
    date: str | None
    section: str | None
    source: str
    url: str | None
    path: str | None
    n_chunks: int
    added_at: float
    author: str | None = None
    language: str | None = None


def sql_conditions(filters: Filters | None) -> list:
    """Filters as SQL conditions on the documents table (index.py translates them for Chroma)."""
    if not filters:
        return []
    conds = []
    if filters.date_from:
        conds.append(documents.c.date >= filters.date_from)
    if filters.date_to:
        conds.append(documents.c.date <= filters.date_to)
    if filters.source:
        conds.append(documents.c.source == filters.source)
    if filters.section:
        conds.append(documents.c.section == filters.section)
    if filters.doc_ids:
        conds.append(documents.c.doc_id.in_(filters.doc_ids))
    return conds


class DocumentStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ---- writes, inside the catalog's transaction --------------------------------------
    def known_chunks(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in parts(ids):
            found.update(conn.execute(select(chunks.c.chunk_id).where(chunks.c.chunk_id.in_(part))).scalars())
        return found

    def add(self, conn: Connection, chunk_rows: list[dict], docs: dict[str, dict], now: float) -> None:
        """Chunk rows, and a row for each document the first time one of its chunks arrives.
        ``docs`` maps doc_id -> metadata with the whole ``text``."""
        if chunk_rows:
            conn.execute(insert(chunks), chunk_rows)
        per_doc = Counter(r["doc_id"] for r in chunk_rows)
        existing: set[str] = set()
        for part in parts(list(per_doc)):
            existing.update(conn.execute(select(documents.c.doc_id).where(documents.c.doc_id.in_(part))).scalars())
        for doc_id, n in per_doc.items():
            if doc_id in existing:
                conn.execute(update(documents).where(documents.c.doc_id == doc_id)
                             .values(n_chunks=documents.c.n_chunks + n))
                continue
            d = docs[doc_id]
            conn.execute(insert(documents).values(
                doc_id=doc_id, title=d["title"], date=d.get("date"), section=d.get("section"),
                source=d.get("source") or "", url=d.get("url"), path=d.get("path"), text=d["text"],
                n_chunks=n, added_at=now, author=d.get("author"), language=d.get("language")))

    def remove(self, conn: Connection, chunk_ids: list[str]) -> tuple[list[str], int]:
        """Drop chunk rows; returns (the ids that existed, their summed length in terms)."""
        rows = conn.execute(select(chunks.c.chunk_id, chunks.c.doc_id, chunks.c.length)
                            .where(chunks.c.chunk_id.in_(chunk_ids))).all()
        if not rows:
            return [], 0
        found = [r[0] for r in rows]
        conn.execute(delete(chunks).where(chunks.c.chunk_id.in_(found)))
        for doc_id, n in Counter(r[1] for r in rows).items():
            conn.execute(update(documents).where(documents.c.doc_id == doc_id)
                         .values(n_chunks=documents.c.n_chunks - n))
        return found, sum(int(r[2]) for r in rows)

    def prune(self, conn: Connection) -> None:
        """Documents left with no chunk go."""
        conn.execute(delete(documents).where(documents.c.n_chunks <= 0))

    # ---- reads -----------------------------------------------------------------------------
    def committed(self, ids: Sequence[str]) -> set[str]:
        with self.engine.connect() as conn:
            return self.known_chunks(conn, ids)

    def chunk_rows(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        with self.engine.connect() as conn:
            for part in parts(ids):
                for r in conn.execute(select(chunks).where(chunks.c.chunk_id.in_(part))):
                    out[r.chunk_id] = ChunkRow(r.chunk_id, r.doc_id, r.chunk_index, r.start, r.end)
        return out

    def chunks_of(self, doc_id: str) -> list[ChunkRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(chunks).where(chunks.c.doc_id == doc_id).order_by(chunks.c.chunk_index)).all()
        return [ChunkRow(r.chunk_id, r.doc_id, r.chunk_index, r.start, r.end) for r in rows]

    def all_chunk_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(chunks.c.chunk_id)).scalars())

    def text(self, doc_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in parts(list(dict.fromkeys(doc_ids))):
                out.update(conn.execute(select(documents.c.doc_id, documents.c.text)
                                        .where(documents.c.doc_id.in_(part))).all())
        return out

    def list(self, doc_ids: Sequence[str] | None = None, filters: Filters | None = None,
             search: str | None = None) -> list[DocumentRow]:
        stmt = select(*[c for c in documents.c if c.name != "text"]).order_by(documents.c.date.desc(),
                                                                               documents.c.title)
        if doc_ids is not None:
            stmt = stmt.where(documents.c.doc_id.in_(list(doc_ids)))
        if conds := sql_conditions(filters):
            stmt = stmt.where(*conds)
        if search:
            like = f"%{search.lower()}%"
            stmt = stmt.where(func.lower(documents.c.title).like(like) | func.lower(documents.c.source).like(like))
        with self.engine.connect() as conn:
            return [DocumentRow(**r._mapping) for r in conn.execute(stmt)]

    def ids_for_path(self, path: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(documents.c.doc_id).where(documents.c.path == path)).scalars())
