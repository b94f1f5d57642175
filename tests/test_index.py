"""Ingest bookkeeping: idempotent re-ingest, replacement, deletion, stores in step, persistence."""

from __future__ import annotations

import shutil

import pytest

from assistant.api import Assistant

from conftest import SEED

pytestmark = pytest.mark.slow


def consistent(bot: Assistant) -> None:
    """Chroma, the keyword index and the record manager hold exactly the same chunks."""
    catalog_ids = set(bot.index.catalog.all_chunk_ids())
    chroma_ids = set(bot.index.collection.get(include=[])["ids"])
    recorded = set(bot.index.record_manager.list_keys())
    assert catalog_ids == chroma_ids == recorded
    for doc in bot.documents():
        assert doc.n_chunks == len(bot.index.catalog.chunks_of(doc.doc_id))


def write_article(path, title, body):
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_reingest_adds_nothing(bot, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SEED, folder)
    write_article(folder / "b.txt", "Harbour reopens", "The harbour reopened on Friday after repairs. " * 3)
    first = bot.ingest([folder])
    assert first.documents_added == 2 and first.chunks_added > 0
    stats = bot.stats()
    second = bot.ingest([folder])
    assert second.chunks_added == 0 and second.chunks_deleted == 0
    assert second.documents_unchanged == 2
    assert bot.stats() == stats
    consistent(bot)


def test_changed_file_replaces_old_chunks(bot, tmp_path):
    f = tmp_path / "story.txt"
    write_article(f, "Bridge closed", "The old bridge closed for repairs on Monday. Traffic was diverted.")
    bot.ingest([f])
    old = {d.doc_id for d in bot.documents()}
    write_article(f, "Bridge closed", "The old bridge closed for repairs on Monday. It will reopen in May.")
    report = bot.ingest([f])
    assert report.documents_replaced == 1 and report.chunks_deleted >= 1
    docs = bot.documents()
    assert len(docs) == 1 and docs[0].doc_id not in old
    assert "reopen in May" in bot.document_text(docs[0].doc_id)
    assert not bot.index.keyword_search("diverted traffic", 5)
    consistent(bot)


def test_duplicate_under_another_name_goes_in_once(bot, tmp_path):
    shutil.copy(SEED, tmp_path / "a.txt")
    shutil.copy(SEED, tmp_path / "b.txt")
    report = bot.ingest([tmp_path])
    assert report.documents_added == 1
    assert len(report.duplicates) == 1 and "same text as" in report.duplicates[0]
    consistent(bot)


