"""Follow-up questions -> standalone questions for retrieval.

"heuristic" (default, works with any model): a question that leans on the conversation
(pronouns, "and ...", "what about ...", few content words) gets the previous question
appended, so retrieval sees the entities it refers to.
"llm": the chat model rewrites it (prompts/condense.txt); the rewrite is accepted only if
it keeps the follow-up's own content words, otherwise the heuristic is used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from assistant.prompts import load_prompt
from assistant.text import terms, words

History = Sequence[dict] | Sequence[tuple[str, str]] | None

_DEPENDENT = {
    "he", "she", "they", "it", "its", "their", "them", "him", "her", "his", "this", "that",
    "these", "those", "there", "then", "also", "else", "other", "others", "former", "latter",
}
_OPENERS = re.compile(r"^\s*(and|but|so|also|what about|how about|and what|what else|why|then)\b", re.I)


def normalize_history(history: History) -> list[tuple[str, str]]:
    """Accepts [{"role": ..., "content": ...}] or [(question, answer), ...] -> [(role, text)]."""
    out: list[tuple[str, str]] = []
    for item in history or []:
        if isinstance(item, dict):
            out.append((str(item.get("role", "user")), str(item.get("content", ""))))
        else:
            question, answer = item
            out.append(("user", str(question)))
            if answer:
                out.append(("assistant", str(answer)))
    return out


def needs_context(question: str) -> bool:
    tokens = set(words(question))
    return bool(tokens & _DEPENDENT) or bool(_OPENERS.match(question)) or len(terms(question)) < 2


@dataclass(frozen=True)
class Resolved:
    """A question made standalone: ``focus`` is what is asked, ``context`` what it refers back to."""

    focus: str
    context: str = ""

    @property
    def query(self) -> str:
        return f"{self.focus} ({self.context})" if self.context else self.focus


def heuristic_standalone(question: str, history: list[tuple[str, str]], turns: int = 1) -> Resolved:
    previous = [text for role, text in history if role == "user"][-turns:]
    if not previous or not needs_context(question):
        return Resolved(question)
    return Resolved(question, " ".join(previous))


def standalone_question(question: str, history: History, mode: str = "heuristic",
                        llm: BaseChatModel | None = None, turns: int = 1) -> Resolved:
    turns_ = normalize_history(history)
    if not turns_:
        return Resolved(question)
    fallback = heuristic_standalone(question, turns_, turns)
    if mode != "llm" or llm is None or not needs_context(question):
        return fallback
    transcript = "\n".join(f"{role}: {text}" for role, text in turns_[-2 * turns :])
    try:
        chain = load_prompt("condense") | llm | StrOutputParser()
        rewritten = chain.invoke({"history": transcript, "question": question}).strip().split("\n")[0]
    except Exception:  # a failed rewrite must not fail the answer
        return fallback
    own = set(terms(question))
    kept = own & set(terms(rewritten))
    if not rewritten or len(rewritten) > 4 * len(question) + 200 or len(kept) < max(1, len(own) // 2):
        return fallback
    return Resolved(rewritten)
