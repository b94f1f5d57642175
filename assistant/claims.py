"""Generated text -> claims the support check can judge: split into sentences, the model's
[n] markers kept aside, task talk ("According to the passage, ...") removed, repetition
detected. Pure functions; table tests in tests/test_claims.py."""

from __future__ import annotations

import re

from assistant.settings import AnswerSettings, LLMSettings
from assistant.text import sentences, terms, words

_ANSWER, _LLM = AnswerSettings(), LLMSettings()  # defaults of the parameters below

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")

# Small models wrap answers in talk about the task; the wrapper is not a claim.
_META_PREFIX = re.compile(
    r"^((the )?answer( to (the|your) question)?( \"[^\"]*\"| '[^']*')? is:?|(according to|based on) the "
    r"(passage|article|text|evidence),?|(the )?(passage|article|text|evidence) (says|states|mentions|reports|"
    r"explains)( that)?,?|the main point is( that)?|in summary,?)\s*", re.I)
_META_SENTENCE = re.compile(r"^(the|this) (passage|article|text|evidence|question|answer)\b", re.I)


def clean_claim(text: str) -> str:
    """One generated sentence without its task talk; "" when it is only task talk."""
    text = text.strip()
    for _ in range(3):
        text = _META_PREFIX.sub("", text).strip()
    if _META_SENTENCE.match(text):
        return ""
    # A whole answer in quotes: the quote is the answer.
    if len(text) > 2 and text[0] in "\"“" and text[-1] in "\"”":
        text = text[1:-1].strip()
    return text[:1].upper() + text[1:]


def split_claims(text: str, min_words: int = _ANSWER.claim_min_words) -> list[tuple[str, set[int]]]:
    """Generated text -> sentences with any [n] markers the model wrote removed (and kept). A
    sentence shorter than ``min_words`` words is not a claim (setting answer.claim_min_words)."""
    out = []
    for span in sentences(text.strip()):
        marked = {int(n) for group in MARKER.findall(span.text) for n in re.split(r"[,;\s]+", group) if n}
        clean = clean_claim(MARKER.sub("", span.text))
        if len(words(clean)) >= min_words:
            out.append((clean, marked))
    return out


def degenerate(text: str, min_words: int = _LLM.repeat_min_words, run_words: int = _LLM.repeat_run_words,
               repeats: int = _LLM.repeat_count) -> bool:
    """Endless repetition: the last ``run_words`` words occur ``repeats`` times in a text of at
    least ``min_words`` words (settings llm.repeat_*)."""
    tokens = text.lower().split()
    if len(tokens) < min_words:
        return False
    tail = " ".join(tokens[-run_words:])
    return " ".join(tokens).count(tail) >= repeats


def names_outside(names: list[str], cited_texts: list[str]) -> list[str]:
    """Names absent from the cited sentences (each given with what just precedes it, so "he"
    can be resolved). "Trump selected Shanahan as his running mate", cited
    to a sentence about Kennedy selecting her, fails here even though the article mentions
    Trump elsewhere."""
    pool: set[str] = set()
    for text in cited_texts:
        pool.update(terms(text))
    return [n for n in names if terms(n) and not set(terms(n)) <= pool]
