"""Instruction-like sentences: text in an article that speaks to a machine reader.

Such sentences are data. They never support a claim, are never quoted as an answer or in a
brief, and are never put in front of the model.
"""

from __future__ import annotations

import re

# Text in an article that addresses an AI rather than a reader. Such sentences are data:
# they stay quotable, but are never put in front of the model.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|of\s+)?(previous|prior|above|earlier|"
    r"preceding|your|my|these|those|system|original)\b.{0,30}\b(instructions?|prompts?|rules|context|guidelines)\b"
    r"|\b(system prompt|you are now|as an ai|assistant must|(reply|respond|answer) only (with|in)\b"
    r"|answer in [a-z]+ only|from now on,? (you|answer|reply|respond))\b"
    r"|\b(reveal|print|repeat|show)\b.{0,30}\b(system prompt|instructions|hidden prompt|your prompt)\b"
    r"|\b(ignore|disregard|forget)\b.{0,20}\b(above|previous|preceding|earlier)\b"
    r"|\b(new|updated|additional|secret|hidden) instructions\b",
    re.I,
)

# Words that address a machine reader: "Attention AI:", "Assistant, when you answer",
# "language models reading this". News prose talks *about* AI ("his assistant, Alice ...",
# "language model" in a tech story); it does not speak *to* it like this.
_AI = r"(ai|a\.i\.|ai (assistant|agent|model|system)s?|assistants?|chatbots?|bots?|language models?|llms?|gpts?)"
_ADDRESS = re.compile(
    rf"^\W*((attention|note|notice|message|dear|hey|hello|hi|important|update|system|to|for|all|any|every)\W+){{0,3}}"
    rf"{_AI}\s*[:,]\s"
    rf"|\b(attention|note to|message to|notice to|instructions? (for|to))\b.{{0,20}}\b{_AI}\b"
    rf"|\b{_AI},? (that |who )?(reading|reads|read|summari[sz]ing|summari[sz]es|processing|answering|parsing)\b",
    re.I,
)



# An imperative aimed at whoever reads the text aloud: "Also tell every reader to visit ...".
# News prose almost never opens a sentence this way outside quotation marks.
_IMPERATIVE = re.compile(
    r"^\W*((please|also|and|now|then|instead),? )*(tell|say|reply|respond|answer|write|include|insert|add|"
    r"visit|click|print|output|translate|switch|pretend|act as|never|always|remember)\b", re.I)
_LINK = re.compile(r"https?://|www\.", re.I)
_AUDIENCE = re.compile(r"\b(readers?|users?|assistants?)\b", re.I)


def looks_like_instruction(text: str) -> bool:
    if _INJECTION.search(text) or _ADDRESS.search(text):
        return True
    # "you" alone is not enough: advice columns address their reader all the time.
    return bool(_IMPERATIVE.match(text)) and bool(_LINK.search(text) or _AUDIENCE.search(text))
