"""Numbered catalog migrations (assistant/migrations.py): fresh catalogs, catalogs from before
the migrations table, a step that fails half-way, and two processes opening one catalog."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import inspect

from assistant import migrations, schema
from assistant.catalog import Catalog, make_engine


def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.sqlite'}"


def test_a_new_catalog_records_every_step_and_has_the_schema_tables(tmp_path):
    engine = make_engine(url(tmp_path))
    assert migrations.migrate(engine) == [name for name, _ in migrations.MIGRATIONS]
    assert migrations.applied(engine) == [name for name, _ in migrations.MIGRATIONS]
    assert migrations.migrate(engine) == []  # nothing left to do, no lock taken
    found = inspect(engine)
    for meta in (schema.metadata, schema.sources_metadata):
        for table in meta.tables.values():
            assert {c["name"] for c in found.get_columns(table.name)} == set(table.c.keys()), table.name


def test_steps_are_numbered_in_order_and_never_renamed():
    names = [name for name, _ in migrations.MIGRATIONS]
    assert names[:4] == ["m001_index_tables", "m002_postings_carry_chunk_length", "m003_followed_sources",
                         "m004_document_author_and_language"]  # shipped: never edit, reorder or rename
    assert [int(n[1:4]) for n in names] == list(range(1, len(names) + 1))


def test_documents_keep_author_and_language(tmp_path):
    catalog = Catalog(make_engine(url(tmp_path)))
    meta = {"doc_id": "d1", "chunk_index": 0, "start": 0, "end": 5, "title": "T"}
    catalog.commit_chunks([("c1", meta, "Hello")], {"d1": {"title": "T", "text": "Hello", "author": "Ann Lee",
                                                          "language": "en"}}, index_title=False)
    [row] = catalog.list_documents()
    assert (row.author, row.language) == ("Ann Lee", "en")


def test_a_failing_step_leaves_the_catalog_as_it_was(tmp_path, monkeypatch):
    """All pending steps run in one transaction: a crash in step N records none of them."""
    engine = make_engine(url(tmp_path))
    migrations.migrate(engine)

    def m099_broken(conn):
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("m099_broken", m099_broken)])
    with pytest.raises(RuntimeError, match="disk full"):
        migrations.migrate(engine)
    assert "m099_broken" not in migrations.applied(engine)
    assert not inspect(make_engine(url(tmp_path))).has_table("half_done")


def test_two_processes_opening_an_old_catalog_at_once_migrate_it_once(tmp_path):
    engine = make_engine(url(tmp_path))
    migrations.migrate(engine)
    engine.dispose()
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    db.executescript("DROP TABLE na_migrations; ALTER TABLE na_documents DROP COLUMN author;"
                     "ALTER TABLE na_documents DROP COLUMN language;")
    db.close()
    errors, ran = [], []

    def open_it():
        try:
            ran.append(migrations.migrate(make_engine(url(tmp_path))))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(len(r) for r in ran) == [0, 0, 0, len(migrations.MIGRATIONS)]
    rows = sqlite3.connect(tmp_path / "catalog.sqlite").execute("SELECT name FROM na_migrations").fetchall()
    assert len(rows) == len(migrations.MIGRATIONS)
