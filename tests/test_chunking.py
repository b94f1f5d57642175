"""Chunks: token-sized, on boundaries, with overlap, and exact offsets into the source."""

from __future__ import annotations

import itertools
from pathlib import Path

from assistant.chunking import Chunker
from assistant.documents import load_file
from assistant.settings import ChunkSettings
from assistant.text import sentences, token_counter

from conftest import SAMPLES, SEED


def test_quote_equals_source_slice_for_every_chunk():
    for path in sorted(SAMPLES.glob("*")):
        for doc in load_file(Path(path)).documents:
            for chunk in Chunker(ChunkSettings()).split(doc):
                m = chunk.metadata
                assert doc.page_content[m["start"] : m["end"]] == chunk.page_content


def test_sizes_and_overlap():
    settings = ChunkSettings(size_tokens=100, overlap_tokens=40)
    doc = load_file(SEED).documents[0]
    chunks = Chunker(settings).split(doc)
    count = token_counter()
    assert len(chunks) > 5
    # A single sentence longer than the limit may exceed it; nothing else does.
    long_sentences = {s.text for s in sentences(doc.page_content) if count(s.text) > 100}
    for c in chunks:
        assert c.metadata["tokens"] <= 100 or any(s in c.page_content for s in long_sentences)
    overlapping = sum(1 for a, b in itertools.pairwise(chunks) if b.metadata["start"] < a.metadata["end"])
    assert overlapping >= 1
    # Every character of the article is in some chunk (modulo whitespace between chunks).
    covered = set()
    for c in chunks:
        covered.update(range(c.metadata["start"], c.metadata["end"]))
    assert all(i in covered for i, ch in enumerate(doc.page_content) if not ch.isspace())


def test_chunks_end_on_sentence_boundaries():
    doc = load_file(SEED).documents[0]
    for chunk in Chunker(ChunkSettings(size_tokens=80, overlap_tokens=10)).split(doc):
        end = chunk.metadata["end"]
        # A chunk ends after a sentence or at a line break (headings have no full stop).
        at_line_end = end == len(doc.page_content) or doc.page_content[end] == "\n"
        assert chunk.page_content[-1] in ".!?\"”’)" or at_line_end, chunk.page_content[-40:]


def test_sentence_spans_are_exact():
    text = SEED.read_text(encoding="utf-8")
    for s in sentences(text, offset=0):
        assert text[s.start : s.end] == s.text
