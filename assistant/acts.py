"""Speech acts: questions about what someone asked, promised, warned, proposed, denied or accused,
and the article sentences that report the same act.

"What did Wang Yi ask of the Taliban?" is not answered by a name or a number but by the
content of a request, and articles report requests with many verbs: "he hoped the Taliban
would *crack down on the East Turkestan Islamic Movement*", "urged the community *to review
...*", "called for *a ceasefire*". A promise is reported as "assured China *that they would not
allow ...*", "pledged *to cut taxes*". The question's verb and the article's rarely coincide
(embedding similarity of "What did the Taliban promise?" with the "assured China that ..."
sentence: 0.48, below four sentences about other things), so word overlap and cosine miss the
sentence that answers.

Two uses, both rules over a small table of verbs grouped by the act they report
(`lexicon.ACT_VERBS`; the groups follow VerbNet's communication classes: ``advise-37.9``,
``promise-37.13``, ``warn-37.9``, ``suggest-37.7``, ``deny``/``refuse``, ``judgment-33``;
tests/test_acts.py holds the rules' table tests):
- `question_act` reads the act a question asks about, who did it and whom it concerned
  ("of the Taliban"); evidence selection and the answer judge treat a sentence that reports
  the same act as one that holds the kind of answer asked for (as a number does for "how many");
- `complements` finds, in a sentence, what was asked/promised/...: the clause after the
  verb's "to", "that", modal or preposition, up to the end of the clause. The short answer of
  an act question is that clause, verbatim ("crack down on the East Turkestan Islamic Movement").

Verbs of plain saying ("say", "tell", "add") are not an act here: "What did he say?" is
answered by anything he said, and the sentence ranking already handles it.

Measured by `python bench/acts.py` (setting answer.speech_acts on vs off in one run) on
question sets written blind to this module (evals/sets/acts_*.yaml): dev, 36 questions, short
answer holds a key fact 0.028 -> 0.583, answer 0.472 -> 0.639; held-out test, 24 questions,
0.167 -> 0.500 and 0.708 -> 0.750. The word limits below are grammar bounds set by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.lexicon import ACT_VERBS, DETERMINERS, MODALS, MONTHS, WEEKDAYS
from assistant.text import STOPWORDS, question_type, terms

VERBS: dict[str, str] = {form: act for act, forms in ACT_VERBS.items() for form in forms}

# A verb that reports the act only with its particle: "called on/for", "pressed for".
_NEEDS_PARTICLE = {form: frozenset({"on", "for", "upon"}) for form in ("call", "calls", "called", "calling")}
# Words after which the act's content starts (the clause after "to", "that", a modal, or the
# object of "of"/"for"/"against"), per act.
_MODALS = MODALS
_OPENERS = {
    "request": {"to", "that", "for"} | _MODALS,
    "commit": {"to", "that"} | _MODALS,
    "warn": {"that", "of", "against"} | _MODALS,
    "propose": {"to", "that"} | _MODALS,
    "deny": {"that", "to"} | _MODALS,
    "accuse": {"of", "for", "that"},
}
# Words that start a new clause: the act's content ends before them.
_CLAUSE_END = {"as", "because", "since", "while", "although", "though", "but", "according", "which", "who",
               "whom", "whose", "when", "where", "after", "before", "if", "unless", "amid", "saying", "adding",
               "despite", "whereas", "said", "says", "told"}
_PUNCT_END = set(",;:()[]—–?!")
_QUOTES = set("\"“”'‘’")
# An object may stand between the verb and its content: "urged *the international community* to".
# These word limits (and _MAX_AGENT_WORDS) are grammar bounds set by hand, not tuned: a longer
# object or agent is almost always a clause the rules misread.
_MAX_OBJECT_WORDS = 8
_MAX_WORDS = 20
_DETERMINERS = DETERMINERS
# "to" followed by one is a preposition ("promised £5m to the schools"), not an infinitive.
_NOT_INFINITIVE = _DETERMINERS

_TOKEN = re.compile(r"[£$€]?\d[\d,.]*\d%?|[\w’'-]+|[^\w\s]")
_BE = {"is", "was", "were", "are", "be", "been", "being"}
# A base form after a determiner is a noun: "its pre-election *promise* on immigration".
_POSSESSIVES = _DETERMINERS | {"new", "no"}
_QUESTION = re.compile(r"\bwhat\s+(?P<aux>did|does|do|has|have|had|will|would|is|was|are|were)\s+(?P<after>[^?]+)",
                       re.I)
# Who did it: a short noun phrase ("Wang Yi", "the US government"), not a clause ("the name of
# the car that McDonald's is").
_MAX_AGENT_WORDS = 6
_NOT_AGENT = {"that", "which", "who", "whom", "whose", "name", "been", "being", "proposed", "requested", "offered",
              "promised"}


@dataclass(frozen=True)
class Act:
    """What a question asks about: the act ("request"), the verb as asked, who did it and
    whom it concerned ("the Taliban" in "What did Wang Yi ask of the Taliban?"; "" if nobody)."""

    kind: str
    verb: str
    agent: str
    target: str = ""


@dataclass(frozen=True)
class Complement:
    """What a sentence says was asked/promised/...: ``sentence[start:end]``; ``party`` is the
    text between the verb and the content (the person asked: "the Taliban")."""

    start: int
    end: int
    text: str
    party: str
    verb: str
    subject: str = ""  # the name right before the verb ("Pakistan denied"); "" for a pronoun or a plain noun


def question_act(question: str) -> Act | None:
    """The act a "What did X <verb> ..." question asks about, or None."""
    for m in _QUESTION.finditer(question):
        after = m.group("after")
        for w in re.finditer(r"[A-Za-z]+", after):
            verb = w.group(0).lower()
            kind = VERBS.get(verb)
            if kind is None or w.start() == 0 or not w.group(0).islower():
                continue
            agent = after[:w.start()].strip()
            if len(agent.split()) > _MAX_AGENT_WORDS or _NOT_AGENT & {x.lower() for x in agent.split()}:
                break
            if m.group("aux").lower() in {"is", "was", "are", "were"} and not verb.endswith("ing"):
                break  # "What is the proposed tax": an adjective, not an act
            rest = after[w.end():]
            if verb in _NEEDS_PARTICLE and not re.match(r"\s*(on|for|upon)\b", rest, re.I):
                continue
            return Act(kind, verb, agent, _target(rest))
    return None


def asked_act(question: str) -> Act | None:
    """The act a question asks about, unless it asks for money, a number, a time or a name
    (text.question_type): "How much did the firm promise?" wants a number, not a clause."""
    return None if question_type(question) else question_act(question)


def _target(rest: str) -> str:
    """The party the act concerned: the noun phrase right after the verb or its "of"/"from"
    ("ask *of the Taliban*", "want *the FA* to", "warn *Israel* it must"); "" when none."""
    words = re.findall(r"[\w’'-]+", rest)
    if words and words[0].lower() in {"of", "from", "on", "upon"}:
        words = words[1:]
    phrase: list[str] = []
    for word in words:
        low = word.lower()
        if (low in _DETERMINERS and not phrase) or (low not in STOPWORDS and low not in _MODALS):
            phrase.append(word)
        else:
            break
    return " ".join(phrase) if terms(" ".join(phrase)) else ""


def _tokens(sentence: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]


def _ends(text: str) -> bool:
    return text in _PUNCT_END or text.lower() in _CLAUSE_END


@lru_cache(maxsize=4096)
def complements(sentence: str, kind: str) -> tuple[Complement, ...]:
    """Every report of an act of ``kind`` in ``sentence`` with its content, in order. Cached:
    evidence selection and the judge read the same sentences for one question."""
    toks = _tokens(sentence)
    out: list[Complement] = []
    for v, (word, _, _) in enumerate(toks):
        low = word.lower()
        if VERBS.get(low) != kind:
            continue
        if not _is_verb(toks, v):
            continue
        before = {t[0].lower() for t in toks[max(0, v - 2):v]}
        if low.endswith(("ed", "en", "orn")) and low not in {"asked", "urged", "called", "pressed"} and _BE & before:
            continue  # passive: "he was dismissed by Shepherd" (but "was asked to" keeps its content)
        i = v + 1
        if low in _NEEDS_PARTICLE:
            if i >= len(toks) or toks[i][0].lower() not in _NEEDS_PARTICLE[low]:
                continue
            if toks[i][0].lower() in {"on", "upon"}:
                i += 1  # "called on X to ...": X is the party
        start = _content_start(toks, i, kind)
        if start is None:
            continue
        first, party_end = start
        end = first
        while end < len(toks) and end - first < _MAX_WORDS and not _ends(toks[end][0]):
            end += 1
        while end > first and ((toks[end - 1][0].lower() in STOPWORDS and toks[end - 1][0].lower() != "not")
                               or (not re.match(r"[\w£$€]", toks[end - 1][0]) and toks[end - 1][0] not in _QUOTES)):
            end -= 1
        if sum(toks[k][0] in _QUOTES for k in range(first, end)) % 2:  # an unpaired quote mark at an edge
            if toks[first][0] in _QUOTES:
                first += 1
            elif end > first and toks[end - 1][0] in _QUOTES:
                end -= 1
        if end - first < 2:
            continue
        a, b = toks[first][1], toks[end - 1][2]
        party = sentence[toks[i][1]:toks[party_end - 1][2]] if party_end > i else ""
        out.append(Complement(a, b, sentence[a:b], party, word, _subject(toks, v)))
    return tuple(out)


# Words a verb's subject is followed by before the verb itself ("Mr Smith has also said").
_BETWEEN = {"has", "have", "had", "also", "then", "later", "would", "will", "did", "does", "do", "not", "never",
            "previously", "recently", "again", "once", "already"}
_PRONOUNS = {"he", "she", "they", "we", "i", "you", "it", "who"}
_CALENDAR = frozenset(MONTHS) | frozenset(WEEKDAYS)


def _is_verb(toks: list[tuple[str, int, int]], v: int) -> bool:
    """Is the act word at ``v`` a verb? Not right after a determiner ("the *promised* benefits", "a
    *pressing* need"), and a base or -s form only after a subject or an auxiliary ("they *demand*",
    "to *ask*", "Unions *call*"): "Global *demand* for oil rose", "*Calls* for his resignation
    grew" and "as *demand* for crude weakened" are nouns."""
    word = toks[v][0].lower()
    prev = toks[v - 1][0] if v else ""
    if prev.lower() in _DETERMINERS:
        return False
    if word.endswith(("ed", "ing")) or word in {"undertook", "undertaken", "swore", "sworn"}:
        return True
    low = prev.lower()
    if low.endswith("s") and not low.endswith("ss") and prev.isalpha() and low not in STOPWORDS:
        return True  # a plural subject: "Unions *call* for", "the workers *demand*"
    if low in {"and", "but"} and word.endswith("s"):
        return True  # a second verb: "has rejected the rise and *wants* the firm to"
    if _POSSESSIVES & {t[0].lower() for t in toks[max(0, v - 2):v]}:
        return False  # "its pre-election *promise*"
    return (low in _PRONOUNS or low in _MODALS or low in _BETWEEN or low in {"to", "n't"}
            or (prev[:1].isupper() and v > 1))  # a name that does not open the sentence


