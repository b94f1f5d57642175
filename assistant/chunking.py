"""Document -> chunks: token-sized with tiktoken, on paragraph/sentence boundaries, with overlap.

Each chunk is a LangChain Document whose ``page_content`` is exactly
``document.page_content[start:end]``, so a citation can show and highlight its passage.
"""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.settings import ChunkSettings
from assistant.text import token_counter

# Paragraphs first, then sentence ends, then clauses, then words. Regexes so that a
# sentence end is a full stop followed by space, not any full stop ("U.S.", "3.5").
_SEPARATORS = [r"\n\n+", r"\n", r"(?<=[.!?][\"'”’)])\s+", r"(?<=[.!?])\s+", r";\s+", r",\s+", r"\s+", ""]


class Chunker:
    def __init__(self, settings: ChunkSettings):
        self.settings = settings
        self.count = token_counter(settings.encoding)
        self.splitter = RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=settings.size_tokens,
            chunk_overlap=settings.overlap_tokens,
            length_function=self.count,
            strip_whitespace=True,
        )

    def split(self, document: Document) -> list[Document]:
        text = document.page_content
        chunks: list[Document] = []
        cursor = 0
        for index, piece in enumerate(self.splitter.split_text(text)):
            # LangChain's add_start_index assumes overlap is measured in characters; with a
            # token length function it can miss. Chunks come in order, so search forward.
            start = text.find(piece, cursor)
            if start < 0:
                start = text.find(piece)
            if start < 0:  # cannot happen with keep_separator and strip; guard anyway
                continue
            end = start + len(piece)
            cursor = start + 1
            metadata = {k: v for k, v in document.metadata.items() if v is not None}
            metadata.update(chunk_index=index, start=start, end=end, tokens=self.count(piece))
            if document.metadata.get("date"):
                metadata["date_int"] = int(document.metadata["date"].replace("-", ""))
            chunks.append(Document(page_content=piece, metadata=metadata))
        return chunks
