"""Prompt templates live as text files in prompts/ ([system] and [user] sections).

LangChain's prompt classes are imported when a prompt is first loaded (0.8 s of import with
their runnables), not when a question that no model writes imports this module."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.resources import data_dir

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

PROMPT_DIR = data_dir("prompts", "assistant.prompts_data")
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.M)


def prompt_path(name: str, directory: Path | None = None) -> Path:
    return (directory or PROMPT_DIR) / f"{name}.txt"


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path | None = None) -> ChatPromptTemplate:
    from langchain_core.prompts import ChatPromptTemplate

    path = prompt_path(name, directory)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"prompt file {path} is missing") from None
    parts = _SECTION.split(text)
    messages = []
    for role, body in zip(parts[1::2], parts[2::2], strict=True):
        messages.append(("system" if role == "system" else "human", body.strip()))
    if not messages:
        raise ValueError(f"{path}: expected [system] and/or [user] sections")
    return ChatPromptTemplate.from_messages(messages)