def _subject(toks: list[tuple[str, int, int]], v: int) -> str:
    """The capitalised name right before the verb (over "has also", "would" ...), or ""."""
    k = v - 1
    while k >= 0 and (toks[k][0].lower() in _BETWEEN or toks[k][0].lower().endswith("ly")):
        k -= 1
    names: list[str] = []
    while k >= 0 and toks[k][0][:1].isupper() and toks[k][0].lower() not in _PRONOUNS:
        if toks[k][0] in _CALENDAR:
            return ""  # "... on Wednesday offered": a date, not the subject
        names.insert(0, toks[k][0])
        k -= 1
    if names and k < 0 and len(names) == 1 and names[0].lower() in STOPWORDS:
        return ""  # "The ..." opening the sentence
    return " ".join(names)


def _content_start(toks: list[tuple[str, int, int]], i: int, kind: str) -> tuple[int, int] | None:
    """(index of the content's first token, end of the party before it), or None."""
    openers = _OPENERS[kind]
    for k in range(i, min(len(toks), i + _MAX_OBJECT_WORDS + 1)):
        low = toks[k][0].lower()
        if _ends(toks[k][0]) and low != "that":
            break
        if low not in openers:
            continue
        if low == "to" and (k + 1 >= len(toks) or toks[k + 1][0].lower() in _NOT_INFINITIVE
                            or not toks[k + 1][0][:1].islower()):
            continue
        if low == "that" and k - i > 4:
            continue  # "the plan that ..." far from the verb: a relative clause, not the content
        if low in _MODALS and kind != "request":
            return i, i  # "promised *no jobs would be lost*": the whole clause; a request's party is the one asked
        return k + 1, k
    # No opener: the object itself is the content ("demanded the release of the hostages").
    if kind in {"request", "propose", "deny", "commit"} and i < len(toks) \
            and (toks[i][0][:1].islower() or toks[i][0][:1] in "£$€0123456789") \
            and not _ends(toks[i][0]) and toks[i][0].lower() not in {"him", "her", "them", "us", "me", "it"}:
        return i, i
    return None


