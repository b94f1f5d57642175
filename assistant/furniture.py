"""Page furniture: text on a news page that is not news (credits, bylines, captions, calls to
action, bracketed asides, markup left in the text).

Briefs drop all of it before ranking (brief/select.admissible); answers never quote an aside,
markup, a labelled box or a call to act on a link (`never_quoted`, evidence.candidates), where
a planted note to "abstracting services", a JSON "summary_override" (tests/data/injection-test2,
-test3) or a false fact dressed as a page element ("Key dates: ...", "Player ratings: ...",
injection-test6) hides; all dev now. Each pattern has a row in tests/test_brief.py::FURNITURE or
::NEVER_QUOTED (input, expected, why).
"""

from __future__ import annotations

import re

from assistant.facts import everyday_word, is_place

# Page chrome that survives text extraction: calls to action, sharing widgets, credits, bylines
# and time stamps. Matched anywhere in the sentence: no news sentence says "Scroll down for video".
_FURNITURE = re.compile(
    r"\b(scroll down for (the )?(video|more)|click here\b|share this (article|story|page)|"
    r"e-?mail (this|to a friend)|sign up (for|to) (our|the)|follow us on|"
    r"image (copyright|caption|source)|photo(graph)? (credit|courtesy)|pictures? courtesy|"
    r"\((getty|ap|afp|reuters|pa|epa)( images)?\)|getty images|"
    r"published: \d|updated: \d|last updated (at|on)|daily mail reporter|"
    r"read more:|related articles:|advertisement\s*$|all rights reserved|copyright \d{4})"
    # photo captions name where people stand in the picture
    r"|\((far |second |third )?(left|right|centre|center|pictured|above|below|inset|top|bottom|front|back)\)",
    re.I)
# A byline or credit line on its own: "By . John Smith .", "By JOHN SMITH", "Photo: Reuters".
_BYLINE = re.compile(
    r"^\W*(by\s*\.|by [A-Z][A-Za-z.' -]{2,40}(\.|$|\s+(and|for) )|(photo|picture|image|video|credit|source)s?\s*:)",
    re.I)
# A photo caption: a short label and a colon opening the sentence ("Tragic: The man ..."), or
# a caption run into the text because it had no full stop ("... his injuries Freak
# coincidence: His brother ..."). A speaker's colon ("Mr Blair said: ...") is not one.
_LABEL = r"[A-Z][\w'’-]*(?: [\w'’-]+){0,2}"
_CAPTION = re.compile(rf"^\W*{_LABEL}: [A-Z‘'\"“]|[a-z0-9] {_LABEL}: [A-Z‘'\"“]")
# A link to another story run into the text ("More:Trump is wrestling with 5 big legal cases.",
# "What travelers should know:Boeing 737 Max 9s grounded ..."): a label of up to nine words
# opening the sentence and a colon with no space before a capital or a quotation mark. 774 of the
# 111,082 sentences of bench/train_instructions.py's news corpus, all in the web pages of the
# RealTime QA excerpts; every one of about 95 read by hand a link, a section label or a
# correction notice. None in the BBC articles; one in the 95 CNN/DM dev articles, a caption the
# older rules already drop. Times ("8:40 a.m.") and acronym pairs ("CD:UK") are not one.
_RUN_IN_LINK = re.compile(r"^\W*(?P<label>[A-Z0-9][\w'’,.&-]*(?: [\w'’,.&-]+){0,8}):"
                          r"(?=[A-Z][a-z]|[A-Z]\b|[‘'\"“])")
_SPEECH_WORD = re.compile(r"\b(said|says|told|tells|added|adds|wrote|writes|asked|replied|explained|"
                          r"warned|declared|announced|insisted|commented|tweeted|posted|stated|admitted|"
                          r"claimed|revealed|reads|read)\b", re.I)


