"""Briefs of one article, a set of articles, or a topic: see chain.py for the pipeline."""

from assistant.brief.chain import BriefChain, summary_budget
from assistant.brief.render import (
    Brief,
    BriefPoint,
    BriefQuote,
    Disagreement,
    DisagreementSide,
    SourceGroup,
    Story,
    TimelineEntry,
)

__all__ = ["Brief", "BriefChain", "BriefPoint", "BriefQuote", "Disagreement", "DisagreementSide", "SourceGroup",
           "Story", "TimelineEntry", "summary_budget"]
