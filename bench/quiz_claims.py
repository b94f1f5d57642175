"""Paraphrased support-check pairs from the RealTime QA 2024 quiz, dev weeks only (even weeks).

A quiz question is written by the quiz editor, not copied from the article that answers it,
so "question + right choice" read as a statement is a natural paraphrase of the answering
excerpt, and "question + wrong choice" is a hard negative worded the same way. The support
check's other training data (frank-dev CNN/DM summaries, synthetic swaps of article
sentences) is near-extractive, which is why correct paraphrases scored near 0 (issue 14).

to_claim() turns a question and a choice into a declarative sentence for the few question
forms where that is mechanical, and returns None for every other form (quality over
quantity): the wh-phrase is the subject ("Which company announced X?" -> "Apple announced
X."), a "What/Which is the ..." copula question ("The name of X is Henk."), or the
wh-phrase sits inside the statement with no inversion after it ("Police in which country
have arrested ..." / "... known as what?" / "... worth how much?"). Questions with "not",
"which of the following", do-support or subject-auxiliary inversion, a fronted
prepositional wh-phrase, or a choice that is not a plain answer ("All of the above") are
skipped, and so are questions whose excerpt does not name the right answer (the claim would
be true but not supported by it). The conversion rules are checked by tests/test_quiz_claims.py.

    PYTHONPATH=$PWD python bench/quiz_claims.py     # prints the share converted and a sample

Never the odd (test) weeks: quiz_pairs() reads corpus.split(..., "dev") only.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.text import sentences, terms  # noqa: E402


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_AUX = _words("is was are were has have had will would can could may might should must")
_DO = _words("do does did")
_COPULA = _words("is was are were")
_DET = _words("the a an")
_PRONOUNS = _words("he she it they we you i his her its their this that these those there")
# Words that end a noun phrase: prepositions, relatives, conjunctions.
_NP_STOP = _words("""of in on at to for from with by as about after before during into over under between
against than that who whom whose which where when while and or but if because the a an""")
# After a modal, a subject question goes on with these ("Which city may be ..."); anything
# else may be an inverted subject ("Which month will former president X face").
_AFTER_MODAL = _words("be have not soon likely also still never")
_MODALS = _words("will would can could may might should must")
_IRREGULAR_PAST = _words("""beat won lost made took became began broke brought built bought caught chose came
cut drew drove ate fell felt fought found flew forgot froze got gave went grew held hit hung kept knew laid led
left lent let lay lit met paid put quit ran rose said saw sold sent set shook shot shut sang sank sat slept
spent split spoke stood stole struck swore swept swam taught tore told thought threw understood woke wore wrote
withdrew overtook undertook""")
_BAD_CHOICE = re.compile(r"\b(all|none|both|neither) of (the|these)\b|\babove\b", re.I)
_SKIP_QUESTION = re.compile(r"\b(not|n't|never|which of|what of|true|false|why|how did|"
                            r"how does|how do|how has|how have|how is|how was)\b", re.I)
_WORD = re.compile(r"\S+")
MAX_CHOICE_WORDS = 6  # longer choices are clauses ("Appointments to the Lords will have to be ...")


@dataclass(frozen=True)
class QuizPair:
    qid: str
    week: str
    claim: str
    choice: str
    label: int  # 1: the right choice, 0: a wrong one
    excerpt: list[str]  # the answering excerpt's sentences


def _bare(token: str) -> str:
    return token.strip("\"'“”‘’,;:()").lower()


def _is_verb(token: str) -> bool:
    """A finite verb that can start a predicate: an auxiliary, a past form, a present -s form."""
    w = _bare(token)
    if "-" in w:
        return False  # "foreign-owned", "orange-colored": adjectives
    if w in _AUX or w in _DO or w in _IRREGULAR_PAST:
        return True
    return len(w) > 3 and w.endswith("ed") and not w.endswith("eed")


def _adverb_before_predicate(tokens: list[str], j: int) -> bool:
    """An -ly word that ends the wh-phrase ("which city recently unveiled", "which state reportedly
    at"), not one inside it ("which highly infectious disease")."""
    if not _bare(tokens[j]).endswith("ly"):
        return False
    return j + 1 >= len(tokens) or _is_verb(tokens[j + 1]) or _bare(tokens[j + 1]) in _NP_STOP


def _choice_text(choice: str, initial: bool, case: dict[str, str]) -> str:
    """The choice as written inside a sentence: a common word is lower-cased unless it opens it."""
    choice = choice.strip().rstrip(".")
    if initial:
        return choice[:1].upper() + choice[1:]
    first, _, rest = choice.partition(" ")
    if first in ("A", "An", "The"):
        return f"{first.lower()} {rest}".strip()
    usual = case.get(first.lower())
    plain_rest = all(w.isalpha() and w.islower() for w in rest.split())  # not "New Zealand", "Model 2"
    if first[:1].isupper() and usual is not None and usual.islower() and not first.isupper() and plain_rest:
        first = usual
    return f"{first} {rest}".strip()


def _question_sentence(question: str) -> str:
    """The last sentence of the question (quizzes often open with a sentence of context)."""
    question = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", question)).strip()
    question = re.sub(r"\?+([\"”’]?)$", r"\1", question).strip()  # 'wrote "The Star-Spangled Banner?"'
    parts = re.split(r"(?<!\b[A-Z][.!])(?<=[.!])\s+(?=[A-Z\"“])", question)  # not after an initial
    return parts[-1].strip()


def _finish(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;:.])", r"\1", text)
    return text[:1].upper() + text[1:] + "."


