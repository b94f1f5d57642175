"""The intent journal: vector-store ids being written or deleted (see index.py's protocol).
Rows left behind by a crashed writer are rolled back by ``NewsIndex.recover``."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine, delete, insert, select

from assistant.catalog.db import owner_tag, parts, writing
from assistant.schema import pending

# A journal row of a writer on another machine is trusted for this long (its pid cannot be checked).
REMOTE_WRITER_TRUST_S = 3600


class Journal:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, ids: Iterable[str], op: str) -> None:
        rows = [{"chunk_id": i, "op": op, "owner": owner_tag(), "created_at": time.time()} for i in ids]
        if not rows:
            return
        with writing(self.engine) as conn:
            conn.execute(delete(pending).where(pending.c.chunk_id.in_([r["chunk_id"] for r in rows])))
            conn.execute(insert(pending), rows)

    def clear(self, ids: Sequence[str], conn: Connection | None = None) -> None:
        """Drop the rows of ``ids``, in the caller's transaction when one is given."""
        if conn is None:
            with writing(self.engine) as own:
                return self.clear(ids, own)
        for part in parts(ids):
            conn.execute(delete(pending).where(pending.c.chunk_id.in_(part)))

    def stale(self) -> list[tuple[str, str]]:
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
            else:
                alive = time.time() - created < REMOTE_WRITER_TRUST_S
            if not alive:
                stale.append((chunk_id, op))
        return stale


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
