"""Shared helpers for the reliability tests: synthetic corpora and the consistency check."""

from __future__ import annotations

import random
from pathlib import Path

from assistant.chunking import Chunker
from assistant.documents import load_file
from assistant.text import sentences

from conftest import SAMPLES


def synthetic_corpus(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """n distinct articles made from shuffled sentences of the bundled samples."""
    pool = []
    for path in sorted(SAMPLES.iterdir()):
        for doc in load_file(path).documents:
            pool.extend(s.text for s in sentences(doc.page_content) if len(s.text) > 40)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        body = rng.sample(pool, 8)
        text = f"Synthetic story number {i}\n\nReport {i} from the test desk.\n" + "\n".join(body) + "\n"
        path = folder / f"story-{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def expected_chunks(bot, files: list[Path]) -> dict[str, int]:
    chunker = Chunker(bot.settings.chunking)
    out = {}
    for f in files:
        for doc in load_file(f).documents:
            out[doc.metadata["doc_id"]] = len(chunker.split(doc))
    return out


def assert_consistent(bot, expected: dict[str, int] | None = None) -> None:
    """Chroma and the catalog (keyword index) hold exactly the same chunks, and every
    document is complete: all its chunks or none."""
    catalog_ids = set(bot.index.catalog.all_chunk_ids())
    chroma_ids = set(bot.index.collection.get(include=[])["ids"])
    assert catalog_ids == chroma_ids, (len(catalog_ids), len(chroma_ids))
    for doc in bot.documents():
        rows = bot.index.catalog.chunks_of(doc.doc_id)
        assert doc.n_chunks == len(rows)
        if expected is not None:
            assert len(rows) == expected[doc.doc_id], doc.title
