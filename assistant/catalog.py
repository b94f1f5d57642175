"""The catalog: documents, chunks and a BM25 keyword index in one SQL database.

Why hand-written: BM25 libraries (rank-bm25, bm25s, LangChain's BM25Retriever) build an
in-memory index from every text at start-up and cannot update or delete one document.
Here the postings live in SQL tables beside LangChain's record manager, so the keyword
index persists, changes one document at a time, commits in the same transaction as the
chunk rows, and can be shared by several app instances (SQLite file or PostgreSQL).

The chunk rows are the commit record of the whole index: a chunk is visible to retrieval
only once its row exists, whatever Chroma holds (see ``index.py``).
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    update,
)

from assistant.migrations import migrate
from assistant.schema import (
    WRITE_LOCK,
    chunks,
    corpus_stats,
    documents,
    kv,
    pending,
    postings,
    source_items,
    sources,
    term_stats,
)
from assistant.text import terms


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # WAL: readers never wait for the ingest writer.
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def owner_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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


@dataclass(frozen=True)
class Filters:
    """Metadata filters usable from the CLI, the API and the UI."""

    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    section: str | None = None
    doc_ids: tuple[str, ...] | None = None

    def empty(self) -> bool:
        return not (self.date_from or self.date_to or self.source or self.section or self.doc_ids)

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.date_from:
            clauses.append({"date_int": {"$gte": int(self.date_from.replace("-", ""))}})
        if self.date_to:
            clauses.append({"date_int": {"$lte": int(self.date_to.replace("-", ""))}})
        if self.source:
            clauses.append({"source": self.source})
        if self.section:
            clauses.append({"section": self.section})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def sql(self):
        conds = []
        if self.date_from:
            conds.append(documents.c.date >= self.date_from)
        if self.date_to:
            conds.append(documents.c.date <= self.date_to)
        if self.source:
            conds.append(documents.c.source == self.source)
        if self.section:
            conds.append(documents.c.section == self.section)
        if self.doc_ids:
            conds.append(documents.c.doc_id.in_(self.doc_ids))
        return conds


class Catalog:
    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)
        with self._writing() as conn:
            if conn.execute(select(func.count()).select_from(corpus_stats)).scalar() < 2:
                n, total = conn.execute(select(func.count(), func.coalesce(func.sum(chunks.c.length), 0))).one()
                conn.execute(delete(corpus_stats))
                conn.execute(insert(corpus_stats), [{"key": "chunks", "value": int(n)},
                                                    {"key": "length", "value": int(total)}])

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """Every catalog write transaction. SQLite lets one writer in at a time; PostgreSQL,
        shared by app instances on several hosts, would let two writers read the same "which
        chunks, terms and journal rows exist" and then collide, so writers take one
        transaction-scoped advisory lock there."""
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            yield conn

    @staticmethod
    def _bump_stats(conn, chunks_delta: int, length_delta: int) -> None:
        for key, delta in (("chunks", chunks_delta), ("length", length_delta)):
            conn.execute(update(corpus_stats).where(corpus_stats.c.key == key)
                         .values(value=corpus_stats.c.value + delta))

    # ---- metadata -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(kv.c.value).where(kv.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self._writing() as conn:
            conn.execute(delete(kv).where(kv.c.key == key))
            conn.execute(insert(kv).values(key=key, value=value))

    # ---- journal --------------------------------------------------------------
    def journal(self, ids: Iterable[str], op: str) -> None:
        rows = [{"chunk_id": i, "op": op, "owner": owner_tag(), "created_at": time.time()} for i in ids]
        if not rows:
            return
        with self._writing() as conn:
            conn.execute(delete(pending).where(pending.c.chunk_id.in_([r["chunk_id"] for r in rows])))
            conn.execute(insert(pending), rows)

    def clear_journal(self, ids: Sequence[str]) -> None:
        with self._writing() as conn:
            for part in _parts(ids):
                conn.execute(delete(pending).where(pending.c.chunk_id.in_(part)))

    def stale_journal(self) -> list[tuple[str, str]]:
        """Journal rows whose writer is gone: (chunk_id, op)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(pending.c.chunk_id, pending.c.op, pending.c.owner,
                                       pending.c.created_at)).all()
        host = socket.gethostname()
        stale = []
        for chunk_id, op, owner, created in rows:
            owner_host, _, pid = owner.rpartition(":")
            if owner_host == host:
                alive = pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid()
            else:  # another machine: trust it for an hour
                alive = time.time() - created < 3600
            if not alive:
                stale.append((chunk_id, op))
        return stale

    # ---- writes -----------------------------------------------------------------
    def committed(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for part in _parts(ids):
                found.update(conn.execute(select(chunks.c.chunk_id).where(chunks.c.chunk_id.in_(part))).scalars())
        return found

    def commit_chunks(self, items: Sequence[tuple[str, dict, str]], docs: dict[str, dict],
                      index_title: bool) -> None:
        """Make chunks visible: chunk rows, postings, term stats and document rows, in one
        transaction, and clear their journal entries. ``items`` are (chunk_id, metadata, text)."""
        now = time.time()
        with self._writing() as conn:
            known = set()
            for part in _parts([i for i, _, _ in items]):
                known.update(conn.execute(select(chunks.c.chunk_id).where(chunks.c.chunk_id.in_(part))).scalars())
            new = [(i, m, t) for i, m, t in items if i not in known]
            chunk_rows, posting_rows, df = [], [], Counter()
            for chunk_id, meta, text in new:
                counted = Counter(terms(f"{meta.get('title', '')}\n{text}" if index_title else text))
                chunk_rows.append({"chunk_id": chunk_id, "doc_id": meta["doc_id"],
                                   "chunk_index": meta["chunk_index"], "start": meta["start"],
                                   "end": meta["end"], "length": sum(counted.values())})
                length = sum(counted.values())
                posting_rows.extend({"term": t[:64], "chunk_id": chunk_id, "tf": n, "length": length}
                                    for t, n in counted.items())
                df.update(counted.keys())
            if chunk_rows:
                conn.execute(insert(chunks), chunk_rows)
                conn.execute(insert(postings), posting_rows)
                self._bump_df(conn, df, +1)
                self._bump_stats(conn, len(chunk_rows), sum(r["length"] for r in chunk_rows))
            per_doc = Counter(m["doc_id"] for _, m, _ in new)
            existing_docs = set()
            for part in _parts(list(per_doc)):
                existing_docs.update(conn.execute(select(documents.c.doc_id).where(documents.c.doc_id.in_(part))).scalars())
            for doc_id, n in per_doc.items():
                if doc_id in existing_docs:
                    conn.execute(update(documents).where(documents.c.doc_id == doc_id)
                                 .values(n_chunks=documents.c.n_chunks + n))
                else:
                    d = docs[doc_id]
                    conn.execute(insert(documents).values(
                        doc_id=doc_id, title=d["title"], date=d.get("date"), section=d.get("section"),
                        source=d.get("source") or "", url=d.get("url"), path=d.get("path"),
                        text=d["text"], n_chunks=n, added_at=now, author=d.get("author"),
                        language=d.get("language")))
            for part in _parts([i for i, _, _ in items]):
                conn.execute(delete(pending).where(pending.c.chunk_id.in_(part)))

    def remove_chunks(self, ids: Sequence[str]) -> list[str]:
        """Hide and drop chunks (rows, postings, stats); drop documents left with none.
        Returns the ids that were committed."""
        removed: list[str] = []
        with self._writing() as conn:
            for part in _parts(ids):
                rows = conn.execute(select(chunks.c.chunk_id, chunks.c.doc_id).where(chunks.c.chunk_id.in_(part))).all()
                if not rows:
                    continue
                found = [r[0] for r in rows]
                removed.extend(found)
                length = conn.execute(select(func.coalesce(func.sum(chunks.c.length), 0))
                                      .where(chunks.c.chunk_id.in_(found))).scalar()
                self._bump_stats(conn, -len(found), -int(length))
                df = Counter(conn.execute(select(postings.c.term).where(postings.c.chunk_id.in_(found))).scalars())
                self._bump_df(conn, df, -1)
                conn.execute(delete(postings).where(postings.c.chunk_id.in_(found)))
                conn.execute(delete(chunks).where(chunks.c.chunk_id.in_(found)))
                for doc_id, n in Counter(r[1] for r in rows).items():
                    conn.execute(update(documents).where(documents.c.doc_id == doc_id)
                                 .values(n_chunks=documents.c.n_chunks - n))
            conn.execute(delete(documents).where(documents.c.n_chunks <= 0))
            conn.execute(delete(term_stats).where(term_stats.c.df <= 0))
        return removed

    @staticmethod
    def _bump_df(conn, df: Counter, sign: int) -> None:
        if not df:
            return
        existing = set()
        keys = [t[:64] for t in df]
        for part in _parts(keys):
            existing.update(conn.execute(select(term_stats.c.term).where(term_stats.c.term.in_(part))).scalars())
        fresh = [{"term": t[:64], "df": n} for t, n in df.items() if t[:64] not in existing and sign > 0]
        if fresh:
            conn.execute(insert(term_stats), fresh)
        changed = [{"t": t[:64], "n": sign * n} for t, n in df.items() if t[:64] in existing]
        if changed:
            from sqlalchemy import bindparam

            conn.execute(update(term_stats).where(term_stats.c.term == bindparam("t"))
                         .values(df=term_stats.c.df + bindparam("n")), changed)

    # ---- reads ------------------------------------------------------------------
    def stats(self) -> tuple[int, float]:
        """(number of chunks, average chunk length in terms)."""
        with self.engine.connect() as conn:
            values = dict(conn.execute(select(corpus_stats.c.key, corpus_stats.c.value)).all())
        n, total = values.get("chunks", 0), values.get("length", 0)
        return int(n), (float(total) / n if n else 0.0)

    def idf(self, query_terms: Iterable[str]) -> dict[str, float]:
        """BM25 idf of each term (0 for unknown terms)."""
        n, _ = self.stats()
        wanted = list(dict.fromkeys(query_terms))
        with self.engine.connect() as conn:
            df = _document_frequencies(conn, wanted)
        return {t: _idf(n, df[t]) if t in df else 0.0 for t in wanted}

    def keyword_search(self, query: str, limit: int, filters: Filters | None = None, *,
                       k1: float = 1.2, b: float = 0.75, max_df: float = 0.25) -> list[tuple[str, float]]:
        """BM25 over chunks: [(chunk_id, score)], best first. Terms in more than ``max_df``
        of the chunks are ignored: on news text they only add noise and cost."""
        q = Counter(terms(query))
        if not q or limit <= 0:
            return []
        n, avgdl = self.stats()
        if n == 0:
            return []
        with self.engine.connect() as conn:
            df = _document_frequencies(conn, list(q))
            weights = [(t, _idf(n, df[t]) * qtf) for t, qtf in q.items()
                       if t in df and df[t] <= max(50, max_df * n)]
            if not weights:
                return []
            weight = case(dict(weights), value=postings.c.term, else_=0.0)
            tf = postings.c.tf
            norm = literal(k1) * (1 - b + b * postings.c.length / literal(max(avgdl, 1e-9)))
            score = func.sum(weight * tf * (k1 + 1) / (tf + norm)).label("score")
            stmt = (
                select(postings.c.chunk_id, score)
                .where(postings.c.term.in_([t for t, _ in weights]))
                .group_by(postings.c.chunk_id)
                .order_by(score.desc())
                .limit(limit)
            )
            conds = filters.sql() if filters else []
            if conds:
                stmt = (stmt.join(chunks, chunks.c.chunk_id == postings.c.chunk_id)
                        .join(documents, documents.c.doc_id == chunks.c.doc_id).where(*conds))
            return [(r[0], float(r[1])) for r in conn.execute(stmt)]

    def chunk_rows(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        with self.engine.connect() as conn:
            for part in _parts(ids):
                for r in conn.execute(select(chunks).where(chunks.c.chunk_id.in_(part))):
                    out[r.chunk_id] = ChunkRow(r.chunk_id, r.doc_id, r.chunk_index, r.start, r.end)
        return out

    def chunks_of(self, doc_id: str) -> list[ChunkRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(chunks).where(chunks.c.doc_id == doc_id).order_by(chunks.c.chunk_index)).all()
        return [ChunkRow(r.chunk_id, r.doc_id, r.chunk_index, r.start, r.end) for r in rows]

    def document_text(self, doc_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in _parts(list(dict.fromkeys(doc_ids))):
                stmt = select(documents.c.doc_id, documents.c.text).where(documents.c.doc_id.in_(part))
                out.update(conn.execute(stmt).all())
        return out

    def list_documents(self, doc_ids: Sequence[str] | None = None, filters: Filters | None = None,
                  search: str | None = None) -> list[DocumentRow]:
        cols = [c for c in documents.c if c.name != "text"]
        stmt = select(*cols).order_by(documents.c.date.desc(), documents.c.title)
        if doc_ids is not None:
            stmt = stmt.where(documents.c.doc_id.in_(list(doc_ids)))
        if filters:
            stmt = stmt.where(*filters.sql())
        if search:
            like = f"%{search.lower()}%"
            stmt = stmt.where(func.lower(documents.c.title).like(like) | func.lower(documents.c.source).like(like))
        with self.engine.connect() as conn:
            return [DocumentRow(**r._mapping) for r in conn.execute(stmt)]

    def doc_ids_for_path(self, path: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(documents.c.doc_id).where(documents.c.path == path)).scalars())

    def all_chunk_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(chunks.c.chunk_id)).scalars())


