"""Quotes and who said them.

A sentence is a quote only when it holds words in quotation marks or a reported-speech frame
("X said that ...", "..., he said.", "according to X"); a narrative sentence that merely
mentions someone is not one. The speaker is the person (or body) the sentence names next to
its verb of saying; when the sentence says "he" or "she", or a quote runs on from the
sentence before without a verb of saying, the nearest named antecedent in the sentences
before it. Its windows and look-backs are ``BriefSettings.attribution`` (set by hand).
Measured against hand labels on dev articles: bench/brief_quotes.py (accuracy 0.906 on 64).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.brief.select import near_duplicate
from assistant.facts import _ORG_END, is_place
from assistant.lexicon import (
    DEMONYM,
    HONORIFICS,
    MONTHS,
    PARTY_WORDS,
    PORTFOLIOS,
    QUOTE_VERBS,
    SPEAKING_GROUPS,
    STARTERS,
    TITLES,
    WEEKDAYS,
)
from assistant.settings import AttributionSettings, BriefSettings

if TYPE_CHECKING:
    from assistant.brief.reading import Article, BriefSentence

_DEFAULT = AttributionSettings()  # defaults of the parameters below; the chain passes brief.attribution

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
# A name word: "O'Sullivan", "MacLeod", "Jean-Pierre", an initial ("J."), an acronym ("EU").
_NAMEWORD = (rf"(?:[{_UP}]['’][{_UP}][{_LO}]+|[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)*(?:[-'’][{_UP}]?[{_LO}]+)*"
             rf"|[{_UP}]\.|[{_UP}]{{2,6}}\b)")
_PARTICLE = r"(?:de|da|van|von|der|al|bin|la|le|del|di)"
_NAME = re.compile(rf"(?<![\w'’-]){_NAMEWORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAMEWORD}){{0,3}}")
_HONORIFIC = HONORIFICS | {"Prof", "Professor"}
# Capitalised words that are not (the start of) a speaker's name.
_NOT_NAME = {
    "The", "A", "An", "He", "She", "They", "It", "We", "I", "You", "His", "Her", "Their", "But", "And", "In",
    "On", "At", "For", "This", "That", "These", "Those", "However", "Meanwhile", "Speaking", "Asked", "When",
    "If", "As", "After", "Before", "While", *WEEKDAYS, *MONTHS, "BBC", "CNN", "Reuters", "AP", "There", "Here",
    "Now", "Today", "Yesterday", "Also",
    "So", "Yet", "Still", "Then", "Our", "My", "Your", "Its", "What", "Who", "Why", "How", "Where", "Some",
    "Many", "According", "Last", "Next", "Earlier", "Later", "Thank", "Please",
    "Any", "Every", "Each", "All", "No", "Most", "Few", "Several", "Both", "Such", "Other", "Another",
    # page furniture that opens a caption run into the text ("Scroll down for video CLAIM: ...")
    "Scroll", "Click", "Share", "Pictured", "Picture", "Photo", "Video", "Watch", "Read", "Follow",
}
# Role words that may stand before a speaker's name and are not part of it ("Prime Minister
# Tony Blair" -> "Tony Blair"); honorifics stay ("Mr Blair").
_ROLE = (TITLES - HONORIFICS) | PARTY_WORDS | PORTFOLIOS

_VERB = f"(?:{'|'.join(QUOTE_VERBS)})"
_SPEECH = re.compile(rf"\b{_VERB}\b", re.I)
_ACCORDING = re.compile(r"\baccording to\b", re.I)
# Quotation marks around at least four words. Single quotes (the DailyMail house style) must
# open after a space and close before one, so apostrophes do not count.
_QUOTED = re.compile(r"[\"“]([^\"“”]+)[\"”]|(?:^|(?<=[\s(]))[‘']((?:[^‘’']|['’](?=\w))+)[’'](?=[\s,.;:!?)]|$)")
_FRAME = re.compile(
    rf"(^|[,;:]\s*)[^,;:]{{0,80}}\b{_VERB}\b(\s+\w+){{0,6}}?\s+(that\b|:)"  # X said that ... / X told reporters:
    rf"|,\s*(?:{_VERB}\s+[^,.]{{2,60}}|[^,.]{{2,60}}\s+{_VERB}(\s+\w+){{0,3}})\s*\.?\s*$"  # ..., he said.
    rf"|\baccording to\s+[^,]{{2,60}}",
    re.I)


@dataclass
class QuoteFound:
    index: int            # sentence index in the article
    text: str             # the quoted words, or the whole sentence for reported speech
    speaker: str | None
    quoted: bool          # quotation marks (True) or a reported-speech frame (False)


def quoted_spans(sentence: str, min_words: int = _DEFAULT.quote_min_words) -> list[tuple[int, int, str]]:
    """(start, end, words) of each run of at least ``min_words`` words in quotation marks."""
    out = []
    for m in _QUOTED.finditer(sentence):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        if len(inner.split()) >= min_words:
            g = 1 if m.group(1) is not None else 2
            out.append((m.start(g), m.end(g), inner))
    return out


def is_reported_speech(sentence: str) -> bool:
    return bool(_FRAME.search(sentence))


def names_in(text: str) -> list[tuple[int, int, str]]:
    """Capitalised names and acronyms in reading order (start, end, name), with leading roles,
    sentence starters and honorifics kept apart: "Prime Minister Tony Blair" -> "Tony Blair".
    A lone nationality word ("Spanish") or possessor ("China's plans") is not a speaker."""
    out = []
    for m in _NAME.finditer(text):
        parts = m.group(0).split()
        start = m.start()
        while parts and (parts[0] in _NOT_NAME or parts[0] in _ROLE):
            start = text.index(parts[0], start) + len(parts[0])
            parts = parts[1:]
        if not parts or (parts[0] in _HONORIFIC and len(parts) == 1):
            continue
        if len(parts) == 1 and DEMONYM.match(parts[0]):
            continue
        start = text.index(parts[0], start)
        end = start + len(" ".join(parts))
        if text[end: end + 2] in {"'s", "’s"}:
            continue  # "China's plans", "Wenger's spending power": a possessor, not a speaker
        out.append((start, end, " ".join(parts)))
    return out


# Words that may stand between a subject and its verb of saying ("Smith has also said").
_ADVERBS = r"((\w+ly|also|then|later|has|had|have|would|will|once|further|previously|recently)\s+)*"
_PRONOUN_END = re.compile(rf"\b(he|she|it|they)\s+{_ADVERBS}$", re.I)
_PRONOUN_AFTER = re.compile(r"^\s*(he|she|it|they)\b", re.I)
# An unnamed subject right before the verb: "analysts said", "the company says".
_NP_END = re.compile(rf"\b(the|a|an|his|her|their|its|some|many|other|two|three|several)\s+([\w-]+\s+){{0,3}}"
                     rf"{_ADVERBS}$|\b({'|'.join(SPEAKING_GROUPS)})\s+{_ADVERBS}$", re.I)
_NP_AFTER = re.compile(r"^\s*(the|a|an|his|her|their|its|one)\s+[\w-]", re.I)
# Verbs whose following name is the listener: "told BBC Sport", "asked the minister".
_ADDRESSEE = frozenset({"told", "tells", "asked", "asks", "urged", "urges"})
# A name right after "told" or "a statement to" is the listener of what a name before it said.
_LISTENER_BEFORE = re.compile(
    r"\b(told|tells|(statements?|comments?|remarks|emails?|letters?|said|says|spoke|speaking|wrote|writes)\s+to)"
    r"\s+(the\s+)?$", re.I)


def _subject(frame: str, a: AttributionSettings = _DEFAULT) -> tuple[str, str | None]:
    """The subject of the verb of saying in ``frame`` (a sentence with its quoted words blanked):
    ("name", X); ("pronoun", None) for he/she/it/they; ("np", None) for an unnamed noun phrase
    ("analysts said", "the company says"); ("after-np", None) for "..., said the 28-year-old";
    ("none", None) when there is no verb of saying."""
    for verb in _SPEECH.finditer(frame):
        before = frame[max(0, verb.start() - a.before_chars): verb.start()]
        tail = frame[verb.end(): verb.end() + a.after_chars]
        named = names_in(before)
        listener = named and _LISTENER_BEFORE.search(before[: named[-1][0]])
        if listener:  # "United Airlines released a statement to USA TODAY saying": not the listener
            earlier = [n for n in named[:-1] if re.fullmatch(r"\s+([\w'’-]+\s+){0,5}", before[n[1]: listener.start()])]
            if earlier:
                return "name", earlier[-1][2]
            named = []
        if named:
            _s, e, name = named[-1]
            gap = before[e:]
            # "Shu Rongli, a police officer from the Bureau, said": the name before the apposition.
            appos = re.search(r"([^,]+?),\s[^,]{1,110},\s*" + _ADVERBS + "$", before)
            if appos and "," in gap:
                head = names_in(appos.group(1))
                if head:
                    return "name", head[-1][2]
                if re.fullmatch(r"\s*,\s*" + _ADVERBS, gap):
                    return "name", name  # "The club's managing director, Keith Edelman, stressed"
            if re.fullmatch(r"\s*(\([^)]*\))?\s*((who|which)\s+)?" + _ADVERBS, gap):
                return "name", name  # "Edelman told", "Ms Ratcliffe said:", "Juan Mata (right) says"
        pronoun = _PRONOUN_END.search(before) or _PRONOUN_AFTER.match(tail)
        if pronoun:
            return "pronoun", pronoun.group(1).lower()
        if verb.group(0).lower() not in _ADDRESSEE:
            after = names_in(tail)
            if after and re.fullmatch(r"[\s,]*((the|a|an)\s+)?([\w-]+\s+){0,3}", tail[: after[0][0]], re.I) \
                    and not re.match(r"^\s*(that|to|it|on|in|at|by)\b", tail, re.I):
                return "name", after[0][2]  # "..., said Mr Brown", "..., says coach Joe Bloggs"
            if _NP_AFTER.match(tail) and re.search(r"[,\"”’']\s*$", before):
                return "after-np", None    # "..., added the 28-year-old"
        if _NP_END.search(before):
            return "np", None
        if re.match(r"^\W*(he|she)\b", frame, re.I):
            return "pronoun", None         # "He declined but added that ..."
    acc = _ACCORDING.search(frame)  # a verb of saying with a subject comes first ("X told ..., according to Y")
    if acc:
        tail = frame[acc.end(): acc.end() + a.according_chars]
        after = names_in(tail)
        # "according to Reuters", not "according to the leading UK brand" (a description)
        if after and not re.match(r"^\s+[a-z]", tail[after[0][1]:]):
            return "name", after[0][2]
        return "np", None
    return "none", None


def _frame(sentence: str, min_words: int = _DEFAULT.quote_min_words) -> str:
    """The sentence with its quoted words blanked out. A sentence that opens a quote and never
    closes one before a speaker ('"..." he said') is quoted words throughout."""
    if _opens_quote(sentence) and not re.search(r"[,!?]\s*[\"”’']\s+\S", sentence):
        return ""
    frame = sentence
    for s, e, _ in quoted_spans(sentence, min_words)[::-1]:
        frame = frame[:s] + " " + frame[e:]
    return frame


def _expand(name: str, context: Sequence[str]) -> str:
    """'Brown' or 'Mr Brown' -> 'Gordon Brown' when the article named him so before."""
    surname = name.split()[-1]
    best = name

    def size(n: str) -> int:
        return len([w for w in n.split() if w not in _HONORIFIC])

    for text in context:
        for _, _, full in names_in(text):
            parts = full.split()
            if size(full) > size(best) and parts[-1] == surname and parts[0] not in _HONORIFIC:
                best = full
    return best


def _not_person(name: str) -> bool:
    """A place or an organisation ("West Mercia Police", "NMC"): not who "he" or "she" is."""
    return is_place(name) or name.split()[-1] in _ORG_END or name.isupper()


def _opens_quote(sentence: str) -> bool:
    return bool(re.match(r"^\s*[\"“‘']", sentence))


_AFTER_PREPOSITION = re.compile(r"\b(of|with|and|to|for|by|from|at|in|on|about|against|over)\s+$", re.I)


def _opening_names(frame: str, excluded, a: AttributionSettings = _DEFAULT) -> list[tuple[int, int, str]]:
    """Names within ``a.opening_name_chars`` of the start of ``frame`` that ``excluded`` lets
    through and no preposition governs: who may open the sentence as its subject."""
    return [(s, e, n) for s, e, n in names_in(frame) if s <= a.opening_name_chars and not excluded(n)
            and not _AFTER_PREPOSITION.search(frame[:s])]


def _antecedent(index: int, sents: Sequence[str], depth: int = 0, person: bool = True,
                a: AttributionSettings = _DEFAULT) -> str | None:
    """For "he said" or a quote running on: the person opening the sentence before (its
    subject, which "he" most often continues); else the nearest earlier speaker, looking back
    ``a.lookback_sentences`` sentences and through any run of quoted sentences (up to
    ``a.quoted_run_lookback``); else the first person named in the nearest of the
    ``a.named_lookback_sentences`` sentences before that names one. ``person``: "he"/"she"
    (not a place or organisation); "it"/"they" may be either."""
    excluded = _not_person if person else is_place
    if index > 0:
        frame = _frame(sents[index - 1], a.quote_min_words)
        first = _opening_names(frame, excluded, a)
        if first and _subject(frame, a)[0] != "name":
            return first[0][2]
    j, looked = index - 1, 0
    while j >= 0 and (looked < a.lookback_sentences or (_opens_quote(sents[j + 1]) and looked < a.quoted_run_lookback)):
        kind, name = _subject(_frame(sents[j], a.quote_min_words), a)
        if kind == "name" and name and not excluded(name):
            return name
        if kind in ("pronoun", "after-np") and depth < a.pronoun_depth:
            return _antecedent(j, sents, depth + 1, a=a)
        j, looked = j - 1, looked + 1
    for j in range(index - 1, max(-1, index - 1 - a.named_lookback_sentences), -1):
        people = [n for _, _, n in names_in(sents[j]) if not excluded(n)]
        if people:
            return people[0]
    return None


_HE_SHE = re.compile(r"^(He|She)\b(?!')")
# Words that may open a sentence before its subject without taking the name as their object.
_LEAD_INS = frozenset({"On", "In", "At", "Last", "Earlier", "Later", "Meanwhile", "But", "And", "Then", "Now",
                       "However", "Also", "Today", "This", "The", "Former"})


def resolve_opening(index: int, sents: Sequence[str], a: AttributionSettings = _DEFAULT) -> str | None:
    """Sentence ``index`` read on its own: an opening "He"/"She" replaced by "[Name]", the person
    who opens the sentence right before it (its subject, whom "he" most often continues), in
    brackets as an editor marks a word put in. "He also said ..." after "Wang Yi told ..." ->
    "[Wang Yi] also said ...". None when the sentence does not open with he/she, or the sentence
    before does not open with a person named in full (two words, or a title and a surname): no
    guess further back, since a wrong name in a brief is worse than a sentence left out."""
    m = _HE_SHE.match(sents[index])
    if not m or index == 0:
        return None
    frame = _frame(sents[index - 1], a.quote_min_words)
    opening = _opening_names(frame, _not_person, a)
    if not opening:
        return None
    start, end, name = opening[0]
    after = names_in(frame[end:])
    if after and len(after[0][2].split()) > 1 and re.fullmatch(r"\s+[a-z][a-z-]*\s+", frame[end:end + after[0][0]]):
        return None  # "Fair Trials Abroad director Stephen Jakobi": the first name only qualifies the role
    # The subject opens the sentence: at most a few words before it ("On Thursday Mr Straw was",
    # "Former midwife Marie Ratcliffe"), none after a verb ("The Ethiopian legend won Sunday's ..."),
    # a preposition or a participle ("Like Tony Blair, Gordon Brown ...", "After meeting Wang Yi,
    # John Kerry ..."), or a role of someone else's ("His manager Robert Voice said ...": "he" is
    # more often the one whose manager it is); a possessor is not it ("Clive Owen's nomination").
    lead = frame[:start].split()
    if (name.split()[0] in STARTERS or len(lead) > 3 or any(w.lower().endswith("ing") for w in lead)
            or any(w.strip(",") in STARTERS and w.strip(",") not in _LEAD_INS for w in lead)
            or any(w.lower().strip(",") in ("his", "her", "their", "its") for w in lead)
            or re.match(r"['’]s\b", frame[end:]) or re.search(r"['’]s$", name)):
        return None
    full = _expand(name, sents[:index]).split()
    while full and (full[0] in STARTERS or is_place(full[0])):  # "Iraq Al-Douri" from "... in Iraq Al-Douri ..."
        full.pop(0)
    if len(full) < 2:
        return None
    return f"[{' '.join(full)}]{sents[index][m.end():]}"


def attribute(index: int, sents: Sequence[str], a: AttributionSettings = _DEFAULT) -> str | None:
    """Who says the words of sentence ``index`` of an article (``sents``: its sentences)."""
    sentence = sents[index]
    frame = _frame(sentence, a.quote_min_words)
    kind, speaker = _subject(frame, a)
    if kind in ("pronoun", "after-np"):
        speaker = _antecedent(index, sents, person=speaker not in ("it", "they"), a=a)
    elif kind == "none" and (quoted_spans(sentence, a.quote_min_words) or _opens_quote(sentence)):
        speaker = _antecedent(index, sents, a=a)  # a quote running on from the sentences before
    return _expand(speaker, sents[: index + 1]) if speaker else None


def find_quotes(sents: Sequence[str], only: Sequence[int] | None = None, a: AttributionSettings = _DEFAULT
                ) -> list[QuoteFound]:
    """Every quote in an article's sentences, with its speaker (None when unnamed). ``only``:
    the sentences that may be quoted (the rest still serve as context for who "he" is)."""
    out = []
    for i, sentence in enumerate(sents):
        if only is not None and i not in only:
            continue
        spans = quoted_spans(sentence, a.quote_min_words)
        if spans:
            text = " ".join(inner.strip() for _, _, inner in spans)
            out.append(QuoteFound(i, text, attribute(i, sents, a), True))
        elif is_reported_speech(sentence):
            out.append(QuoteFound(i, sentence, attribute(i, sents, a), False))
    return out


# ---- the brief's quotes ----------------------------------------------------------------------------
def choose_quotes(articles: Sequence[Article], limit: int, a: AttributionSettings = _DEFAULT,
                  containment: float = BriefSettings().duplicate_containment,
                  shown: Sequence[BriefSentence] = ()) -> list[tuple[QuoteFound, BriefSentence]]:
    """Up to ``limit`` quotes from the articles' admissible sentences, each with its sentence:
    attributed ones first, then quoted words before reported speech, then the most
    summary-worthy; one per speaker before a second from anyone; no near-duplicates
    (``containment``: select.near_duplicate), and none the brief already shows (``shown``: its
    summary and key points)."""
    seen = {x.key for x in shown}
    found = []
    for article in articles:
        at = {x.start: x for x in article.sentences}
        quotable = {i for i, span in enumerate(article.spans) if span.start in at}
        for q in find_quotes([span.text for span in article.spans], only=quotable, a=a):
            x = at[article.spans[q.index].start]
            found.append((q.speaker is None, not q.quoted, -x.score, q, x))
    found.sort(key=lambda t: t[:3])
    out: list[tuple[QuoteFound, BriefSentence]] = []
    for per_speaker in (True, False):
        for *_, q, x in found:
            if len(out) >= limit:
                break
            if x.key in seen or any(near_duplicate(q.text, t.text, containment=containment) for t in shown):
                continue
            if any(near_duplicate(q.text, o.text, containment=containment) for o, _ in out):
                continue
            if per_speaker and any(o.speaker == q.speaker for o, _ in out):
                continue
            out.append((q, x))
    return out