# A sentence that is all aside, in brackets: image credits, "(Click here to view)", asides
# ("(and very populist)"), notes to whoever reuses the text. 150 of the 111,079 BBC and RealTime
# QA sentences, every one credit or aside (read by hand, bench/train_instructions.py's corpus).
_ASIDE = re.compile(r"^\s*[(\[][^()\[\]]{8,}[)\]]\s*[.!?]?\s*$")
# A sentence that is markup or code, not prose about it: it opens (after a bullet, a quote mark or
# a bracketed time stamp, "[09:15] <night_desk> ...") with a JSON key, an XML/HTML tag, a
# Markdown comment or a code fence. None of those 111,079 news sentences does; planted blocks do
# (tests/data/injection-test2, -test3). Prose that shows a tag stays ("One panel shows the line
# <script>...</script> in red"), and tag names are lower case: Reuters puts tickers in angle
# brackets ("AT&T <T>").
_MARKUP = re.compile(r"^\W{0,3}(\[[^\]]{1,12}\]\s*)?"
                     r"(\{\s*\"[^\"]{1,40}\"\s*:|</?[a-z][\w:-]*(\s+[\w:-]+\s*=\s*\"[^\"]*\")*\s*/?>|\[//\]: #|```"
                     # a config key in snake_case ("answer_prefix: ..."; 1 of the 111,079, a URL fragment)
                     r"|[a-z]+(_[a-z0-9]+)+\s*[:=])"
                     # a Markdown table row (none of the 111,079)
                     r"|^\s*\|.*\|\s*$"
                     # a subtitle cue's timing ("00:00:14,200 --> 00:00:17,900") and a robots.txt field
                     # ("User-agent: *"): none of the 110,593 sentences of bench/train_instructions.py
                     r"|^\W{0,3}\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->"
                     r"|^\W{0,3}(?i:user-agent|disallow|allow|sitemap|crawl-delay)\s*:"
                     # a code comment ("// headline B: ..."; none of the 110,593)
                     r"|^\s*//\s"
                     # a wiki template ("{{Infobox dancer | name = ..."; none of the 110,593)
                     r"|^\W{0,3}\{\{")
# A labelled box opening the sentence: a fact box, a listing, a rating, a note or a timeline
# ("Key dates: 1978 - ...", "Player ratings: Hodgson 4/10 ...", "Glossary - plan Bussereau: the
# 170m-euro fund ..."). Page furniture whatever follows the colon, and where a planted false fact
# passes for an ordinary page element (tests/data/injection-test6: 12 of its 30 planted lines,
# dev). A label of at most three words with no finite verb; not a speaker ("Mr Blair said:"), a
# quotation, a dateline (a place the gazetteer knows) or an interview's "Q:"/"A:".
_BOX = re.compile(r"^\W{0,3}(?P<label>[A-Z][\w'’&/.]*(?:(?: | - | – )[\w'’&/.]+){0,2})\s*:\s+(?=\S)")
_FINITE = frozenset({"is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "do", "does",
                     "did", "be", "says", "said"})
# A call to act on a link ("have your say at musicvoice.example/poll", "For more information,
# visit bubbakoos.com"): 30 of the 110,593 news sentences, every one a web page's closing
# furniture but a quoted scam e-mail.
_DOMAIN = r"\b[\w-]+\.(com|net|org|example|co\.uk|info|io|gov|org\.uk)"
_CALL_TO_LINK = re.compile(
    r"\b(have your say|vote (now|online|at|here)|visit|go to|log on to|click|sign up at|find out more at|donate at|"
    rf"book (now|at)|buy (now|at|from)|order (now|at))\b[^.!?]{{0,50}}?(https?://|www\.|{_DOMAIN}\b)", re.I)


# Contact details and links: neither an answer nor a brief quotes them (a planted line's payload
# is often a phone number, an e-mail address or a link; the quiz's best-ranked sentence holding
# the answer never holds one: 0 of 195 dev, 0 of 187 test questions lose it). In the news corpus
# of bench/train_instructions.py 227 sentences hold an e-mail address, 278 a phone number and 349
# a link with a path, nearly all of them web pages' contact lines, listings and links run into
# the text; a company named by its domain ("Amazon.com said ...") is not a link.
_CONTACT = re.compile(
    r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b"
    r"|(?<![\d.,])(\+\d{1,3}[ -]?)?"
    r"(\(?0\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}|\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}|\b555-\d{4})(?![\d,])"
    rf"|https?://|\bwww\.[\w-]+|{_DOMAIN}/\S")
# A ticker or teletext line: price arrows and middle dots (none of the news corpus's prose).
_TICKER = re.compile(r"[▲▼·›]")


def _shouting(text: str) -> bool:
    """Mostly capitals: a heading, a teletext page, a slug (41 of the 110,593 news sentences,
    two of them quotes of a tweet in capitals)."""
    letters = [c for c in text if c.isalpha()]
    return len(text.split()) >= 4 and len(letters) >= 15 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def is_aside_or_markup(text: str) -> bool:
    """A sentence that is all bracketed aside, or is markup or code."""
    return bool(_ASIDE.match(text) or _MARKUP.match(text))


def is_labelled_box(text: str) -> bool:
    """A sentence opening with a page element's label and a colon (see _BOX)."""
    m = _BOX.match(text)
    if not m:
        return False
    label = m.group("label").strip()
    words = re.findall(r"[A-Za-z][\w'’]*", label)
    if len(label) <= 1 or any(w.lower() in _FINITE for w in words):
        return False  # "Q: ...", "A: ..." (an interview); "South Korea has a problem: ..."
    if _SPEECH_WORD.search(label) or _QUOTE_AFTER.match(text[m.end():]):
        return False  # a speaker's colon, or one that opens a quotation
    if not label.isupper() and all(w[0].isupper() for w in words) and (len(words) > 1 or not everyday_word(words[0])):
        return False  # a name: a dateline ("Key Largo: A bus driver was jailed ..."), a profile's head
    return not is_place(label)  # a dateline the gazetteer knows: "Sioux Falls: More than 100 ..."


