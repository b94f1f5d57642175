"""The catalog's tables (SQLAlchemy Core), as the numbered migrations in migrations.py leave
them. A new column or table is added here *and* as a new migration; never edit a migration
that has shipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

# The catalog's write lock on PostgreSQL (transaction-scoped advisory lock): any constant
# shared by all instances, "News". Ingest writes and migrations take it.
WRITE_LOCK = 0x4E657773

metadata = MetaData()


def _key_value(name: str, key: tuple[str, Any], value: tuple[str, Any]) -> Table:
    """A table of one primary key column and one required value column."""
    return Table(name, metadata, Column(key[0], key[1], primary_key=True), Column(value[0], value[1], nullable=False))


documents = Table(
    "na_documents", metadata,
    Column("doc_id", String(32), primary_key=True),
    Column("title", Text, nullable=False),
    Column("date", String(10), index=True),
    Column("section", Text),
    Column("source", Text, index=True),
    Column("url", Text),
    Column("path", Text, index=True),
    Column("text", Text, nullable=False),
    Column("n_chunks", Integer, nullable=False, default=0),
    Column("added_at", Float, nullable=False),
    Column("author", Text),  # migration 004
    Column("language", Text),  # migration 004
)

chunks = Table(
    "na_chunks", metadata,
    Column("chunk_id", String(64), primary_key=True),
    Column("doc_id", String(32), nullable=False, index=True),
    # Its place in the document (index; character offsets into the document's text) and its
    # length in keyword terms, the BM25 length.
    *(Column(name, Integer, nullable=False) for name in ("chunk_index", "start", "end", "length")),
)

# Clustered by (term, chunk_id) and carrying the chunk's length, so scoring a query reads
# only the postings of its terms: no join (at 110k chunks the join cost 150 ms a query).
postings = Table(
    "na_postings", metadata,
    Column("term", String(64), primary_key=True),
    Column("chunk_id", String(64), primary_key=True, index=True),
    Column("tf", Integer, nullable=False),
    Column("length", Integer, nullable=False),
    sqlite_with_rowid=False,
)

term_stats = _key_value("na_terms", ("term", String(64)), ("df", Integer))  # document frequency per term

# Intent journal: vector-store ids being written or deleted. Rows left behind by a crash
# are rolled back by ``NewsIndex.recover``.
pending = Table(
    "na_pending", metadata,
    Column("chunk_id", String(64), primary_key=True),
    Column("op", String(8), nullable=False),
    Column("owner", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

# Corpus statistics for BM25, kept in the same transactions as the chunk rows.
corpus_stats = _key_value("na_stats", ("key", String(32)), ("value", Integer))
kv = _key_value("na_meta", ("key", String(64)), ("value", Text))


# ---- followed sources: feeds and watched folders (issue 17) ----------------------------------
# Kept apart from the index tables above: they say what to fetch and what was seen, never
# what is searchable, so they sit in their own MetaData and their own migration step.
sources_metadata = MetaData()


sources = Table(
    "na_sources", sources_metadata,
    Column("location", String(2048), primary_key=True),  # feed URL or absolute folder path
    Column("kind", String(8), nullable=False),  # "feed" | "folder"
    Column("title", Text),
    Column("added_at", Float, nullable=False),
    Column("checked_at", Float),  # last check, whatever its outcome
    Column("ok_at", Float),  # last check that worked
    Column("error", Text),  # the last check's error, None when it worked
    Column("items", Integer, nullable=False, default=0),
    Column("etag", Text),
    Column("modified", Text),
)

# What a source held at its last check: a feed's entries or a folder's files, each with a
# fingerprint (entry date or content hash; file mtime and size) so only changes are ingested.
source_items = Table(
    "na_source_items", sources_metadata,
    Column("location", String(2048), primary_key=True),
    Column("item", String(2048), primary_key=True),
    Column("fingerprint", String(128), nullable=False),
    Column("seen_at", Float, nullable=False),
)
