"""What a question asks for: its wh-word, the noun it is about ("which Chinese *city*") and the
kind of answer that would fit (a person, a place, a number, a reason ...).

Built on `text.question_type` (money / quantity / time / entity, used by evidence selection and
the support check) and refines it for the short answer (`short_answer.py`), which must tell a
place from a person and a name from a clause. Quiz questions often open with a sentence of
background ("New data confirms ... . Which climate agreement ...?"): the last clause holding a
wh-word is the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.lexicon import (
    MONEY_NOUNS,
    MONTHS,
    NUMBER_NOUNS,
    ORG_NOUNS,
    PERCENT_NOUNS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    STARTERS,
    TIME_NOUNS,
    TITLES,
    WEEKDAYS,
)
from assistant.text import STOPWORDS, question_type, terms, words

# Expected answer kinds, from most to least specific.
KINDS = ("person", "place", "org", "time", "number", "percent", "money", "name", "thing", "reason", "manner",
         "clause")

_HOW_MEASURE = ("how old", "how far", "how often", "how big", "how large", "how tall", "how high", "how fast",
                "how deep", "how heavy", "how wide", "how hot", "how cold", "how close", "how strong")
_WH = re.compile(r"\b(how many|how much|how long|how expensive|" + "|".join(_HOW_MEASURE) + "|"
                 r"who|whom|whose|where|when|which|what|why|how)\b", re.I)

_NAME_Q = re.compile(r"\b(what is|what was|what's) (the )?(name|title|nickname)\b|\b(known as|called|named|dubbed|"
                     r"titled|nicknamed) what\b|\bwhat (is|was) (it|he|she|they) (called|named|known as)\b", re.I)
_PERCENT_Q = re.compile(r"\b(what|which) (percentage|percent|share|proportion|fraction)\b|\bhow much of\b", re.I)
_CLAUSE_VERB = re.compile(
    r"\bwhat (did|does|do|has|have|had|will|would|is|was|are|were) [\w' .-]{1,60}? (say|said|ask|asked|promise|"
    r"promised|want|wanted|warn|warned|tell|told|announce|announced|propose|proposed|agree|agreed|demand|"
    r"demanded|offer|offered|plan|planned|claim|claimed|urge|urged|call for|reveal|revealed|do|find|found|"
    r"show|showed|mean|discover|discovered|decide|decided|pledge|pledged|vow|vowed|accuse|accused|request|"
    r"requested|describe|described|suggest|suggested|happen|happened|cause|caused|allow|allowed|ban|banned)\b",
    re.I)
# "... an aid package worth how much?": the money word comes before "how much".
_MONEY_BEFORE = re.compile(r"\b(worth|cost|costs|costing|priced|valued|fined|paid|pay|raised|sold for|bought for|"
                           r"spend|spent|earn|earned)\b[\w\s,'’-]{0,30}\bhow much\b", re.I)
# "How much a year will the closures save?": the money word comes after "how much".
_MONEY_AFTER = re.compile(r"\bhow much\b(?! of\b)[\w\s,'’-]{0,60}?\b(cost|costs|save|saves|saved|spend|spent|pay|"
                          r"paid|earn|earned|earns|raise|raised|worth|charge|charged|owe|owed|invest|invested|"
                          r"borrow|borrowed)\b", re.I)
# "What was the unemployment rate in May?": the measure after "what is the".
_WHAT_IS_THE = re.compile(r"\bwhat (?:is|was|are|were|will be) (?:the|its|their|his|her) ([\w -]+)", re.I)
AUXILIARIES = frozenset({"did", "does", "do", "is", "was", "are", "were", "has", "have", "had", "will", "would", "can",
                         "could"})
# Adjectives and determiners between "which" and the head noun ("which *Chinese* city").
_SKIP_FOCUS = {"of", "the", "following", "these", "those", "two", "three", "four", "one", "kind", "type", "sort"}


@dataclass(frozen=True)
class Question:
    """A question analysed: ``expected`` is one of KINDS; ``focus`` the head-noun phrase the
    question names as its answer's type ("Chinese city"), ``focus_head`` its last word."""

    text: str
    clause: str   # the wh-clause (background sentences dropped)
    wh: str       # "who", "which", "how many" ... or "" for a question without one
    coarse: str | None  # text.question_type: money / quantity / time / entity / None
    expected: str
    focus: str
    focus_head: str
    terms: frozenset[str]
    words: frozenset[str]