def reports(sentence: str, act: Act) -> bool:
    """Does ``sentence`` report an act of the kind asked about, with its content?"""
    return bool(complements(sentence, act.kind))


def best_complement(sentences: list[str], act: Act) -> tuple[int, Complement] | None:
    """The content of the act asked about in the first of ``sentences`` (best first) that
    reports it; a report whose party is the question's target ("of the Taliban") comes first,
    and one whose subject is another name than the question's agent comes last."""
    want = set(terms(act.target))
    agent = set(terms(act.agent))
    # The agent is a name ("Wang Yi", "the Taliban", "India"), not a description ("the Fed
    # chairman"): a report whose own subject is another name is someone else's act.
    named = bool(agent) and all(w[:1].isupper() for w in act.agent.split() if w.lower() not in STOPWORDS)
    found: list[tuple[int, int, int, Complement]] = []
    for n, text in enumerate(sentences):
        for c in complements(text, act.kind):
            # "Pakistan denied ..." is someone else's act for "What did India deny?": ranked after
            # the others, not dropped (the question may name the agent otherwise: "the
            # Conservatives" for "the Tories").
            other = named and bool(c.subject) and not agent & set(terms(c.subject))
            about = bool(want) and bool(want & set(terms(f"{c.party} {c.text}")))
            found.append((0 if about else 1, int(other), n, c))
    if not found:
        return None
    *_, n, c = min(found, key=lambda x: x[:3])
    return n, c