def to_claim(question: str, choice: str, case: dict[str, str] | None = None) -> str | None:
    """The statement the question asks about with ``choice`` as its answer, or None when the
    question's form cannot be turned into one mechanically. ``case``: lower-case word -> its
    usual written form (train_support.global_case()), to lower-case common-noun choices."""
    case = case or {}
    if not choice.strip() or _BAD_CHOICE.search(choice) or len(choice.split()) > MAX_CHOICE_WORDS:
        return None
    q = _question_sentence(question)
    if _SKIP_QUESTION.search(q):
        return None
    tokens = _WORD.findall(q)
    if len(tokens) < 3:
        return None
    wh_at = [i for i, t in enumerate(tokens) if _bare(t) in ("who", "which", "what", "how")]
    if len(wh_at) != 1 or _bare(tokens[-1]) in ("where", "when", "why", "how"):
        return None
    i = wh_at[0]
    if i and tokens[i - 1].endswith(","):
        return None  # a relative clause ", which can read emotions,"
    wh = _bare(tokens[i])
    # Extent of the wh-phrase: "who" alone; "how many/much" + nouns; "which/what" + nouns.
    j = i + 1
    if wh == "how":
        if j >= len(tokens) or _bare(tokens[j]) not in ("many", "much"):
            return None
        j += 1
    if wh != "who":
        while j < len(tokens) and not _is_verb(tokens[j]) and _bare(tokens[j]) not in _NP_STOP \
                and not _adverb_before_predicate(tokens, j):
            j += 1
    head = tokens[i + 1:j] if wh != "how" else tokens[i + 2:j]
    rest = tokens[j:]
    before = tokens[:i]
    if any(re.search(r"[’'‘]s?$", t) for t in head) or (rest and _bare(rest[0]) == "of"):
        return None  # "which country's growth", "which type of book": the choice is not the whole phrase

    if i == 0:  # the wh-phrase opens the question
        if wh == "how":
            # "How many people were killed ...": a subject; "How much did ..." is not.
            if not head or not rest or _bare(rest[0]) in _DO or not _is_verb(rest[0]):
                return None
            if len(rest) > 1 and (_bare(rest[1]) in _PRONOUNS | _DET or rest[1][:1].isupper()):
                return None  # inversion: "How many titles has Simone Biles won"
            return _finish(" ".join([_choice_text(choice, True, case), *head, *rest]))
        # Copula with a definite predicate: "What is the name of X" -> "The name of X is C".
        if not head and rest and _bare(rest[0]) in _COPULA and len(rest) > 2 and _bare(rest[1]) in _DET:
            if any(_bare(t) in _DO or _bare(t).endswith("ing") for t in rest[-1:]):
                return None  # "What is the president planning" asks for an object
            if any(_bare(t) in _AUX for t in rest[2:]):
                return None
            return _finish(" ".join([*rest[1:], rest[0], _choice_text(choice, False, case)]))
        # Subject question: "Which company announced X" / "Who beat X" / "Which city recently unveiled".
        k = 0
        while k < len(rest) and _bare(rest[k]).endswith("ly") and not _is_verb(rest[k]):
            k += 1
        if k >= len(rest) or not _is_verb(rest[k]) or _bare(rest[k]) in _DO:
            return None
        if wh in ("which", "what") and not head:
            return None  # "What has ..." without a noun: object or subject, cannot tell
        if _bare(rest[k]) in _MODALS and (k + 1 >= len(rest) or (_bare(rest[k + 1]) not in _AFTER_MODAL
                                                                  and not _bare(rest[k + 1]).endswith("ly"))):
            return None
        if _bare(rest[k]) in _AUX and k + 1 < len(rest):
            nxt = rest[k + 1]
            if _bare(nxt) in _PRONOUNS or (nxt[:1].isupper() and _bare(nxt) not in ("i",)):
                return None  # inversion: "Which country is Biden visiting"
            if _bare(nxt) in _DET and any(_bare(t).endswith("ing") for t in rest[k + 2:]):
                return None  # "Which city is the president visiting this week"
        return _finish(" ".join([_choice_text(choice, True, case), *rest]))

    # The wh-phrase inside the statement: "Police in which country have arrested ...",
    # "... known as what", "... worth how much", "... after how many weeks".
    if _bare(before[0]) in _NP_STOP - _DET:
        return None  # fronted: "In which branch ... does she serve"
    if any(_bare(t) in _DO for t in rest):
        return None
    if rest and _bare(rest[0]) in _AUX and len(rest) > 1 and (_bare(rest[1]) in _PRONOUNS
                                                              or rest[1][:1].isupper()):
        return None
    if wh == "what" and not head and _bare(before[-1]) in ("do", "doing"):
        before = before[:-1]  # "advised people to do what" -> "advised people to walk like a penguin"
    if wh == "how":
        filled = [_choice_text(choice, False, case), *head]
    elif wh == "who":
        filled = [_choice_text(choice, False, case)]
    else:
        filled = [_choice_text(choice, False, case)]  # "emissions of which gas" -> "emissions of methane"
    return _finish(" ".join([*before, *filled, *rest]))


