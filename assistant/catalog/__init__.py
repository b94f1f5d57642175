"""The catalog: the SQL side of the library (see catalog.py for how its parts fit)."""

from assistant.catalog.catalog import Catalog
from assistant.catalog.db import make_engine, owner_tag
from assistant.catalog.documents import ChunkRow, DocumentRow, DocumentStore, sql_conditions
from assistant.catalog.journal import Journal
from assistant.catalog.keywords import KeywordIndex
from assistant.catalog.sources import SourceRegistry, SourceRow
from assistant.types import Filters

__all__ = ["Catalog", "ChunkRow", "DocumentRow", "DocumentStore", "Filters", "Journal", "KeywordIndex",
           "SourceRegistry", "SourceRow", "make_engine", "owner_tag", "sql_conditions"]
