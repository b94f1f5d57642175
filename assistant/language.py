"""Which sentences of a text are in another language than the text around them.

An English article rarely holds a whole sentence in another language, and when it does the
sentence is no quote for an English reader; planted instructions use one to slip past a
detector that reads English: 15 of the 176 planted lines of the dev injection sets
injection-dev2 and -test2 to -test6 are Spanish, German, French, Italian, Portuguese, Dutch,
Welsh or Russian, and this module tells 12 of them (not a German and a Dutch line whose
function words are too few against the English ones they share, "in", "is", "over", nor the
Welsh one). Such a sentence is kept from quotes, citations and support with the planted ones
(judge/instructions.unquotable_sentences).

A sentence's language is told by its script when most of its letters are not Latin (Cyrillic,
Greek, Arabic, CJK: no word list needed), else by its function words (lexicon.FUNCTION_WORDS):
another language's at least ``MIN_HITS`` times and at least ``RATIO`` times as often as English
ones, in a sentence of at least ``MIN_WORDS`` words. Capitalised words other than the first do
not count (names: "La Fenice", "Die Hard", "El Salvador"). A text in French keeps its French
sentences: a text is taken for English unless another language holds more than twice as many
letters. Measured with ``python bench/injection_detector.py`` (every sentence of the 2,225 BBC
articles and the RealTime QA excerpts and web pages, 110,593 sentences): 0 flagged in a text;
alone, 1 (a tracking string, "hootPostID=3d64…", before single letters stopped counting).
A language neither listed nor in another script (the Welsh note of injection-test6) is not
told; a fallback that called any sentence with at most one English function word foreign
flagged 872 of the news sentences ("Japan's government remains optimistic due to strong
domestic demand.") and was dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from assistant.lexicon import FUNCTION_WORDS

MIN_WORDS = 6
OTHER_SHARE = 2
MIN_HITS = 3
RATIO = 3
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ENGLISH = FUNCTION_WORDS["en"]


def sentence_language(text: str) -> str | None:
    """The language a sentence's script or function words point to ("en", "fr", ...,
    "cyrillic"), or None when they say too little (a short line, a list of names)."""
    script = _script(text)
    if script:
        return script.lower()
    words = [w for w in _WORD.findall(text) if len(w) > 1 or w.lower() in "aeéiyoà"]
    if len(words) < MIN_WORDS:
        return None
    low = [w.lower() for i, w in enumerate(words) if i == 0 or not w[0].isupper()]
    english = sum(w in _ENGLISH for w in low)
    best, hits = None, 0
    for lang, table in FUNCTION_WORDS.items():
        if lang == "en":
            continue
        n = sum(w in table and w not in _ENGLISH for w in low)
        if n > hits:
            best, hits = lang, n
    if hits >= MIN_HITS and hits >= RATIO * english:
        return best
    return "en" if english >= 2 else None


# Japanese mixes three scripts in one sentence; they are one language here.
_SCRIPT_GROUP = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def _script(text: str) -> str | None:
    """The script of most of a text's letters when it is not Latin ("CYRILLIC", "ARABIC", "CJK")."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12:
        return None
    # Fast path for the common case (a name lookup per letter costs 30 us a sentence): below
    # U+0250 every letter but these three is named LATIN, so if fewer than half are others, Latin
    # is the majority.
    if 2 * sum(c >= "\u0250" or c in "ªµº" for c in letters) < len(letters):
        return None
    names = Counter(_SCRIPT_GROUP.get(name, name) for name in
                    (unicodedata.name(c, "?").split(" ")[0] for c in letters))
    script, n = names.most_common(1)[0]
    return None if script == "LATIN" or n < len(letters) / 2 else script


def other_language(texts: Sequence[str]) -> list[bool]:
    """For a text's sentences in order: True where a sentence is in another language than
    English, unless the text is plainly in that other language: another language holds more
    than ``OTHER_SHARE`` times English's letters (over the sentences whose language is told).
    Letters, not sentences, decide, and English wins a close call, so one or two planted lines
    cannot outvote a short English excerpt; a French article keeps its French sentences (this
    module only guards English texts, the library's language)."""
    langs = [sentence_language(t) for t in texts]
    letters: Counter[str] = Counter()
    for t, lang in zip(texts, langs, strict=True):
        if lang:
            letters[lang] += sum(c.isalpha() for c in t)
    if any(n > OTHER_SHARE * letters["en"] for lang, n in letters.items() if lang != "en"):
        return [False] * len(texts)
    return [lang is not None and lang != "en" for lang in langs]