def _clause(question: str) -> str:
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p]
    for part in reversed(parts):
        if _WH.search(part):
            return part
    return parts[-1] if parts else question


def _known(word: str) -> bool:
    w = word.lower()
    base = w[:-1] if w.endswith("s") else w
    nouns = PERSON_NOUNS | PLACE_NOUNS | ORG_NOUNS | TIME_NOUNS
    return w in nouns or base in nouns


def _focus(clause: str, wh_end: int) -> tuple[str, str]:
    """The noun phrase right after "which"/"what": "which Chinese city were ..." -> "Chinese city",
    "which fast food chain upset ..." -> "fast food chain", "which country's team" -> "country"."""
    after = re.findall(r"[A-Za-z][\w'’-]*", clause[wh_end:])
    phrase: list[str] = []
    for token in after[:5]:
        low = token.lower()
        if low in _SKIP_FOCUS and not phrase:
            continue
        if (low in STOPWORDS and not token.isupper()) or low in AUXILIARIES:
            break
        if phrase and re.search(r"[a-z](ed|ing)$", low) and not _known(low):
            break  # "which prestigious tournament *kicked* off"
        if low.endswith(("'s", "’s")):
            phrase.append(token[:-2])  # "which country's men's team": the answer is a country
            break
        phrase.append(token)
    if not phrase:
        return "", ""
    known = [k for k, t in enumerate(phrase) if _known(t)]
    if known:
        phrase = phrase[: known[-1] + 1]
    return " ".join(phrase), phrase[-1].lower()


# Wh-words that also open a relative clause ("a man *who* took part", "fans *when* he confirmed"),
# and the words after which a wh-word still asks ("*In which* year ...", "*And who* ...").
_RELATIVE = frozenset({"who", "whom", "whose", "which", "when", "where"})
_ASKS_AFTER = frozenset({"in", "on", "at", "for", "from", "to", "by", "of", "with", "after", "before", "since",
                         "during", "under", "into", "about", "and", "but", "so", "or", "then"})


def _interrogative(clause: str) -> re.Match | None:
    """The wh-word that asks: the first one, unless it is a relative pronoun inside the clause
    and another wh-word follows ("An Oklahoma family *who* bought a pet ... are now the owners of
    51 *what*?", "Hunter Biden, *who* faced sentencing on *which* charges?")."""
    found = list(_WH.finditer(clause))
    for k, m in enumerate(found):
        before = re.findall(r"[\w'’-]+", clause[:m.start()])
        relative = m.group(1).lower() in _RELATIVE and bool(before) and before[-1].lower() not in _ASKS_AFTER
        if not (relative and k + 1 < len(found)):
            return m
    return found[-1] if found else None


@lru_cache(maxsize=1024)
def analyse(question: str) -> Question:
    """The kind of answer ``question`` expects, and the noun it names as the answer's type.
    Cached: one answer reads the same question in evidence selection, the judge's span column and
    the short answer, and a `Question` is immutable."""
    clause = _clause(question)
    match = _interrogative(clause)
    wh = match.group(1).lower() if match else ""
    coarse = question_type(clause)
    focus, head = ("", "")
    if wh in {"which", "what"} and match:
        focus, head = _focus(clause, match.end())
    if wh == "what" and not focus and re.search(r"\bin (what|which)\b", clause, re.I):
        focus, head = _focus(clause, match.end())
    expected = _expected(clause, wh, coarse, head)
    return Question(question, clause, wh, coarse, expected, focus, head,
                    frozenset(terms(question)), frozenset(words(question)))


def _what_is_the(clause: str) -> str:
    """The head of the noun phrase after "what is the" ("the unemployment *rate* in May"), or ""."""
    m = _WHAT_IS_THE.search(clause)
    head = ""
    for word in (m.group(1).split()[:4] if m else []):
        if word.lower() in STOPWORDS:
            break
        head = word.lower()
    return head


def _measure(word: str) -> str | None:
    """The kind of answer a measure noun asks for ("growth" -> percent), or None."""
    if word in PERCENT_NOUNS:
        return "percent"
    if word in MONEY_NOUNS:
        return "money"
    if word in NUMBER_NOUNS:
        return "number"
    return None


