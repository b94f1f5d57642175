"""Generation: the prompt (fitted to the model's context window) and the model's draft, with
token accounting. The draft is never shown: answer.py verifies it sentence by sentence."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.claims import degenerate
from assistant.evidence import Evidence
from assistant.prompts import load_prompt
from assistant.settings import Settings
from assistant.text import TokenCounter

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    # The chat model, or a function that builds it when first needed (see Writer).
    ChatModelOrFactory = BaseChatModel | Callable[[], BaseChatModel]

# Chat-template framing per message, in tokens (SmolLM2's template adds 3-4).
FRAMING_TOKENS = 4


@dataclass
class Generation:
    text: str
    usage: dict[str, int | str]
    error: str | None
    ttft_ms: float | None


class Writer:
    """``llm`` is the model, or a function that builds it: then it is built when first needed,
    so a question the bundled model only quotes for never imports LangChain's chat models or
    llama.cpp (models.py)."""

    def __init__(self, settings: Settings, llm: ChatModelOrFactory, counter: TokenCounter):
        self.settings = settings
        self.count = counter
        # Told apart by LangChain's Runnable interface: a chat model has invoke, a factory not.
        self._model, self._factory = (llm, None) if hasattr(llm, "invoke") else (None, llm)
        self._lock = threading.Lock()  # two first questions at once build it once

    @property
    def llm(self) -> BaseChatModel:
        with self._lock:
            if self._model is None:
                self._model = self._factory()
            return self._model

    @llm.setter
    def llm(self, model: BaseChatModel) -> None:
        with self._lock:
            self._model = model

    def prompt_messages(self, question: str, evidence: list[Evidence]) -> list:
        """The exact messages sent to the model (benchmarks replay them on the raw engine)."""
        style = self.settings.llm.resolved_prompt_style
        if style == "compact":
            # One article only: a small model fuses sentences from two stories into one claim.
            top = evidence[0]
            floor = self.settings.answer.claim_relevance * top.relevance
            same = [e for e in evidence if e.doc_id == top.doc_id and e.relevance >= floor]
            chosen = sorted(same[: self.settings.answer.compact_sentences], key=lambda e: e.start)
            inputs = {"passage": " ".join(e.text for e in chosen), "question": question}
        else:
            inputs = {"evidence": "\n".join(f"[{e.n}] ({e.chunk.metadata.get('title', '')}, "
                                            f"{e.chunk.metadata.get('date') or 'undated'}) {e.text}" for e in evidence),
                      "question": question}
        return load_prompt(f"answer_{style}").invoke(inputs).to_messages()

    def fit_messages(self, question: str, evidence: list[Evidence]) -> tuple[list, int]:
        """The prompt, with the lowest-ranked evidence dropped until prompt + answer fit the
        model's context window. Returns (messages, prompt tokens)."""
        from assistant.models import prompt_token_counter

        count, _ = prompt_token_counter(self.llm, self.count)
        window = self.settings.llm.context_window - self.settings.llm.max_tokens
        kept = list(evidence)
        while True:
            messages = self.prompt_messages(question, kept)
            tokens = sum(count(str(m.content)) + FRAMING_TOKENS for m in messages)
            if tokens <= window or len(kept) <= 1:
                return messages, tokens
            kept = kept[:-1]

    def draft(self, question: str, evidence: list[Evidence], cancel: threading.Event | None = None
              ) -> Iterator[str | Generation]:
        """The model's text as it streams (str pieces), then the Generation. A backend failure
        ends it with ``Generation.error`` set (the caller falls back to quoting); ``cancel``
        stops the model at its next token (the model is free for the next question at once)."""
        from assistant.models import describe_llm_error, prompt_token_counter

        messages, prompt_tokens = self.fit_messages(question, evidence)
        count, tokenizer = prompt_token_counter(self.llm, self.count)
        text, reported, first = "", {}, None
        started = time.perf_counter()

        def usage() -> dict:
            if reported.get("completion_tokens"):
                return {**reported, "tokenizer": "server"}
            return {"prompt_tokens": prompt_tokens, "completion_tokens": count(text) if text else 0,
                    "tokenizer": tokenizer}

        try:
            for chunk in self.llm.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if chunk.usage_metadata and chunk.usage_metadata.get("output_tokens"):
                    reported = {"prompt_tokens": chunk.usage_metadata.get("input_tokens", 0),
                                "completion_tokens": chunk.usage_metadata.get("output_tokens", 0)}
                if not piece:
                    continue
                if first is None:
                    first = (time.perf_counter() - started) * 1000
                text += piece
                yield piece
                llm = self.settings.llm
                if (time.perf_counter() - started > llm.max_seconds
                        or degenerate(text, llm.repeat_min_words, llm.repeat_run_words, llm.repeat_count)
                        or (cancel is not None and cancel.is_set())):
                    break
        except Exception as exc:  # any backend failure -> extractive answer with a note
            yield Generation(text, usage(), describe_llm_error(exc, self.settings.llm), first)
            return
        yield Generation(text, usage(), None, first)
