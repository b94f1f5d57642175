"""The BM25 keyword index: postings, document frequencies and corpus statistics in SQL.

Why hand-written: BM25 libraries (rank-bm25, bm25s, LangChain's BM25Retriever) build an
in-memory index from every text at start-up and cannot update or delete one document.
Here the postings live in SQL tables beside LangChain's record manager, so the keyword
index persists, changes one document at a time, commits in the same transaction as the
chunk rows (the caller's ``conn``), and can be shared by several app instances.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine, bindparam, case, delete, func, insert, literal, select, update

from assistant.catalog.db import parts
from assistant.catalog.documents import sql_conditions
from assistant.schema import chunks, corpus_stats, documents, postings, term_stats
from assistant.types import Filters

TERM_CHARS = 64  # postings.term is String(64)


class KeywordIndex:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ---- writes, inside the catalog's transaction --------------------------------------
    def ensure_stats(self, conn: Connection) -> None:
        """Corpus statistics rows exist (catalogs from before they were kept are counted once)."""
        if conn.execute(select(func.count()).select_from(corpus_stats)).scalar() >= 2:
            return
        n, total = conn.execute(select(func.count(), func.coalesce(func.sum(chunks.c.length), 0))).one()
        conn.execute(delete(corpus_stats))
        conn.execute(insert(corpus_stats), [{"key": "chunks", "value": int(n)}, {"key": "length", "value": int(total)}])

    def add(self, conn: Connection, counted: Sequence[tuple[str, Counter]]) -> None:
        """Postings of new chunks: (chunk_id, term counts)."""
        rows, df = [], Counter()
        for chunk_id, terms in counted:
            length = sum(terms.values())
            rows.extend({"term": t[:TERM_CHARS], "chunk_id": chunk_id, "tf": n, "length": length}
                        for t, n in terms.items())
            df.update(terms.keys())
        if not counted:
            return
        if rows:
            conn.execute(insert(postings), rows)
        _bump_df(conn, df, +1)
        _bump_stats(conn, len(counted), sum(sum(t.values()) for _, t in counted))

    def remove(self, conn: Connection, chunk_ids: list[str], total_length: int) -> None:
        """Postings of chunks being dropped; ``total_length`` is their summed length in terms."""
        _bump_stats(conn, -len(chunk_ids), -total_length)
        _bump_df(conn, Counter(conn.execute(select(postings.c.term).where(postings.c.chunk_id.in_(chunk_ids)))
                               .scalars()), -1)
        conn.execute(delete(postings).where(postings.c.chunk_id.in_(chunk_ids)))

    def prune(self, conn: Connection) -> None:
        conn.execute(delete(term_stats).where(term_stats.c.df <= 0))

    # ---- reads -----------------------------------------------------------------------------
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

    def search(self, query_terms: Counter, limit: int, filters: Filters | None = None, *,
               k1: float = 1.2, b: float = 0.75, max_df: float = 0.25) -> list[tuple[str, float]]:
        """BM25 over chunks: [(chunk_id, score)], best first. Terms in more than ``max_df``
        of the chunks are ignored: on news text they only add noise and cost."""
        if not query_terms or limit <= 0:
            return []
        n, avgdl = self.stats()
        if n == 0:
            return []
        with self.engine.connect() as conn:
            df = _document_frequencies(conn, list(query_terms))
            weights = [(t, _idf(n, df[t]) * qtf) for t, qtf in query_terms.items()
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
            conds = sql_conditions(filters)
            if conds:
                stmt = (stmt.join(chunks, chunks.c.chunk_id == postings.c.chunk_id)
                        .join(documents, documents.c.doc_id == chunks.c.doc_id).where(*conds))
            return [(r[0], float(r[1])) for r in conn.execute(stmt)]


def _bump_stats(conn: Connection, chunks_delta: int, length_delta: int) -> None:
    for key, delta in (("chunks", chunks_delta), ("length", length_delta)):
        conn.execute(update(corpus_stats).where(corpus_stats.c.key == key).values(value=corpus_stats.c.value + delta))


def _bump_df(conn: Connection, df: Counter, sign: int) -> None:
    if not df:
        return
    existing = set()
    for part in parts([t[:TERM_CHARS] for t in df]):
        existing.update(conn.execute(select(term_stats.c.term).where(term_stats.c.term.in_(part))).scalars())
    fresh = [{"term": t[:TERM_CHARS], "df": n} for t, n in df.items() if t[:TERM_CHARS] not in existing and sign > 0]
    if fresh:
        conn.execute(insert(term_stats), fresh)
    changed = [{"t": t[:TERM_CHARS], "n": sign * n} for t, n in df.items() if t[:TERM_CHARS] in existing]
    if changed:
        conn.execute(update(term_stats).where(term_stats.c.term == bindparam("t"))
                     .values(df=term_stats.c.df + bindparam("n")), changed)


def _document_frequencies(conn: Connection, wanted: list[str]) -> dict[str, int]:
    stmt = select(term_stats.c.term, term_stats.c.df).where(term_stats.c.term.in_(wanted))
    return dict(conn.execute(stmt).all())


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
