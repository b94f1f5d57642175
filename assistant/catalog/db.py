"""The catalog's database: the engine, the one write transaction, and batching of IN lists."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, event

from assistant.schema import WRITE_LOCK


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


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """Every catalog write transaction. SQLite lets one writer in at a time; PostgreSQL,
    shared by app instances on several hosts, would let two writers read the same "which
    chunks, terms and journal rows exist" and then collide, so writers take one
    transaction-scoped advisory lock there."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        yield conn


def owner_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def parts(items: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    """IN lists of at most ``size`` items (SQLite's bound-parameter limit)."""
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]