def never_quoted(text: str) -> bool:
    """Furniture an answer never quotes either: asides, markup, labelled boxes, calls to act on
    a link, contact details and links, ticker lines. The rest stays quotable there (a caption
    run into the text can answer "who was pictured"). Measured on the quiz's retrieved sentences
    (bench/.cache/judge_data.pkl): the best-ranked sentence holding the answer is never one of
    these (0 of 195 dev, 0 of 187 test questions lose it). What it costs: "What number should
    witnesses call?" is not answered with the number."""
    return (is_aside_or_markup(text) or is_labelled_box(text) or bool(_CALL_TO_LINK.search(text))
            or bool(_CONTACT.search(text)) or bool(_TICKER.search(text)))


def is_furniture(text: str) -> bool:
    """Page furniture rather than news: credits, bylines, sharing and video prompts, captions,
    bracketed asides and markup, contact details and links, ticker lines and text in capitals."""
    if _FURNITURE.search(text) or _BYLINE.match(text) or never_quoted(text):
        return True
    if _shouting(text):
        return True
    link = _RUN_IN_LINK.match(text)
    if link and not (text[link.end()] in "‘'\"“" and _SPEECH_WORD.search(link.group("label"))):
        return True  # 'A statement read:"We want ..."' is a quotation, not a link; "Read:Climate ..." is one
    return any(_is_caption(text, m) for m in _CAPTION.finditer(text))


# What a label-and-colon is when it is not a caption (each row of tests/test_brief.py::FURNITURE).
# The caption rule alone flagged 4,213 of 112,783 news sentences (BBC, RealTime QA, CNN/DM dev),
# 3.7%: "Mr Howard told Greater Manchester Radio: \"...\"", "The Lord of the Rings: The Return",
# '"Jurassic World: Dominion"', and datelines ("Chicago: Metra is restoring service ...", 1,403
# of the rest: a place name known to the gazetteer opening the sentence). With these exceptions:
# 2,243 (see the README's brief section).
_SPEECH_BEFORE = re.compile(rf"{_SPEECH_WORD.pattern}(\s+\S+){{0,4}}\s*$", re.I)
_NOUN_PHRASE_BEFORE = re.compile(
    r"\b(the|a|an|of|for|to|in|on|at|by|with|from|into|about|as|his|her|their|its|our|your|my)\s*$", re.I)
_QUOTE_AFTER = re.compile(r"^\s*[\"“‘']")
_LEAD_PUNCT = " \t\"'“‘*-•"
# A caption says what the photo shows; a dateline's sentence does not ("Jordan: The former
# glamour model was pictured leaving" is a caption although Jordan is a place).
_PHOTO = re.compile(r"\b(pictured|photographed|snapped|seen (here|above|below|leaving|arriving|outside))\b", re.I)


def _is_caption(text: str, m: re.Match) -> bool:
    colon = m.end() - 3  # the match ends with ": X"
    before, after = text[:colon], text[colon + 1:]
    run_in = text[m.start()].islower() or text[m.start()].isdigit()
    label_start = m.start() + 1 if run_in else m.start()
    # A label run into the text may have taken the last word of the sentence before it ("... in
    # hospital on Sunday Tragic: The man ..."), so what stands before it is read up to the label's
    # last word: the exceptions below never see "on" before "Sunday Tragic".
    lead_in = text[: max(label_start, before.rstrip().rfind(" ") + 1)] if run_in else text[:label_start]
    if _SPEECH_WORD.search(before[max(0, label_start - 1):]) or _SPEECH_BEFORE.search(lead_in):
        return False  # a speaker's colon: "Mr Blair said:", "he told the Evening Standard:"
    if _QUOTE_AFTER.match(after):
        return False  # the colon opens a quotation
    if _NOUN_PHRASE_BEFORE.search(lead_in):
        return False  # the label ends a noun phrase: "The Lord of the Rings: The Return of the King ..."
    if (not text[:label_start].strip(_LEAD_PUNCT) and is_place(before[label_start:].strip(_LEAD_PUNCT))
            and not _PHOTO.search(after)):
        return False  # a dateline: "Sioux Falls: More than 100 state residents have died ..."
    return (before.count('"') + before.count("“") + before.count("”")) % 2 == 0  # not a title in quotes
