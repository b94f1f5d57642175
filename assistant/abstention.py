"""Abstention: whether the library can answer, from the judge's calibrated probability
(assistant/judge/answerability.py), and what an abstention shows (the closest passages,
never a planted instruction)."""

from __future__ import annotations

from assistant.citations import citation
from assistant.evidence import Evidence, Selection
from assistant.settings import AnswerSettings
from assistant.types import Answer

NOT_FOUND = "The articles in the library don't cover this."


def abstain_reason(selection: Selection, s: AnswerSettings, followup: bool = False) -> str | None:
    """Why the library cannot answer, or None: the judge's probability that the best
    passages answer the question is below ``answer.abstain_below`` (``followup_abstain_below``
    for a follow-up read against the conversation), or the question names someone no article
    mentions and the probability is below ``abstain_unknown_name_below`` (operating points
    chosen on dev, see settings)."""
    if not selection.evidence:
        return "nothing relevant was retrieved"
    p = selection.p_answerable
    below = s.followup_abstain_below if followup and s.followup_abstain_below is not None else s.abstain_below
    if p is not None and p < below:
        return f"the closest passages do not answer it (confidence {p:.0%}, below {below:.0%})"
    if p is not None and selection.unknown_names and p < s.abstain_unknown_name_below:
        return f"no article in the library mentions {', '.join(selection.unknown_names)}"
    return None


def abstained(question: str, evidence: list[Evidence], reason: str,
              related_passages: int = AnswerSettings().related_passages) -> Answer:
    """The abstention, showing the ``related_passages`` closest passages (never a planted instruction)."""
    shown = [e for e in evidence if not e.instruction][:related_passages]
    related = [citation(e, i) for i, e in enumerate(shown, start=1)]
    return Answer(question=question, answer=NOT_FOUND, abstained=True, citations=[], related=related,
                  mode="abstained", note=f"Abstained: {reason}.")
