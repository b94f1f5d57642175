"""Followed sources: feeds and watched folders, with what each held at its last check (issue 17).
Kept apart from the index: they say what to fetch and what was seen, never what is searchable."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, update

from assistant.catalog.db import parts, writing
from assistant.schema import source_items, sources

if TYPE_CHECKING:
    from assistant.catalog.catalog import Catalog


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
        with writing(self.engine) as conn:
            if conn.execute(select(sources.c.location).where(sources.c.location == location)).first():
                return False
            conn.execute(insert(sources).values(location=location, kind=kind, title=title,
                                                added_at=time.time(), items=0))
        return True

    def remove(self, location: str) -> bool:
        with writing(self.engine) as conn:
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
        with writing(self.engine) as conn:
            conn.execute(update(sources).where(sources.c.location == location).values(**values))

    def items(self, location: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            stmt = select(source_items.c.item, source_items.c.fingerprint).where(source_items.c.location == location)
            return dict(conn.execute(stmt).all())

    def set_items(self, location: str, fingerprints: dict[str, str]) -> None:
        if not fingerprints:
            return
        now = time.time()
        with writing(self.engine) as conn:
            for part in parts(list(fingerprints)):
                conn.execute(delete(source_items).where(source_items.c.location == location,
                                                        source_items.c.item.in_(part)))
            conn.execute(insert(source_items), [{"location": location, "item": k, "fingerprint": v, "seen_at": now}
                                                for k, v in fingerprints.items()])

    def drop_items(self, location: str, items: Sequence[str]) -> None:
        with writing(self.engine) as conn:
            for part in parts(items):
                conn.execute(delete(source_items).where(source_items.c.location == location,
                                                        source_items.c.item.in_(part)))
