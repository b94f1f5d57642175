"""Instruction-like sentences: text in an article that speaks to a machine reader.

Such sentences are data. They never support a claim, are never quoted as an answer or in a
brief, and are never put in front of the model.

Two parts flag a sentence, and a third keeps more sentences from quotes without flagging them:
- clear rules (``clear_rule``), which flag: override phrases ("ignore all previous
  instructions"), a line addressed to an AI ("Note to any AI assistant: ..."), an imperative
  aimed at readers with a link (``rule_match``), and directives about how this text is to be
  passed on (``directive_match``): a re-telling of it told what to say ("any digest drawn from
  this page should use ...", "coverage of the crisis should say so"), a passive order about a
  figure ("is to be recorded and quoted as"), "the figure to carry", a machine reader addressed
  or a bracket labelled for one. Each has table-driven tests (tests/test_injection.py).
- a small learned model (``instruction_score``): logistic regression over hashed word
  uni/bigrams, the first words of the sentence, and structural features that say what the
  sentence *does*: imperative mood, second person, a machine addressee, a modal followed by a
  verb of answering/summarising/stating, a reference to "this article"/"your answer"/"summaries",
  links, phone numbers, quoted speech and reporting verbs (news quotes people giving orders;
  it does not give them). The weights (instruction_model.json) are trained by
  ``bench/train_instructions.py`` on the dev data only: the injected articles of
  tests/data/injection-dev and injection-dev2, extra dev-style instructions and hard negatives,
  and one half of the BBC and RealTime QA sentences (split by document hash).
- at the quote operating point only, broader patterns (``passes_on``): a re-telling named with
  an order or with the text itself ("Newsrooms, run our numbers", "TL;DR for previews:"), a
  machine reader told what to say ("chat services answering fans' questions should give ..."),
  and, for a text's sentences together, a sentence in another language or script than English
  in an English text (assistant/language.py).

Two operating points, both chosen on out-of-fold dev scores: ``looks_like_instruction`` flags at
0.990 (under 1 false positive in 20,000 news sentences); ``unquotable`` keeps a sentence from
quotes, citations and support from 0.661 (under 1 in 1,000), because losing a news sentence
from the quotable pool costs little and quoting a planted one does not.

Measured by ``python bench/injection_detector.py --split all`` (bench/results/injection_detector.json)
and end to end by tests/test_injection.py with INJECTION_E2E_ALL=1 (README, "Prompt injection").
Each set written blind was reported once, then became dev. Planted sentences kept from quotes
(paragraph rule included) on the last two, before and after the rules above: injection-test5
0.28 -> 0.44 (answers showing planted text 18 -> 14 of 60, briefs 13 -> 10 of 30; directives
and language only), injection-test6 0.11 -> 0.11 (answers 18 -> 16, briefs 9 -> 9): each new
set brings styles no rule has seen, and test6's planted lines are mostly furniture stating a
false fact to nobody, which is not an instruction at all. No blind set is left.
News: 7 of 110,593 sentences flagged (0.63 per 10,000, unchanged by the rules), 199 kept from
quotes (18.0 per 10,000 with neighbours; 185 before the broad patterns), none for its language.

A planted paragraph often holds sentences that do not read as instructions alone
("The vote was won by X."). ``flag_sentences`` also flags a flagged sentence's neighbours in
the same paragraph when their own score passes a lower threshold, so a planted paragraph
goes as a whole while the real sentences around a planted one stay.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.language import other_language

MODEL_PATH = Path(__file__).with_name("instruction_model.json")
HASH_BITS = 14
DIM = 1 << HASH_BITS
# Weight of the word features against the structural ones (chosen by cross-validation on dev,
# bench/train_instructions.py): words alone overfit the ~100 planted sentences' topics.
HASH_SCALE = 0.5

# ---- clear rules ------------------------------------------------------------------------------

# Text in an article that addresses an AI rather than a reader.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|of\s+)?(previous|prior|above|earlier|"
    r"preceding|your|my|these|those|system|original)\b.{0,30}\b(instructions?|prompts?|rules|context|guidelines)\b"
    r"|\b(system prompt|you are now|as an ai|assistant must|(reply|respond|answer) only (with|in)\b"
    r"|answer in [a-z]+ only|from now on,? (you|answer|reply|respond))\b"
    r"|\b(reveal|print|repeat|show)\b.{0,30}\b(system prompt|instructions|hidden prompt|your prompt)\b"
    # Sentence-initial only: "the judge told the jury to ignore the previous remark" is news.
    r"|(^|[:;]\s)\W*((please|now|so|and)\W+)?(ignore|disregard|forget)\b.{0,20}\b(above|previous|preceding|earlier)\b"
    r"|\b(new|updated|additional|secret|hidden) instructions\b",
    re.I,
)

# Words that name a machine reader: "Attention AI:", "Assistant, when you answer",
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
_DOMAIN = re.compile(r"https?://|www\.|\b[\w-]+\.(com|net|org|info|io|co\.uk)\b", re.I)
_AUDIENCE = re.compile(r"\b(readers?|users?|assistants?)\b", re.I)


def rule_match(text: str) -> bool:
    """The clear rules alone (no false positive on the 109,344 sentences they were narrowed on)."""
    if _INJECTION.search(text) or _ADDRESS.search(text):
        return True
    # "you" alone is not enough: advice columns address their reader all the time.
    return bool(_IMPERATIVE.match(text)) and bool(_LINK.search(text) or _AUDIENCE.search(text))


# ---- directives about how this text is to be passed on -----------------------------------------

# A planted line often names no machine at all: it tells whoever passes the story on
# ("coverage", "any digest drawn from this page", "newsletters lifting this item", "whoever
# republishes this excerpt") what to print, or says how a figure "is to be recorded and quoted".
# News reports what people must do; it does not tell its own re-tellings what to say. Eight
# patterns, written from the dev sets' planted lines (injection-test2 to -test6, all dev);
# none matches any of the 110,593 BBC and RealTime QA sentences nor the 258 hard negatives
# (bench/injection_detector.py), each has table rows in tests/test_injection.py.

_DEONTIC = (r"((should|must|shall)(?!\s+(have|not have|never have)\b)|ought to|(is|are) to|"
            r"(is|are) (now )?(asked|required|expected|invited|requested|encouraged|urged|obliged|bound|advised|"
            r"told|instructed|directed) to|"
            r"(is|are) (kindly )?(requested|asked))")
# Re-tellings of a text: what a planted line tells what to print.
_RETELLING = (r"(summar(y|ies)|digests?|briefings?|round-?ups?|write-?ups?|coverage|newsletters?|aggregators?|"
              r"abstracts?|citations?|syndication|republications?|reproductions?|previews?|versions?|accounts?|"
              r"reports|answers?|responses?|overviews?|recaps?|bulletins?|reposts?|retellings?|descriptions?)")
_THIS_TEXT = (r"(this|these|the above) (story|report|article|page|piece|passage|excerpt|release|item|text|post|"
              r"thread|chart|clip|analysis|figures?|interview|statement|announcement|news|content|feature|"
              r"column|coverage|update|bulletin|segment|episode|entry|listing|result|results)")
# What a re-telling is told to do with a claim: say, give, carry, credit, link ... (not "show",
# "lead", "refer", "present": "Official reports are expected to show that inflation fell").
_ACT = (r"(say|state|describe|give|use|carry|print|include|mention|quote|cite|recommend|point|send|direct|"
        r"tell|answer|reply|credit|attribute|make clear|name|keep|call|render|speak|read out|link|repeat)")
# 1. a re-telling of this very text, told what to do with it: "any digest drawn from this page
#    should use ...", "newsletters lifting this item should say ...", "whoever republishes this
#    excerpt is asked to keep ..." (not "anyone sharing this clip should delete it")
_OF_THIS = re.compile(rf"\b{_RETELLING}\b(\W+\w+){{0,5}}?\W+{_THIS_TEXT}\b(\W+\w+){{0,8}}?\W+{_DEONTIC}"
                      rf"\s+(\w+\s+)?{_ACT}\b"
                      rf"|\b(whoever|anyone|everyone|those|outlets?|sites?|services?|partners?|tools?|publications?)\b"
                      rf"(\W+\w+){{0,4}}?\W+(republish\w*|reproduc\w+|repost\w*|reprint\w*|summari[sz]\w*|syndicat\w*|"
                      rf"carr(y|ies|ying)|lift\w*|shar(e|es|ing)|quot(e|es|ing)|cit(e|es|ing)|us(e|es|ing)|index\w*|"
                      rf"aggregat\w*|compil\w*|cover\w*)\W+{_THIS_TEXT}\b(\W+\w+){{0,8}}?\W+{_DEONTIC}"
                      rf"\s+(\w+\s+)?{_ACT}\b", re.I)
# 2. a re-telling as the subject of an order about what to say: "coverage of the crisis should say so",
#    "reports should describe it in exactly those terms", "published accounts ... must state ..."
_TOLD_WHAT = re.compile(rf"\b{_RETELLING}\b(\W+\w+){{0,5}}?\W+{_DEONTIC}\W+(\w+\W+)?{_ACT}\b", re.I)
# 3. a passive order about how a figure is to be reported: "is to be recorded and quoted as",
#    "should be reported as" (not "should be given as two doses", "must be recorded as Covid-related")
_PUT_AS = re.compile(r"\b(is|are|should|must|shall)\s+(now\s+)?(to\s+|only\s+|always\s+)?be\s+(\w+\s+(and|or)\s+)?"
                     r"(quoted|reported|cited|stated|printed|credited|attributed|reproduced|summari[sz]ed)\s+as\b",
                     re.I)
# 4. the figure someone is to pass on: "the number to carry in summaries", "the figure going out should be"
_FIGURE_TO = re.compile(r"\bthe (number|figure|total|sum|year|date|result|score|price|age|toll|count|amount|"
                        r"wording|phrase) (to (carry|give|use|quote|report|print|cite|repeat|pass on)|going out)\b",
                        re.I)
# 4b. how this story is to be told: "the story should now be told on that basis" (not "her family
#     said the story must be told", "the report is to be presented to ministers")
_TOLD_AS = re.compile(r"\b(this|the) (story|report|article|piece|item|news) (should|must|is to|ought to)\s+(now\s+)?"
                      r"(only\s+)?be\s+(told|reported|written|presented|framed|summari[sz]ed|described)\s+"
                      r"(on|as|that|with)\b",
                      re.I)
# 5. an order to pass a figure on: "should carry the corrected figure", "should use that figure"
#    (not "firms must report the figures to HMRC", "employers are required to publish the figures")
_PASS_FIGURE = re.compile(rf"\b{_DEONTIC}\s+(\w+\s+)?(carry|print|use|quote|cite|say|state|repeat|include)\s+"
                          r"(that|the|this|these|those)\s+(corrected\s+|revised\s+|updated\s+|"
                          r"new\s+|same\s+|above\s+)?(figures?|numbers?|totals?|dates?|years?|amounts?|sums?|prices?|"
                          r"correction|wording|phrase|link|address|result|score|age|estimate)\b", re.I)
# 6. a machine reader addressed: "AI systems: describe this as ...", "(For AI answer engines: the
#    event is ...)". An order *about* a machine reader ("chat services answering fans' questions
#    should give ...") is in ``passes_on`` instead: regulation news gives such orders too ("Under
#    the AI Act, chatbots must tell users ...").
# Machine readers that may be told what to say ("chat services answering fans' questions should
# give ...", ``passes_on``); not a bare "AI" or "bots", nor search engines: "Under the EU's AI Act,
# companies must tell users ...", "Search engines must give news publishers a fair share" are
# regulation news. Those may only be addressed (``_READER``, "AI systems: describe this as ...").
_ORDERED_READER = (r"(chat ?bots?|chat services?|answer engines?|smart speakers?|voice assistants?|"
                   r"(ai|virtual|digital|smart|search|shopping|reader'?s?|chat) assistants?|summari[sz]ers?|"
                   r"text-mining tools?|language models?|(ai|automated|automatic|machine) (readers?|services?|"
                   r"systems?|tools?|news services?)|(summary|summari[sz]ing|digest) tools?)")
_READER = (rf"(ai|a\.i\.|bots|(ai |search )engines?|(ai|automated|automatic|machine) (overviews?|summar(y|ies))|"
           rf"{_ORDERED_READER})")
_MACHINE_ADDRESSED = re.compile(
    rf"\b{_READER}\s*[:,]\s*(please\s+)?{_ACT}\b"
    rf"|(^\W*|[(\[]\s*)((note|message|notice|attention)\s+)?(for|to)\s+(all\s+|any\s+|the\s+)?(\w+\s+)?{_READER}\s*:",
    re.I)
# 7. an order that names the re-telling after it: "that number must stay in every version of this story"
_IN_EVERY = re.compile(rf"\b{_DEONTIC}\b(\W+\w+){{0,4}}?\W+(in|from|of|by) (every|any|all|each) (\w+ )?{_RETELLING}"
                       rf"\W+(of|from|about|on) {_THIS_TEXT}\b", re.I)

# Sentence ends, roughly: a pattern's parts must meet in one sentence, so a passage of several
# ("The inquiry's summary was published on Monday. Ministers should reply.") is not taken for
# one (Assistant.support and `assistant check` take whole paragraphs).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“'‘(\[]?[A-Z0-9])")


_DIRECTIVES = (_OF_THIS, _TOLD_WHAT, _PUT_AS, _FIGURE_TO, _TOLD_AS, _PASS_FIGURE, _MACHINE_ADDRESSED, _IN_EVERY)


def directive_match(text: str) -> bool:
    """A directive about how this text is to be reported or what a machine reader is to say
    (the eight patterns above)."""
    return any(rx.search(part) for part in _SENTENCE_END.split(text) for rx in _DIRECTIVES)


def clear_rule(text: str) -> bool:
    """Either family of clear rules: ``rule_match`` (also a feature of the model, which was
    trained with it) or ``directive_match`` (added after the model; it moves no threshold)."""
    return rule_match(text) or directive_match(text)


# ---- text about passing this text on: kept from quotes only -----------------------------------

# Broader than the directives above and so used only at the quote operating point (never
# quoted, cited or used as support; not shown as flagged): a sentence that names a re-telling
# of a story or whoever makes one (summaries, digests, a précis, previews, newsletters, tickers,
# newsrooms, syndication, "any version") together with an order ("should", "are asked to",
# "verbatim", "supersedes") or with the text itself ("this excerpt", "the figures below"); a
# re-teller addressed ("Newsrooms, run our numbers"); a label addressed to one ("TL;DR for
# previews:"). Written from the dev sets' planted lines (injection-test5 included, dev since it
# was reported); on the 110,593 news sentences it keeps 7 more from quotes (0.6 per 10,000:
# provenance lines such as "A version of this story appeared in CNN's newsletter", a "Recap:"
# label, "Writers must submit ... a synopsis"), none of the 258 hard negatives.
_PASS_ON = (r"(summar(y|ies)|summari[sz](e|es|ed|ing|ers?)|digests?|pr[ée]cis|synops[ie]s|recaps?|round-?ups?|"
            r"run-?downs?|retellings?|re-?writes?|rewriters?|write-?ups?|previews?|overviews?|abstracts?|"
            r"at-a-glance|tl;?dr|bulletins?|newsletters?|tickers?|newsrooms?|sub-?editors?|subs|syndicat\w+|"
            r"republish\w*|republication\w*|reproductions? of|reproducing|re-?posts?|reprints?|aggregators?|"
            r"excerpts?|retell\w*|re-?tell\w*|"
            r"(any|every|all|each) (versions?|reports?|accounts?|coverage|stories|outlets?|answers?|responses?))")
_SELF = (r"((this|these) (story|report|article|page|piece|passage|excerpt|release|item|text|post|thread|box|line|"
         r"paragraph|feature|segment|clip|update|summary|figures?|numbers?)"
         r"|the (text|story|article|figures?) (below|above)|(above|below) (text|figures?))")
_ORDER = (r"((should|must|shall)(?!\s+(have|not have|never have)\b)|ought to|(is|are) to|"
          r"(is|are) (now )?(kindly )?(asked|required|expected|invited|requested|encouraged|urged|obliged|bound|told|"
          r"instructed|directed)( to)?|please|supersed\w+|verbatim|in full|(is|are) (the one|the figure|the number) to|"
          r"(figure|number|total|version|one) (that|which) stands|prevails?|takes? precedence|overrides?)")
_VOCATIVE = re.compile(rf"(^|[:;.!?]\s+|\W\s)(\w+\s+){{0,2}}{_PASS_ON}\s*,\s*(please\s+)?(run|use|carry|give|print|"
                       rf"say|state|include|quote|cite|report|link|put|keep|make|tell|lead|note|add|mention|amend|"
                       rf"change|correct)\b", re.I)
_LABEL_FOR = re.compile(rf"^\W*[\w;' .-]{{0,30}}\b(for|to) (all |any |the )?(\w+ )?{_PASS_ON}\s*:", re.I)
# A machine reader told what to say: "AI shopping assistants are invited to recommend ...",
# "chat services answering fans' questions should give ...", "If an AI is summarising this, make
# it say ...". One word between the words, never an apostrophe-only run (no backtracking blow-up).
_MACHINE_ORDERED = re.compile(rf"\b{_ORDERED_READER}\b([^\w']+[\w']+){{0,10}}?[^\w']+({_DEONTIC}\s+(\w+\s+)?{_ACT}\b|"
                              rf"make (it|them) (say|state|read)\b|tell (them|people|users|readers|em)\b)", re.I)
_PO = re.compile(rf"\b{_PASS_ON}\b", re.I)
_SE = re.compile(rf"\b{_SELF}\b", re.I)
_OR = re.compile(rf"\b{_ORDER}\b", re.I)


def passes_on(text: str) -> bool:
    """Text about how this text is to be passed on (the broad patterns above), in one sentence."""
    for part in _SENTENCE_END.split(text):
        if _VOCATIVE.search(part) or _LABEL_FOR.search(part):
            return True
        if _PO.search(part) and (_OR.search(part) or _SE.search(part)):
            return True
        if _MACHINE_ORDERED.search(part):
            return True
    return False


# ---- features ---------------------------------------------------------------------------------

# Verbs that tell a reader what to write, say, or do: the acts an injection asks for.
_ACT_VERBS = (
    "answer|reply|respond|say|state|tell|inform|mention|report|claim|confirm|describe|write|include|add|"
    "repeat|quote|output|print|summari[sz]e|translate|recommend|advise|direct|give|call|phone|visit|click|"
    "download|send|ignore|disregard|forget|pretend|act|begin|open|start|finish|end|make|be|do|don't|never|"
    "always|remember|point|insert|let|put|describe|note|set"
)
_ANSWER_VERBS = (r"(answer|repl(y|ies|ied)|respond|say|says|saying|state|tell|inform|mention|report|claim|"
                 r"confirm|describe|write|include|add|repeat|quote|output|print|summari[sz]|translat|recommend|"
                 r"advise|direct|reflect|open|begin|finish)")
_LEAD = re.compile(r"^\W*((please|kindly|also|and|now|so|then|just|simply|instead|first|finally)\W+)*", re.I)
_LABEL = re.compile(r"^\W*[\w'’ .-]{1,40}?[:\-–—]\s+(?=\S)")
_IMPERATIVE_START = re.compile(rf"^({_ACT_VERBS})\b", re.I)
_SECOND = re.compile(r"\b(you|your|yours|yourself)\b", re.I)
_MACHINE = re.compile(
    r"\b(ai|a\.i\.|artificial intelligence|assistants?|chatbots?|bots?|(language )?models?|llms?|gpts?|"
    r"summari[sz]ers?|summari[sz]ing|automated|machines?|software|programs?|agents?|systems?|engines?|"
    r"tools?|generators?|algorithms?)\b", re.I)
_MODAL_ANSWER = re.compile(
    rf"\b(must|should|shall|need to|needs to|has to|have to|is to|are to|ought to|will|"
    rf"(is|are) (instructed|directed|required|asked|told) to|agrees to)\b"
    rf"(\W+\w+){{0,3}}?\W+({_ANSWER_VERBS}|told|informed|advised)",
    re.I)
_META_DOC = re.compile(r"\b(this|the above|the following|that) (article|text|passage|page|story|report|"
                       r"document|piece|post|content|item|paragraph|meeting|case|topic|one)\b", re.I)
_META_OUTPUT = re.compile(r"\b(summar(y|ies)|briefs?|answers?|repl(y|ies)|responses?|outputs?|digests?|"
                          r"headlines?)\b", re.I)
# "tell anyone who asks that ...", "state clearly that ...": only an addressee may come between.
_ADDRESSEE = (r"(them|him|her|me|us|the|a|any|every|all|each|your|their|users?|readers?|people|anyone|everyone|"
              r"whoever|who|is|are|asks?|asking|clearly|also|simply|just|instead|always)")
# Base forms only: "reported that", "statement:" are news.
_ANSWER_BASE = (r"(answer|reply|respond|say|state|tell|inform|mention|report|claim|confirm|describe|write|include|"
                r"add|repeat|quote|output|print|summari[sz]e|translate|recommend|advise|direct|reflect|open|begin|"
                r"finish)")
_VERB_THAT = re.compile(rf"\b{_ANSWER_BASE}((\s+{_ADDRESSEE}){{0,4}}\s+(that|the following)\b|\s*:)", re.I)
_AUDIENCE_WORDS = re.compile(r"\b(the user|users|your users?|the reader|readers|anyone (who|asking)|everyone who|"
                             r"whoever|people who ask|those who ask)\b", re.I)
# Verbs that are also nouns ("State police said", "Report: ...", "Output grew"): an order only
# when an object follows.
_NOUN_VERBS = frozenset(["state", "report", "output", "open", "call", "act", "answer", "point", "set", "note",
                         "end", "start", "add", "claim", "direct", "print", "quote", "reply", "finish", "begin"])
_OBJECT = frozenset(["that", "the", "a", "an", "this", "these", "those", "your", "their", "his", "her", "its",
                     "our", "my", "only", "clearly", "to", "it", "them", "him", "me", "us", "every", "all", "any",
                     "each", "as", "with", "back", "out", "\"", "“", "'"])
_ANSWER_START = re.compile(rf"^{_ANSWER_VERBS}", re.I)
_PHONE = re.compile(r"(\+\d{1,3}[\s-]?)?\(?\b\d{3,5}\)?[\s-]\d{3,4}[\s-]?\d{3,4}\b")
_EMAIL = re.compile(r"\b[\w.-]+@[\w-]+\.[\w.]+\b")
_QUOTES = re.compile(r"[\"“”]|(^|\s)'|'(\s|$|[,.])")
_REPORTING = re.compile(r"\b(said|says|told|added|asked|urged|warned|explained|according to|insisted|"
                        r"claimed|argued|wrote|stated|replied|admitted|announced)\b", re.I)
_PAST = re.compile(r"\b\w+ed\b", re.I)
_TOKEN = re.compile(r"https?://\S+|www\.\S+|[\w.-]+@[\w-]+\.[\w.]+|\+?\d[\d ,.()-]*\d|\d|"
                    r"[a-z]+(?:['’][a-z]+)?|[:!?;\[\]<>*#{}]", re.I)

STRUCTURAL = (
    "bias", "rule", "imperative_start", "imperative_after_label", "label_prefix", "please", "second_person",
    "machine", "machine_and_second", "modal_answer", "meta_doc", "meta_output", "verb_that",
    "quoted_start", "quote_marks", "reporting_verb", "past_tense", "question", "caps",
    "short", "long", "no_final_stop", "imperative_and_meta", "machine_and_modal", "contact_and_directive",
    "imperative_and_act", "audience", "audience_and_order",
)


# "State lawmakers gave ...", "Call centre staff were ...", "Do you feel ...?": a verb-like first
# word followed by a finite verb (or a question) is a subject or a question, not an order.
_FINITE = frozenset(["is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "may",
                     "might", "must", "shall"])
_PAST_IRREGULAR = frozenset(["gave", "grew", "said", "told", "took", "made", "went", "came", "saw", "got", "found",
                             "became", "rose", "fell", "won", "lost", "left", "began", "held", "met", "paid", "put",
                             "ran", "set", "sold", "spent", "stood", "thought", "wrote", "brought", "bought"])


def _imperative(text: str) -> bool:
    rest = _LEAD.sub("", text, count=1)
    if not _IMPERATIVE_START.match(rest):
        return False
    toks = rest.lower().split()
    if toks[0].strip(",:") in _NOUN_VERBS and (toks[0].endswith(":") or len(toks) < 2 or toks[1] not in _OBJECT):
        return False
    if any(t in _FINITE or t in _PAST_IRREGULAR or (t.endswith("ed") and len(t) > 4) for t in toks[1:3]):
        return False
    return not (toks[0] in ("do", "don't") and len(toks) > 1 and toks[1] in ("you", "we", "they")
                and rest.rstrip().endswith("?"))


def _structural(text: str) -> dict[str, float]:
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    after_label = text[m.end():] if (m := _LABEL.match(text)) else ""
    second, machine, modal = bool(_SECOND.search(text)), bool(_MACHINE.search(text)), bool(_MODAL_ANSWER.search(text))
    imperative = _imperative(text)
    meta = bool(_META_DOC.search(text) or _META_OUTPUT.search(text))
    answer_that = bool(_VERB_THAT.search(text))
    audience = bool(_AUDIENCE_WORDS.search(text))
    f = {
        "bias": 1.0,
        "rule": float(rule_match(text)),
        "imperative_start": float(imperative),
        "imperative_after_label": float(bool(after_label) and _imperative(after_label)),
        "label_prefix": float(bool(after_label)),
        "please": float(bool(re.search(r"\b(please|kindly)\b", text, re.I))),
        "second_person": float(second),
        "machine": float(machine),
        "machine_and_second": float(machine and second),
        "modal_answer": float(modal),
        "meta_doc": float(bool(_META_DOC.search(text))),
        "meta_output": float(bool(_META_OUTPUT.search(text))),
        "verb_that": float(answer_that),
        "quoted_start": float(text.lstrip()[:1] in "\"“'‘"),
        "quote_marks": min(len(_QUOTES.findall(text)), 4) / 4,
        "reporting_verb": float(bool(_REPORTING.search(text))),
        "past_tense": min(len(_PAST.findall(text)), 4) / 4,
        "question": float(text.rstrip().endswith("?")),
        "caps": float(len(letters) > 10 and sum(c.isupper() for c in letters) / len(letters) > 0.6),
        "short": float(len(words) < 6),
        "long": float(len(words) > 40),
        "no_final_stop": float(text.rstrip()[-1:] not in ".!?\"'”’)]>"),
        "imperative_and_meta": float(imperative and meta),
        "machine_and_modal": float(machine and modal),
        # A link or number is news when the story gives it; planted when an order to pass it on comes with it.
        "contact_and_directive": float(bool(_DOMAIN.search(text) or _PHONE.search(text) or _EMAIL.search(text))
                                       and (machine or modal or second or bool(_META_OUTPUT.search(text)))),
        # An order about what to say, or to a machine: "Tell anyone who asks that ...". A phone number or
        # link on its own is not (local news: "Call the box office on ...").
        "imperative_and_act": float(imperative and (machine or answer_that or meta
                                                    or bool(_ANSWER_START.match(_LEAD.sub("", text, count=1))))),
        "audience": float(audience),
        "audience_and_order": float(audience and (imperative or modal or answer_that)),
    }
    return f


def _tokens(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t.startswith(("http", "www.")):
            out.append("<url>")
        elif "@" in t:
            out.append("<email>")
        elif t[0].isdigit() or t[0] == "+":
            out.append("<num>")
        else:
            out.append(t.replace("’", "'"))
    return out


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) & (DIM - 1)


def hashed(text: str) -> dict[int, float]:
    """Hashed word unigrams, bigrams and the first three words, L2-normalised."""
    toks = _tokens(text)
    keys = [f"w:{t}" for t in toks] + [f"b:{a} {b}" for a, b in itertools.pairwise(toks)]
    keys += [f"p{i}:{t}" for i, t in enumerate(_tokens(_LEAD.sub("", text, count=1))[:3])]
    counts: dict[int, float] = {}
    for k in keys:
        i = _bucket(k)
        counts[i] = counts.get(i, 0.0) + 1.0
    norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
    return {i: HASH_SCALE * v / norm for i, v in counts.items()}


def features(text: str) -> tuple[dict[int, float], np.ndarray]:
    """(hashed sparse part, structural dense part) of one sentence: shared by training and inference."""
    s = _structural(text)
    return hashed(text), np.array([s[name] for name in STRUCTURAL], dtype=np.float64)


# ---- model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstructionModel:
    hashed: np.ndarray  # (DIM,)
    structural: np.ndarray  # (len(STRUCTURAL),), "bias" included
    threshold: float
    neighbour_threshold: float
    quote_threshold: float

    def score(self, text: str) -> float:
        sparse, dense = features(text)
        z = float(dense @ self.structural) + sum(self.hashed[i] * v for i, v in sparse.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@lru_cache(maxsize=1)
def model() -> InstructionModel:
    try:
        raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
        dense = np.array([raw["structural"][name] for name in STRUCTURAL], dtype=np.float64)
        weights = np.zeros(DIM)
        for key, value in raw["hashed"].items():
            weights[int(key)] = value
        return InstructionModel(weights, dense, float(raw["threshold"]), float(raw["neighbour_threshold"]),
                                float(raw["quote_threshold"]))
    except (OSError, KeyError, ValueError) as exc:
        raise RuntimeError(f"instruction model {MODEL_PATH} is missing or unreadable ({exc}); "
                           "rebuild it with `python bench/train_instructions.py`") from exc


@lru_cache(maxsize=16384)
def instruction_score(text: str) -> float:
    """Probability (equal priors) that ``text`` is an instruction planted for a machine reader.
    Cached: evidence, the support check and briefs score the same sentences (0.25 ms each)."""
    if not text.strip():
        return 0.0
    return model().score(text)


def looks_like_instruction(text: str) -> bool:
    if not text.strip():
        return False
    return clear_rule(text) or instruction_score(text) >= model().threshold


def unquotable(text: str) -> bool:
    """Never quoted, cited or used as support: flagged, matching the broad ``passes_on`` patterns,
    or scoring above the lower quote threshold (out-of-fold 1 in 1,000 dev news sentences; see
    bench/train_instructions.py).
    Losing a news sentence from the quotable pool costs little; quoting a planted one does not."""
    if not text.strip():
        return False
    return clear_rule(text) or passes_on(text) or instruction_score(text) >= model().quote_threshold


def _spread(flags: list[bool], scores: Sequence[float], paragraphs: Sequence[int] | None,
            threshold: float) -> list[bool]:
    """Extend ``flags`` to paragraph neighbours of a flagged run whose score passes ``threshold``."""
    para = list(paragraphs) if paragraphs is not None else [0] * len(flags)
    changed = True
    while changed:
        changed = False
        for i in range(len(flags)):
            if flags[i] or scores[i] < threshold:
                continue
            if any(0 <= j < len(flags) and flags[j] and para[j] == para[i] for j in (i - 1, i + 1)):
                flags[i] = changed = True
    return flags


def flag_sentences(texts: Sequence[str], paragraphs: Sequence[int] | None = None) -> list[bool]:
    """Flags for a document's sentences in order; ``paragraphs[i]`` is sentence i's paragraph.

    A sentence is flagged on its own (``looks_like_instruction``), or when it shares a paragraph
    with a flagged sentence, is adjacent to a flagged run, and scores above the lower
    neighbour threshold: the rest of a planted paragraph, not the news sentence beside it.
    """
    m = model()
    scores = [instruction_score(t) for t in texts]
    flags = [clear_rule(t) or s >= m.threshold for t, s in zip(texts, scores, strict=True)]
    return _spread(flags, scores, paragraphs, m.neighbour_threshold)


def unquotable_sentences(texts: Sequence[str], paragraphs: Sequence[int]) -> list[bool]:
    """``unquotable`` for a text's sentences in order (``paragraphs[i]``: sentence i's paragraph),
    spread to the sentences right before and after in the same paragraph: a planted run's other
    sentences ("Your previous guidance no longer applies.") need not read as instructions alone.
    One step only, so a one-paragraph article (a RealTime QA excerpt) keeps the rest of its text.
    A sentence in another language than an English text's (assistant/language.py) is held back
    the same way. On the 110,593 BBC and RealTime QA sentences this keeps 18 in 10,000 from
    quotes (bench/injection_detector.py; the module docstring has the exact count)."""
    foreign = other_language(texts)
    flags = [unquotable(t) or f for t, f in zip(texts, foreign, strict=True)]
    n = len(flags)
    return [flags[i] or any(0 <= j < n and flags[j] and paragraphs[j] == paragraphs[i] for j in (i - 1, i + 1))
            for i in range(n)]


_BRACKETED = re.compile(r"\s*\(([^()]{3,})\)|\s*\[([^\[\]]{3,})\]|\s*[(\[]([^()\[\]]{3,})$")


def clean_title(title: str) -> str:
    """``title`` without a bracketed part that is kept from quotes ("Cnn news excerpt, 2024-02-02
    (For AI answer engines: the event is ...)" -> "Cnn news excerpt, 2024-02-02"; an unclosed
    bracket at the end counts), or "" when the rest is itself a clear instruction ("Note to any
    AI assistant: ..."). A title is shown as the headline and source of every brief and answer,
    so a planted line must not ride in on it (ingest, documents._make). The model's score alone
    never blanks a title: a headline such as "Quiz: Can you answer these questions?" reads like
    an order and is news."""
    def drop(m: re.Match) -> str:
        inner = next(g for g in m.groups() if g)
        return "" if unquotable(inner) else m.group(0)

    kept = _BRACKETED.sub(drop, title).strip()
    return "" if clear_rule(kept) else kept


def without_planted(text: str) -> str:
    """``text`` with the sentences ``unquotable_sentences`` holds back cut out: what a model may
    read of an article (the abstractive brief's map step)."""
    from assistant.text import paragraph_numbers, sentences

    spans = sentences(text)
    flags = unquotable_sentences([x.text for x in spans], paragraph_numbers(text, [x.start for x in spans]))
    out, at = [], 0
    for span, flag in zip(spans, flags, strict=True):
        if flag:
            out.append(text[at:span.start])
            at = span.end
    out.append(text[at:])
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in "".join(out).split("\n")).strip()


def planted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the planted sentences of a whole document (paragraph = line)."""
    from assistant.text import paragraph_numbers, sentences

    spans = sentences(text)
    paragraphs = paragraph_numbers(text, [s.start for s in spans])
    return [(s.start, s.end) for s, f in zip(spans, flag_sentences([s.text for s in spans], paragraphs),
                                              strict=True) if f]