def _document_frequencies(conn, wanted: list[str]) -> dict[str, int]:
    stmt = select(term_stats.c.term, term_stats.c.df).where(term_stats.c.term.in_(wanted))
    return dict(conn.execute(stmt).all())


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parts(items: Sequence[str], size: int = 500):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---- followed sources: feeds and watched folders (issue 17) ----------------------------------
@dataclass(frozen=True)
class SourceRow:
    location: str
    kind: str
    title: str | None
    added_at: float
    checked_at: float | None
    ok_at: float | None
    error: str | None
    items: int
    etag: str | None
    modified: str | None


class SourceRegistry:
    """Feeds and watched folders, with what each held at its last check."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.engine = catalog.engine

    def add(self, kind: str, location: str, title: str | None = None) -> bool:
        """False when it was already there."""
        with self.catalog._writing() as conn:
            if conn.execute(select(sources.c.location).where(sources.c.location == location)).first():
                return False
            conn.execute(insert(sources).values(location=location, kind=kind, title=title,
                                                added_at=time.time(), items=0))
        return True

    def remove(self, location: str) -> bool:
        with self.catalog._writing() as conn:
            gone = conn.execute(delete(sources).where(sources.c.location == location)).rowcount
            conn.execute(delete(source_items).where(source_items.c.location == location))
        return bool(gone)

    def get(self, location: str) -> SourceRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.location == location)).first()
        return SourceRow(**row._mapping) if row else None

    def list(self, kind: str | None = None) -> list[SourceRow]:
        stmt = select(sources).order_by(sources.c.kind, sources.c.location)
        if kind:
            stmt = stmt.where(sources.c.kind == kind)
        with self.engine.connect() as conn:
            return [SourceRow(**r._mapping) for r in conn.execute(stmt)]

    def record_check(self, location: str, error: str | None, *, title: str | None = None,
                     etag: str | None = None, modified: str | None = None) -> None:
        now = time.time()
        values: dict = {"checked_at": now, "error": error}
        if error is None:
            values.update(ok_at=now, etag=etag, modified=modified)
            with self.engine.connect() as conn:
                values["items"] = conn.execute(select(func.count()).select_from(source_items)
                                               .where(source_items.c.location == location)).scalar()
        if title:
            values["title"] = title
        with self.catalog._writing() as conn:
            conn.execute(update(sources).where(sources.c.location == location).values(**values))

    def items(self, location: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            stmt = select(source_items.c.item, source_items.c.fingerprint).where(source_items.c.location == location)
            return dict(conn.execute(stmt).all())

    def set_items(self, location: str, fingerprints: dict[str, str]) -> None:
        if not fingerprints:
            return
        now = time.time()
        with self.catalog._writing() as conn:
            for part in _parts(list(fingerprints)):
                conn.execute(delete(source_items).where(source_items.c.location == location,
                                                        source_items.c.item.in_(part)))
            conn.execute(insert(source_items), [{"location": location, "item": k, "fingerprint": v, "seen_at": now}
                                                for k, v in fingerprints.items()])

    def drop_items(self, location: str, items: Sequence[str]) -> None:
        with self.catalog._writing() as conn:
            for part in _parts(items):
                conn.execute(delete(source_items).where(source_items.c.location == location,
                                                        source_items.c.item.in_(part)))