_KIND_NOUNS = PERSON_NOUNS | PLACE_NOUNS | ORG_NOUNS


def _expected(clause: str, wh: str, coarse: str | None, head: str) -> str:
    if "-" in head and head not in _KIND_NOUNS and head.rsplit("-", 1)[1] in _KIND_NOUNS:
        head = head.rsplit("-", 1)[1]  # "co-founder", "vice-president"
    singular = head[:-1] if head.endswith("s") and head[:-1] in _KIND_NOUNS else head
    if coarse == "money" or _MONEY_BEFORE.search(clause) or wh == "how expensive":
        return "money"
    if wh == "how much" and _MONEY_AFTER.search(clause):
        return "money"
    if _PERCENT_Q.search(clause):
        return "percent"
    if wh in {"which", "what"} and (kind := _measure(head)):
        return kind
    if wh == "what" and not head and (kind := _measure(_what_is_the(clause))):
        return kind
    if wh == "how many" or wh in _HOW_MEASURE:
        return "number"
    if wh == "how much":
        return "number"
    if wh == "how long":
        return "number" if re.search(r"\bhow long (did|does|do|will|would|has|have|had|is|was)\b", clause, re.I) \
            else "time"
    if wh == "when" or coarse == "time" or singular in TIME_NOUNS:
        return "time"
    if wh in {"who", "whom", "whose"}:
        return "person"
    if wh == "where":
        return "place"
    if wh == "why":
        return "reason"
    if wh == "how":
        return "manner"
    if singular in PERSON_NOUNS:
        return "person"
    if singular in PLACE_NOUNS:
        return "place"
    if singular in ORG_NOUNS:
        return "org"
    if _NAME_Q.search(clause):
        return "name"
    if coarse == "quantity":
        return "number"
    if wh == "what" and _CLAUSE_VERB.search(clause):
        return "clause"
    if wh in {"which", "what"} and head:
        return "thing"
    return "clause" if wh == "what" else "thing"


# ---- names in a text (antecedents for follow-ups) ------------------------------------------
# Words, and the punctuation that ends a name ("Altria Group, RJ Reynolds Tobacco" are two).
_NAME_WORD = re.compile(r"[A-Z][\w’'.&-]*|[a-z]+|[,;:()]")
_JOINERS = {"of", "de", "van", "von", "der", "al", "bin", "&"}
_CALENDAR = frozenset(MONTHS) | frozenset(WEEKDAYS)


def names(text: str) -> list[str]:
    """Capitalised names in reading order, without sentence starters, titles or a possessive:
    "What did Wang Yi ask of the Taliban?" -> ["Wang Yi", "Taliban"]; "WorldCom's" -> "WorldCom";
    a comma ends a name ("Altria Group, RJ Reynolds Tobacco" are two)."""
    from assistant.facts import everyday_word  # facts loads the gazetteer: not on question's import path

    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        # A closing quote is not part of the word: "Ahmed 'Mido' Hossam" -> "Ahmed Mido Hossam".
        tokens = [t if t.endswith(("'s", "’s")) else t.rstrip("'’") for t in _NAME_WORD.findall(sentence)]
        run: list[str] = []
        for k, token in enumerate([*tokens, "."]):
            capital = token[:1].isupper()
            if capital and not (run and run[-1].endswith(("'s", "’s"))):
                run.append(token)
                continue
            if token in _JOINERS and run and k + 1 < len(tokens) and tokens[k + 1][:1].isupper():
                run.append(token)
                continue
            while run and (run[0] in STARTERS or run[0].rstrip(".") in TITLES or run[0] in _JOINERS
                           or run[0].lower() in STOPWORDS):
                run.pop(0)
            if len(run) == 1 and k == 1 and everyday_word(run[0]):
                run = []  # "Tighter restrictions ...": capitalised only because it opens the sentence
            while run and (run[-1] in _JOINERS or run[-1].lower() in STOPWORDS):
                run.pop()
            if run:
                name = " ".join(run)
                name = re.sub(r"['’]s$", "", name).rstrip(".")
                if name and name not in out and name not in _CALENDAR:
                    out.append(name)
            run = [token] if capital else []
    return out
