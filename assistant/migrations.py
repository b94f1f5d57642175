"""Numbered schema migrations for the catalog (the pattern of simonw/llm's migrations.py).

Each step is a function ``mNNN_what(conn)``; ``migrate`` runs, in order, the steps a catalog
has not recorded in ``na_migrations`` and records each one. Rules:

- Never edit or reorder a step that has shipped; add a new one (and the column or table in
  schema.py, which describes the tables as the last step leaves them).
- Steps 001-003 predate the migrations table. They check before they change anything, so a
  catalog written by any earlier version (no ``na_migrations`` yet) passes through them safely.
- Later steps may rely on the steps before them, except that a brand-new catalog is created
  by step 001 from schema.py's *current* tables: a step that adds a column checks for it first.

Crash consistency: all pending steps and their records run in one transaction under the
catalog's write lock (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on
PostgreSQL), so a crash leaves the catalog at the last fully recorded step and two processes
opening the same catalog at once migrate it once. A catalog that already has every step
costs one read and takes no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Column, Connection, Engine, Float, MetaData, String, Table, insert, inspect, select

from assistant import schema

MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = []

_history_metadata = MetaData()
history = Table(
    "na_migrations", _history_metadata,
    Column("name", String(128), primary_key=True),
    Column("applied_at", Float, nullable=False),
)



def migration(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


@migration
def m001_index_tables(conn: Connection) -> None:
    """Documents, chunks, postings, term and corpus statistics, journal, key-value."""
    schema.metadata.create_all(conn, checkfirst=True)


@migration
def m002_postings_carry_chunk_length(conn: Connection) -> None:
    """Postings gained the chunk's length (scoring a query reads only its terms' postings,
    no join: 150 ms a query at 110k chunks). Rebuilds the table of older catalogs; finishes
    one left half-done by the pre-migrations code (na_postings_old still present)."""
    names = set(inspect(conn).get_table_names())
    interrupted = "na_postings_old" in names
    if not interrupted and "length" in _columns(conn, "na_postings"):
        return
    if interrupted:
        conn.exec_driver_sql("DROP TABLE IF EXISTS na_postings")
    else:
        conn.exec_driver_sql("ALTER TABLE na_postings RENAME TO na_postings_old")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_na_postings_chunk_id")
    schema.postings.create(conn)
    conn.exec_driver_sql(
        "INSERT INTO na_postings (term, chunk_id, tf, length) SELECT p.term, p.chunk_id, p.tf, c.length "
        "FROM na_postings_old p JOIN na_chunks c ON c.chunk_id = p.chunk_id")
    conn.exec_driver_sql("DROP TABLE na_postings_old")


@migration
def m003_followed_sources(conn: Connection) -> None:
    """Feeds and watched folders, and what each held at its last check (issue 17)."""
    schema.sources_metadata.create_all(conn, checkfirst=True)


@migration
def m004_document_author_and_language(conn: Connection) -> None:
    """The byline and the page's language, read by the loaders since issue 17."""
    have = _columns(conn, "na_documents")
    for name in ("author", "language"):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE na_documents ADD COLUMN {name} TEXT")


def applied(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("na_migrations"):
            return []
        return list(conn.execute(select(history.c.name)).scalars())


def migrate(engine: Engine) -> list[str]:
    """Bring the catalog to the last step. Returns the names of the steps run now."""
    names = [name for name, _ in MIGRATIONS]
    if set(names) <= set(applied(engine)):
        return []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite runs DDL outside any transaction unless one is opened explicitly.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({schema.WRITE_LOCK})")
        history.create(conn, checkfirst=True)
        done = set(conn.execute(select(history.c.name)).scalars())  # again, under the lock
        ran = []
        for name, step in MIGRATIONS:
            if name not in done:
                step(conn)
                conn.execute(insert(history).values(name=name, applied_at=time.time()))
                ran.append(name)
        conn.commit()
    return ran