def test_bad_files_reported_others_go_in(bot, tmp_path):
    shutil.copy(SEED, tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "pic.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    report = bot.ingest([tmp_path, tmp_path / "nope.txt"])
    assert report.documents_added == 1
    reasons = {e.path.rsplit("/", 1)[-1]: e.reason for e in report.errors}
    assert set(reasons) == {"empty.txt", "pic.txt", "nope.txt"}
    consistent(bot)


def test_delete_removes_from_both_indexes(bot, tmp_path):
    write_article(tmp_path / "x.txt", "Volcano erupts in Iceland", "The Grindavik volcano erupted again overnight.")
    shutil.copy(SEED, tmp_path)
    bot.ingest([tmp_path])
    volcano = next(d for d in bot.documents() if "Volcano" in d.title)
    assert bot.index.keyword_search("Grindavik volcano", 3)
    removed = bot.delete([volcano.doc_id])
    assert removed == volcano.n_chunks
    assert not bot.index.keyword_search("Grindavik volcano", 3)
    hits = bot.index.dense_search(bot.embeddings.embed_query("volcano eruption"), 5)
    assert hits and all("Volcano" not in c.metadata["title"] for c in bot.index.chunks([i for i, _ in hits]))
    consistent(bot)
    # Re-ingesting the folder brings it back (the record manager forgot it too).
    assert bot.ingest([tmp_path]).documents_added == 1
    consistent(bot)


def test_index_persists_across_restarts(settings, tmp_path):
    shutil.copy(SEED, tmp_path)
    Assistant(settings).ingest([tmp_path])
    reopened = Assistant(settings)
    hits = reopened.index.keyword_search("East Turkestan Islamic Movement", 3)
    assert hits
    chunk = reopened.index.chunks([hits[0][0]])[0]
    assert "East Turkestan" in chunk.page_content
    assert reopened.ingest([tmp_path]).chunks_added == 0


def test_filters(bot, tmp_path):
    (tmp_path / "a.md").write_text(
        "---\ntitle: Port strike\ndate: 2024-01-10\nsource: Wire A\n---\nDock workers struck.\n")
    (tmp_path / "b.md").write_text(
        "---\ntitle: Port strike ends\ndate: 2024-02-10\nsource: Wire B\n---\nDock workers returned.\n")
    bot.ingest([tmp_path])
    r = bot.retriever.retrieve("dock workers port", filters=None)
    assert len({c.metadata["doc_id"] for c in r.chunks}) == 2
    from assistant.catalog import Filters

    for mode in ("dense", "keyword", "hybrid"):
        only_feb = bot.retriever.retrieve("dock workers port", Filters(date_from="2024-02-01"), mode=mode).chunks
        assert [c.metadata["title"] for c in only_feb] == ["Port strike ends"], mode
        only_a = bot.retriever.retrieve("dock workers port", Filters(source="Wire A"), mode=mode).chunks
        assert [c.metadata["title"] for c in only_a] == ["Port strike"], mode


@pytest.mark.parametrize("state", ["old-schema", "interrupted-migration"])
def test_catalog_from_an_older_version_is_migrated(tmp_path, state):
    """A catalog from before numbered migrations (no na_migrations, no source tables, no
    author column, postings without the chunk length) is brought up to date on open,
    including one whose earlier postings rebuild was killed half-way."""
    import sqlite3

    from assistant.catalog import Catalog, make_engine
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    bot = Assistant(settings)
    bot.ingest([SEED])
    expected = bot.index.catalog.keyword_search("Baradar Tianjin", 5)
    assert expected
    bot.index.catalog.engine.dispose()
    db = sqlite3.connect(settings.data_dir / "catalog.sqlite")
    db.executescript("""
        CREATE TABLE na_postings_old (term VARCHAR(64), chunk_id VARCHAR(64), tf INTEGER, PRIMARY KEY (term, chunk_id));
        INSERT INTO na_postings_old SELECT term, chunk_id, tf FROM na_postings;
        DROP TABLE na_postings;
        DROP TABLE na_migrations;
        DROP TABLE na_sources;
        DROP TABLE na_source_items;
        ALTER TABLE na_documents DROP COLUMN author;
        ALTER TABLE na_documents DROP COLUMN language;
    """)
    if state == "old-schema":
        db.execute("ALTER TABLE na_postings_old RENAME TO na_postings")
    else:  # the rename happened, the copy did not: an empty new table beside the old one
        db.execute("CREATE TABLE na_postings (term VARCHAR(64), chunk_id VARCHAR(64), tf INTEGER, "
                   "length INTEGER, PRIMARY KEY (term, chunk_id))")
    db.commit()
    db.close()
    catalog = Catalog(make_engine(settings.catalog_url))
    assert catalog.keyword_search("Baradar Tianjin", 5) == expected
    names = {r[0] for r in sqlite3.connect(settings.data_dir / "catalog.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "na_postings_old" not in names
    assert {"na_migrations", "na_sources", "na_source_items"} <= names
    assert [d.author for d in catalog.list_documents()] == [None]


def test_batches_are_embedded_ahead_with_the_vectors_written_and_unchanged_files_never_embedded(tmp_path):
    """ingest.py embeds batch n+1 on its own thread while batch n is written: every vector is
    computed there (none at write time), each stored vector is the embedder's own for its text,
    and re-ingesting the unchanged files embeds nothing."""
    import threading

    import numpy as np

    from assistant.settings import Settings

    # fp32 chunk vectors, so "the embedder's own" can be checked exactly (int8 activations are
    # quantised per batch; tests/test_chunk_runtime.py covers the int8 default).
    bot = Assistant(Settings(data_dir=tmp_path / "data", ingest={"batch_files": 2},
                             embeddings={"chunk_runtime": "same"}))
    folder = tmp_path / "news"
    folder.mkdir()
    for k in range(5):  # three batches of at most two files
        write_article(folder / f"{k}.txt", f"Story {k}", f"Event number {k} happened in town {k} on Friday. " * 4)
    embedder = bot.index.embedder
    calls: list[tuple[str, int]] = []
    inner = embedder.embed_chunks

    def recorded(texts):
        calls.append((threading.current_thread().name, len(texts)))
        return inner(texts)

    embedder.embed_chunks = recorded
    report = bot.ingest([folder])
    assert report.documents_added == 5 and report.chunks_added >= 5
    assert calls and all(name.startswith("ingest-embed") for name, _ in calls), calls
    assert sum(n for _, n in calls) == report.chunks_added  # each chunk embedded once
    stored = bot.index.collection.get(include=["embeddings", "documents", "metadatas"])
    for chunk_id, vector in zip(stored["ids"], stored["embeddings"], strict=True):
        chunk = bot.index.chunks([chunk_id])[0]
        expected = inner([bot.index.embed_text(chunk)])[0]
        assert float(np.dot(vector, expected)) > 0.9999, chunk_id
    calls.clear()
    again = bot.ingest([folder])
    assert again.chunks_added == 0 and not calls, calls
    consistent(bot)