def _states(excerpt: str, answer: str) -> bool:
    """The excerpt names the answer (all its content terms): otherwise the right-choice claim is
    true but not supported by the excerpt (about a third of the converted questions: the
    excerpt says "the bouncy tiger" for "Tigger"), which would be a wrong label here."""
    wanted = set(terms(answer))
    return bool(wanted) and wanted <= set(terms(excerpt))


def quiz_pairs(case: dict[str, str] | None = None) -> list[QuizPair]:
    """Claims for every dev-week question with an excerpt that names the answer and whose form
    converts, one per choice.
    ``case``: lower-case word -> usual written form (train_support.global_case())."""
    from corpus import questions, split
    from train_support import case_table

    dev = split(questions(), "dev")
    # Words the BBC table lacks ("cicadas") take their usual form in all dev excerpts together.
    case = {**case_table(q.evidence for q in dev if q.evidence), **(case or {})}
    out = []
    for q in dev:
        if not q.evidence or len(set(q.choices)) != len(q.choices):
            continue
        claims = [to_claim(q.question, c, case) for c in q.choices]
        if any(c is None for c in claims):
            continue
        if not _states(q.evidence, q.answer):
            continue
        excerpt = [s.text for s in sentences(q.evidence)]
        out += [QuizPair(q.qid, q.week, claim, choice, int(choice.strip() == q.answer), excerpt)
                for claim, choice in zip(claims, q.choices, strict=True)]
    return out


def main() -> None:
    from corpus import questions, split
    from train_support import global_case

    dev = [q for q in split(questions(), "dev") if q.evidence]
    pairs = quiz_pairs(global_case())
    asked = {p.qid for p in pairs}
    print(f"dev questions with an excerpt: {len(dev)}; converted: {len(asked)}; pairs: {len(pairs)} "
          f"({sum(p.label for p in pairs)} right-choice)")
    for p in pairs[:: max(1, len(pairs) // 60)]:
        print(p.label, p.claim)


if __name__ == "__main__":
    main()
