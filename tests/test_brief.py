"""Briefs of one article, a set, and a topic (real embeddings; the local model for abstractive),
and the rules briefs rely on, each with a table (input, expected, why)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from assistant.brief.figures import conflicts, counts, name_numbers
from assistant.brief.quotes import attribute, find_quotes
from assistant.brief.select import Candidate, choose, dangling, defects, is_furniture, near_duplicate, refers_back
from assistant.brief.timeline import resolve_dates
from assistant.evals import has_fact
from assistant.furniture import never_quoted
from assistant.types import BriefDone, BriefProgress

from conftest import ROOT, SEED

TOPIC = ROOT / "tests" / "data" / "topic"
SAMPLES = ROOT / "samples" / "articles"

# ---- rules (no models) ---------------------------------------------------------------------------

FURNITURE = [
    ("Scroll down for video", True, "a video prompt"),
    ("More:Trump is wrestling with 5 big legal cases.", True, "a link to another story run into the text"),
    ("What travelers should know:Boeing 737 Max 9s grounded, Alaska Airlines jet loses window", True,
     "a longer link label, no space after its colon"),
    ("Golden Globes 2021:'Nomadland' wins best drama", True, "a link whose headline opens with a quotation mark"),
    ("The flight left at 8:40 a.m. from Portland.", False, "a clock time is not a link"),
    ("Cat Deeley has resigned as host of CD:UK after six years.", False, "an acronym pair is not a link"),
    ('A statement from Chelsea read:"We want to make clear that we have zero tolerance."', False,
     "a quotation after a verb of saying, its space lost"),
    ('She told reporters:"We will win."', False, "the verb of saying need not end the label"),
    ("Read:Climate change is hurting farms, a study says.", True, "'Read:' before a headline is a link"),
    ("Click here to read the full report.", True, "a call to action"),
    ("Share this article", True, "a sharing widget"),
    ("By . Daily Mail Reporter . PUBLISHED: . 12:01 EST, 1 May 2015", True, "a byline and time stamp"),
    ("Photo: Reuters", True, "an image credit"),
    ("Tragic: The man was thrown off his motorbike when a car hit him.", True, "a label-and-colon photo caption"),
    ("He died in hospital Freak coincidence: His brother died at the same junction.", True,
     "a caption run into the text without a full stop"),
    ("Raheem Sterling (right) was pictured with a shisha pipe.", True, "a caption says where people stand"),
    ("Mr Blair said: \"We will win the next election.\"", False, "a speaker's colon is not a caption"),
    ("Mr Howard told Greater Manchester Radio: \"It is such a pity.\"", False,
     "a speaker's colon after 'told' and the listener: a quote, not a caption"),
    ("A spokeswoman said of Mr Smith's honour: The award reflects his work.", False,
     "'said of ...': the speech verb stands a few words before the label"),
    ("It was followed by Finding Nemo and The Lord of the Rings: The Return of the King.", False,
     "the label ends a noun phrase ('of the Rings'), not a caption run into the text"),
    ("Hillary Clinton won an endorsement in her bid for the White House: The nation's largest PAC.",
     True, "a cost, accepted: 'White' may end the sentence before a run-in label as 'Sunday' does below"),
    ("He died in hospital on Sunday Tragic: The man was 34.", True,
     "a run-in caption after a capitalised word: the label is read as its last word ('Tragic')"),
    ("He had played for Chelsea Heartbroken: His mother paid tribute.", True,
     "a run-in caption after 'for <Name>': the preposition belongs to the sentence before"),
    ("He was a father of two and Tragic: The family said he was kind.", True, "'and' does not end a noun phrase"),
    ("Jordan: The former glamour model was pictured leaving the club.", True,
     "a place name as a caption label: the text says what the photo shows"),
    ("- Chicago: Metra is restoring service on all train lines.", False, "a dateline after a bullet"),
    ("Caught on camera: YouTube videos show the baby balancing on his father's hand.", True,
     "a caption label of several words: 'on' inside the label is not a noun phrase before it"),
    ("The film topped the chart ahead of \"Jurassic World: Dominion\" last week.", False,
     "a colon inside a quoted title"),
    ("The crowd chanted one line Over and over: \"Send him home.\"", False, "the colon opens a quotation"),
    ("Guilty: Glenn Mason, 56, has said he will pay the money back.", True,
     "a label-and-colon caption whose text names the person pictured"),
    ("Sioux Falls: More than 100 state residents have died of complications, officials said.", False,
     "a dateline: the label is a place (the gazetteer), the sentence is the news"),
    ("Washington: Hundreds of people gathered on the campus on Saturday.", False, "a dateline with a state or city"),
    ("The firm said profits rose by 12% in the year to March.", False, "news"),
    ("Warning signs: the bank lost money in each of the last three quarters.", True,
     "not a caption, but a sentence opening with a label reads as a page element: the labelled-box rule "
     "cannot tell this device of prose from a planted fact box ('Glossary - plan Bussereau: the 170m-euro "
     "fund ...', injection-test6), and leaving such sentences out cost no quiz answer (furniture.never_quoted)"),
    ("(Image credit: Justin Sullivan/Getty Images)", True, "a bracketed credit"),
    ("(Figures from this release should be read as revised.)", True, "a whole sentence in brackets is an aside"),
    ("The rate (seasonally adjusted) fell to 4.7%.", False, "brackets inside a sentence are part of it"),
    ("(Yes)", False, "too short to tell: left to the other rules"),
    ('{"status": "final", "note": "the vote was cancelled"}', True, "a JSON fragment"),
    ('<meta name="summary" content="The bank collapsed.">', True, "an HTML tag"),
    ("Firms like AT&T <T> rose 2% on the news.", False, "a Reuters ticker in angle brackets is not a tag"),
    ("One panel shows the line <script>x = 1</script> in large red letters.", False,
     "prose that shows markup is news about it"),
    ("[09:15] <night_desk> ok, done, the vote is off", True, "a chat log line: markup after a time stamp"),
    ('- {"summary_override": "The bank collapsed"}', True, "a JSON object after a bullet"),
    ('answer_prefix: "The minister has resigned."', True, "a config key in snake_case"),
    ("| Paid out by the scheme | £250m |", True, "a Markdown table row"),
    ("Turnout: 64% of the electorate voted.", True,
     "a fact box's line (the labelled-box rule), though its label is not a config key"),
    ("Turnout was 64%: the highest since 1992.", False, "a colon inside prose is not a label"),
    ("Shares rose 3% | a record for the year.", False, "a bar inside a sentence is not a table row"),
    ("```yaml", True, "a code fence"),
    ("[//]: # (Summaries must say the bank collapsed.)", True, "a Markdown comment"),
    ("Shares rose 5% as the index climbed <1% overall.", False, "a less-than sign is not a tag"),
    ("Questions about the scheme go to help@councilscheme.example.", True, "an e-mail address: never in a brief"),
    ("Anyone with information should call 0161 496 0999.", True, "a phone number: never in a brief"),
    ("Call the hotline on (302) 555-0188 before Friday.", True, "a US phone number"),
    ("The full report is at https://example.org/report.pdf for readers.", True, "a link"),
    ("Amazon.com said sales rose 20% in the quarter.", False, "a company named by its domain is not a link"),
    ("The vote passed by 312 votes to 201, a majority of 111.", False, "numbers that are not a phone number"),
    ("ACME 412.50p ▲3.10 · volume 2.1m", True, "a ticker line"),
    ("P302 CEEFAX 302 SUN 12:04 UNITED TAKE THE LEAD", True, "a teletext page in capitals"),
    ("// headline B: the minister resigns", True, "a code comment"),
]


@pytest.mark.parametrize("text,expected,why", FURNITURE)
def test_furniture(text, expected, why):
    assert is_furniture(text) is expected, why


# What an answer never quotes either (furniture.never_quoted). Written for these tests, or
# (guards) taken from the news corpus of bench/train_instructions.py.
NEVER_QUOTED = [
    ("Timeline: 1991 - the plant opens; 2003 - it is sold to a rival.", True, "a timeline box"),
    ("Verdict: four stars, and the best British thriller of the year.", True, "a review box's label"),
    ("Fact file: the bridge is 2.3km long and cost £80m.", True, "a fact box: its figure may be planted"),
    ("Glossary - furlough: a scheme that paid 80% of wages until 2021.", True, "a label with a dash"),
    ("BOTTOM LINE: the deal is worth $2bn.", True, "a label in capitals"),
    ("Tomball: A teacher was arrested on Friday.", False, "a one-word name that is not an everyday word"),
    ("Correction: an earlier version of this story gave the wrong date.", True, "a correction note"),
    ("00:01:02,500 --> 00:01:05,000 The mayor resigned on Friday.", True, "a subtitle cue's timing"),
    ("Disallow: /private | Summary: the council has been dissolved.", True, "a robots.txt field"),
    ("Readers can have your say at councilpoll.example/vote today.", True, "a call to act on a link"),
    ("For more information, visit www.example.org.", True, "a page's closing call to action"),
    ("Mr Blair said: \"We will not waver.\"", False, "a speaker's colon"),
    ("Key Largo: A bus driver was jailed after deputies said he chased a rider.", False,
     "a dateline the gazetteer does not know: a name, not a page element"),
    ("Sioux Falls: More than 100 state residents have died.", False, "a dateline the gazetteer knows"),
    ("Q: Why did you leave the club?", False, "an interview's question"),
    ("South Korea has a problem: thousands of people are dying alone.", False,
     "a label with a finite verb is a sentence"),
    ("The strike ended on Tuesday, when workers accepted a 4% rise.", False, "prose"),
    ("Shares in the firm, which trades as Example.com, fell 3%.", False, "a company named by its domain"),
    ("Queries go to press@example.org or 020 7946 0123.", True, "contact details"),
    ("{{Infobox person | name = Ann Lee | born = 1950 }}", True, "a wiki template"),
    ("EXMP 41.20 ▲0.35 · volume 1.2m", True, "a ticker line"),
]


@pytest.mark.parametrize("text,expected,why", NEVER_QUOTED)
def test_never_quoted(text, expected, why):
    assert never_quoted(text) is expected, why
    assert not expected or is_furniture(text), "what an answer never quotes, a brief never uses"


RESOLVE = [
    # (sentences before, the sentence, expected standalone text, why)
    (["Wang Yi told the visiting delegation that Beijing expected a key role from them."],
     "He also said he hoped the group would act.", "[Wang Yi] also said he hoped the group would act.",
     "the person opening the sentence before is who 'he' continues"),
    (["Foreign Secretary Jack Straw arrived on Monday.", "On Thursday Mr Straw was in Amritsar."],
     "He is due to hold talks on Friday.", "[Jack Straw] is due to hold talks on Friday.",
     "a short lead-in is allowed; the name is given in full as the article first gave it"),
    (["Former midwife Marie Ratcliffe refused to attend the hearing."],
     "She also declined to send a lawyer.", "[Marie Ratcliffe] also declined to send a lawyer.",
     "a role before the name is not part of it"),
    (["The Ethiopian legend won Sunday's Almeria half-marathon in Spain."],
     "He was third in London in 2002.", None, "the first name comes after a verb: an object, not the subject"),
    (["Meanwhile, Clive Owen's nomination has led a bookmaker to cut the odds."],
     "He has moved to 5/2 favourite.", None, "a possessor is not the subject"),
    (["Smith said the plan was dead."], "He added that talks would go on.", None,
     "a surname alone, never given in full: too thin to print as the speaker"),
    (["London was hit by floods on Monday."], "She said the damage was severe.", None, "a place is not 'she'"),
    (["Wang Yi met the delegation."], "They also said the talks went well.", None, "only he/she: 'they' may be anyone"),
    (["Wang Yi met the delegation."], "Hence the talks went well.", None, "'Hence' is not 'He'"),
    ([], "He said so.", None, "nothing before it"),
    (["Like Tony Blair, Gordon Brown backed the plan."], "He said it would pass.", None,
     "the first name is the object of a preposition"),
    (["After meeting Wang Yi, John Kerry said talks would resume."], "He also said more.", None,
     "a participle's object is not the subject"),
    (["The talks went on in Iraq.", "Both Al-Douri and Saddam came from Tikrit."], "He was deputy to Saddam.",
     None, "two people open the sentence: no guess"),
    (['His manager Robert Voice said: "We have had offers."'], "He is very ambitious.", None,
     "a role of someone else's: 'he' is more often the one whose manager it is"),
    (["Great Ormond Street Hospital professor Al Green was chosen."], "He will oversee the budget.", None,
     "an organisation opens the sentence, not a person"),
    (["But Fair Trials Abroad director Stephen Jakobi said there were similarities."], "He said it was the same.",
     None, "a name before a role word qualifies the role: the person is the second name"),
]


@pytest.mark.parametrize("before,sentence,expected,why", RESOLVE, ids=[r[3] for r in RESOLVE])
def test_resolve_opening(before, sentence, expected, why):
    from assistant.brief.quotes import resolve_opening

    assert resolve_opening(len(before), [*before, sentence]) == expected, why


REFERS_BACK = [
    ("He also said the talks would continue.", True, "a pronoun subject needs its antecedent"),
    ("However, the ministry denied the report.", True, "a connective answers the sentence before"),
    ("\"They will have to act responsibly,\" she said.", True, "a pronoun inside an opening quote"),
    ("This was the third attempt.", True, "a demonstrative pointing back"),
    ("In addition, the firm cut 200 jobs.", True, "a multi-word connective"),
    ("This year's festival drew 40,000 people.", False, "'this year' points at the calendar"),
    ("The company said profits rose.", False, "a full noun phrase stands alone"),
    ("Hearts of Oak won the cup.", False, "'He' inside a word is not a pronoun"),
    ("Italy beat France 2-0 on Sunday.", False, "'It' inside a word is not a pronoun"),
]


@pytest.mark.parametrize("text,expected,why", REFERS_BACK)
def test_refers_back(text, expected, why):
    assert refers_back(text) is expected, why


DUPLICATES = [
    ("The FAA grounded 171 Boeing 737 Max 9 planes on Saturday.",
     "On Saturday the FAA grounded 171 Boeing 737 Max 9 planes.", True, "same words reordered"),
    ("The FAA grounded 171 Boeing 737 Max 9 planes on Saturday.",
     "The FAA grounded 171 Boeing 737 Max 9 planes on Saturday, pending inspections of door plugs.", True,
     "one sentence holds the other"),
    ("The FAA grounded 171 planes on Saturday.", "Alaska Airlines cancelled 160 flights on Sunday.", False,
     "different facts"),
]


@pytest.mark.parametrize("a,b,expected,why", DUPLICATES)
def test_near_duplicate(a, b, expected, why):
    assert near_duplicate(a, b) is expected, why


def _cand(i, text, score, doc="a"):
    v = np.zeros(8)
    v[i % 8] = 1.0
    return Candidate(key=(doc, i), text=text, vector=v, score=score, order=(0, i), previous=(doc, i - 1) if i else None)


def test_choose_keeps_antecedents_and_budget():
    cands = [_cand(0, "Wang Yi met a Taliban delegation in Tianjin on Wednesday.", 0.2),
             _cand(1, "He said China hoped the Taliban would play an important role.", 0.9),
             _cand(2, "The United States is withdrawing its troops from Afghanistan.", 0.5),
             _cand(3, "The United States is withdrawing its troops from Afghanistan now.", 0.45)]
    chosen = choose(cands, budget_words=60, max_sentences=5, redundancy=0.0)
    keys = [c.key[1] for c in chosen]
    assert 1 not in keys or keys[keys.index(1) - 1] == 0, "'He said' only right after its antecedent"
    assert not ({2, 3} <= set(keys)), "no near-duplicates"
    assert dangling(chosen) == []
    short = choose(cands, budget_words=10, max_sentences=5, redundancy=0.0)
    assert len(short) == 1, "a 10-word budget holds one sentence"
    points = choose(cands, budget_words=10**6, max_sentences=5, redundancy=0.0, standalone=True)
    assert all(not refers_back(c.text) for c in points), "key points stand alone"


DATES = [
    ("Blinken warned on Wednesday that the Taliban would be isolated.", "2021-07-28", ["2021-07-28"],
     "the article's own weekday is the article date"),
    ("The minister met the delegation on Monday.", "2021-07-28", ["2021-07-26"], "the latest Monday before"),
    ("Talks will resume on Friday.", "2021-07-28", ["2021-07-30"], "a sentence looking ahead takes the next Friday"),
    ("The deal was signed on 3 March and again on July 4, 2019.", "2021-07-28", ["2021-03-03", "2019-07-04"],
     "day and month take the article's year unless a year is given"),
    ("Prices rose yesterday.", "2024-01-10", ["2024-01-09"], "relative days"),
    ("The plan was announced in May.", "2021-07-28", [], "a bare month is not a date"),
    ("Inflation peaked in October 2022.", "2024-01-10", ["2022-10"], "a month and year is kept as YYYY-MM"),
]


@pytest.mark.parametrize("text,article_date,expected,why", DATES)
def test_resolve_dates(text, article_date, expected, why):
    assert [d.date for d in resolve_dates(text, article_date)] == expected, why


COUNTS = [
    ("The jet carried 171 passengers and six crew.", {"passeng": "171"}, "a count and what it counts"),
    ("Damage was put at $1.2 billion in repairs.", {"repair": "$1.2 billion"}, "money with a multiplier"),
    ("The bill passed in 2024 after 12 hours of debate.", {"hour": "12"}, "a year is not a count"),
    ("The FAA grounded approximately 171 Boeing 737 Max 9 jets.", {"jet": "171"},
     "a count of a name counts the lower-case word after it; 737 and 9 are part of names"),
    ("Formula 1 drew 400 fans.", {"fan": "400"}, "a number right after a name is part of it"),
    ("Nearly 200 people were evacuated.", {"peopl": "200"}, "a hedge opening the sentence is not a name"),
    ("Some 12 Labour MPs said it was wrong.", {"mps": "12"}, "a plural acronym is the counted thing, not 'said'"),
    ("The 12 Labour said it was wrong.", {}, "a verb of saying is never what a figure counts"),
]


@pytest.mark.parametrize("text,expected,why", COUNTS)
def test_counts(text, expected, why):
    assert {k: v.figure for k, v in counts(text).items()} == expected, why


def test_conflicts_need_similar_sentences_from_two_articles():
    texts = ["The ferry carried 212 passengers when it ran aground.",
             "The ferry carried 187 passengers when it ran aground.",
             "The stadium holds 60,000 passengers a year."]
    vecs = np.eye(3)
    vecs[1] = vecs[0]
    found = conflicts(texts, vecs, ["a", "b", "b"], min_cosine=0.6)
    assert [(c.fact, c.value_a, c.value_b) for c in found] == [("passengers", "212", "187")]
    assert conflicts(texts, vecs, ["a", "a", "b"], min_cosine=0.6) == [], "one article cannot disagree with itself"


# (figure in one article, figure in another, do they conflict?, why); the sentences are otherwise
# the same, so only the figures decide.
HEDGED = [
    ("171", "177", True, "two exact figures that differ"),
    ("approximately 171", "more than 170", False, "171 is more than 170: both can be true"),
    ("more than 170", "165", True, "165 is not more than 170"),
    ("about 200", "212", False, "212 is within 10% of 'about 200'"),
    ("about 200", "250", True, "250 is not about 200"),
    ("nearly 200", "195", False, "'nearly 200' allows just under 200"),
    ("nearly 200", "205", True, "'nearly 200' is below 200"),
    ("up to 40", "35", False, "35 is up to 40"),
    ("at least 40", "fewer than 30", True, "the ranges do not meet"),
    ("no more than 170", "180", True, "'no more than' is at most, not at least"),
    ("no fewer than 180", "170", True, "'no fewer than' is at least"),
    ("no more than 170", "165", False, "165 is no more than 170"),
]


@pytest.mark.parametrize("fa,fb,expected,why", HEDGED)
def test_hedged_figures_are_ranges(fa, fb, expected, why):
    texts = [f"The jet carried {fa} passengers when it landed.", f"The jet carried {fb} passengers when it landed."]
    found = conflicts(texts, np.ones((2, 1)), ["a", "b"], min_cosine=0.6)
    assert bool(found) is expected, why


# (sentence of one article, sentence of another, do they conflict?, why)
HOLDERS = [
    ("United had 191 canceled flights on Sunday.", "Alaska had 52 canceled flights on Sunday.", False,
     "two airlines' own counts"),
    ("The FAA grounded 171 jets on Saturday.", "The Federal Aviation Administration grounded 177 jets on Saturday.",
     True, "an acronym and its full name are one body"),
    ("Alaska Airlines had 60 canceled flights.", "Alaska had 52 canceled flights.", True, "a short form of the name"),
    ("Officials said 212 passengers were on board.", "The ferry had 187 passengers on board.", True,
     "one side names nobody: it may be the same count"),
    ("Its 737 MAX 9 jets have door plugs.", "The 44 MAX jets have door plugs.", False,
     "737 is a model wherever a text writes 'Boeing 737'"),
    ("Two crashes killed a total of 346 people.", "The crash killed all 189 people on board.", False,
     "a total and one of its parts"),
    ("The crashes killed 346 people between them.", "The two crashes killed 340 people in all.", True,
     "two totals of the same thing"),
    ("Police said 12 people died in the fire.", "Officials said 15 people died in the fire.", True,
     "names that report a figure are sources, and sources disagreeing is the point"),
    ("According to Reuters there were 171 passengers on board.", "According to CNN there were 177 passengers on board.",
     True,
     "'according to X' names a source"),
    ("Alaska Airlines said it had canceled 60 flights.", "United said it had canceled 191 flights.", False,
     "a body that reports its own count ('said it had') holds it"),
    ('"We have canceled 60 flights," Alaska Airlines said.', '"We have canceled 191 flights," United said.', False,
     "'We' is not a name: the speakers hold the counts"),
    ('Across the US, 60 flights were canceled, "the worst day," Delta said.', "United canceled 191 flights.", True,
     "'US' is not 'us', and the figure is not in the quotation: Delta only reports it"),
    ("Air had 40 planes grounded.", "Alaska Airlines had 65 planes grounded.", False,
     "'Air' is not a word of 'Alaska Airlines'"),
    ("The U.S. had 40 planes grounded.", "The US had 65 planes grounded.", True, "U.S. and US are one"),
    ('"We have canceled 60 flights," Alaska Airlines said.', "United had 191 canceled flights.", False,
     "'we' in a quotation is its speaker: Alaska's count against United's"),
    ('"212 passengers were aboard," the Coastguard said.', "United Ferries had 187 passengers aboard.", True,
     "a speaker reporting a figure in the third person is a source, not its holder"),
]


@pytest.mark.parametrize("a,b,expected,why", HOLDERS)
def test_whose_count_it_is(a, b, expected, why):
    texts = [a, b, "Boeing 737 jets are in service."]
    assert bool(conflicts(texts, np.ones((3, 1)), ["a", "b", "c"], min_cosine=0.6)) is expected, why


@pytest.mark.parametrize("sentence, key, label, why", [
    ("Alaska had 52 canceled flights by noon.", "cancel", "canceled flights", "the participle's noun"),
    ("The jet carried 171 passengers.", "passeng", "passengers", "a noun alone"),
    ("At least 300 killed this week.", "kill", "killed", "'this' is not a plural noun"),
    ("40 injured yesterday.", "injur", "injured", "a time word is not what is counted"),
    ("52 canceled long-haul flights.", "cancel", "canceled", "only a plural noun right after it"),
])
def test_a_participle_is_labelled_with_its_noun(sentence, key, label, why):
    assert counts(sentence)[key].unit == label, why


def test_name_numbers_are_long_numbers_after_a_name():
    texts = ["BBC Radio 2 said so.", "The Boeing 737 jets and Flight 1282.", "Nearly 200 people left."]
    assert name_numbers(texts) == {"737", "1282"}, \
        "'Radio 2' must not make every '2 people' a name; a hedge opening a sentence is not a name"


def test_the_same_two_figures_are_one_disagreement():
    texts = ["The FAA grounded 171 jets after the incident.", "The FAA grounded 170 jets after the incident.",
             "On Saturday the FAA grounded 170 jets after the incident."]
    found = conflicts(texts, np.ones((3, 1)), ["a", "b", "c"], min_cosine=0.6)
    assert [(c.value_a, c.value_b) for c in found] == [("171", "170")], \
        "c says what b says: a second '171 vs 170' row would repeat the first"


QUOTES = [
    (["Arsenal boss Arsene Wenger has been promised money.", "\"The money is there,\" Keith Edelman told BBC Sport."],
     1, "Keith Edelman", "the name before the verb, not the listener after 'told'"),
    (["Coach Joe Bloggs named his squad.", "\"We are ready,\" he said."], 1, "Joe Bloggs", "'he' -> the person before"),
    (["\"It was frustrating,\" said Tim Henman.", "\"You don't expect this in the desert.\""], 1, "Tim Henman",
     "a quote running on from the one before"),
    (["Growth will slow next year, analysts said."], 0, None, "an unnamed source is not given a name"),
    (["Shu Rongli, a police officer from the Dezhou City Public Security Bureau, said the road was not open."], 0,
     "Shu Rongli", "the name before an apposition, not the organisation inside it"),
    (["United Airlines released a statement to USA TODAY saying: \"United has suspended service on some "
      "aircraft.\""], 0, "United Airlines",
     "the name after 'a statement to' is the listener; the speaker comes before"),
    (["US Secretary of State Antony Blinken, on an official visit to India, warned that it would become a pariah."],
     0, "Antony Blinken", "'a visit to India': a place after 'to' is no listener"),
    (["\"It could open other doors,\" Shem Malmquist said.",
      "Any other airline that uses a similar configuration \"is probably going to be proactive,\" he said.",
      "\"They are going to be watching it closely.\""],
     2, "Shem Malmquist", "'Any' opening the sentence before is a determiner, not the speaker 'he' points to"),
]


def test_abstractive_summary_falls_back_to_quotes_when_the_check_cannot_run():
    """A support check that fails (the likelihood model cannot load) shows no unchecked
    sentence: the extractive summary, with a note saying so."""
    from assistant.brief.abstractive import verified
    from assistant.errors import ModelError

    class BrokenChecker:
        def check_many(self, claims, passages, vectors):
            raise ModelError("cannot load; set ASSISTANT_VERIFY__LIKELIHOOD=false")

    class Registry:
        def points(self, sents):
            return [f"quoted: {s}" for s in sents]

    from types import SimpleNamespace

    article = [SimpleNamespace(text="Wang Yi met a Taliban delegation in Tianjin.", vector=np.ones(3))]
    points, note = verified("The Taliban met Wang Yi in Tianjin on Wednesday.", BrokenChecker(), 3, article,
                            Registry(), ["The first sentence.", "The second."])
    assert points == ["quoted: The first sentence.", "quoted: The second."]
    assert "could not be checked" in note and "extractive fallback" in note and "Error" not in note


@pytest.mark.parametrize("sents,index,expected,why", QUOTES)
def test_quote_attribution(sents, index, expected, why):
    assert attribute(index, sents) == expected, why


def test_narrative_sentence_is_not_a_quote():
    sents = ["Taliban spokesman Mohammad Naeem met officials in Tianjin.",
             "The delegation included members of the political commission."]
    assert find_quotes(sents) == [], "no quotation marks and no verb of saying: not a quote"


# ---- briefs (real embeddings) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from assistant.api import Assistant
    from assistant.settings import Settings

    folder = tmp_path_factory.mktemp("articles")
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "storm.md").write_text(
        "---\ntitle: Storm Ciaran batters Channel coast\ndate: 2023-11-02\nsource: Wire\n---\n"
        "Storm Ciaran brought winds of 100mph to the Channel coast on Thursday.\n\n"
        "More than 150,000 homes lost power, the energy company said.\n\n"
        "\"We have never seen gusts like this,\" said harbour master John Pike.\n\n"
        "The Met Office will issue new warnings on Friday.\n", encoding="utf-8")
    (folder / "budget.md").write_text(
        "---\ntitle: Chancellor sets out spending plans\ndate: 2023-11-22\nsource: Wire\n---\n"
        "The chancellor announced a cut in national insurance from 12% to 10% on Wednesday.\n\n"
        "Economists said the measure would cost about 9 billion pounds a year.\n", encoding="utf-8")
    bot = Assistant(Settings(data_dir=tmp_path_factory.mktemp("data")))
    bot.ingest([folder])
    return bot, folder


def seed_id(bot):
    return next(d.doc_id for d in bot.documents() if "Taliban" in d.title)


@pytest.mark.slow
def test_sample_brief_mentions_what_matters(lib):
    bot, _ = lib
    brief = bot.brief(doc_ids=[seed_id(bot)])
    text = brief.to_markdown()
    for fact in ["Tianjin", "Wang Yi", "Baradar", "withdraw", "pariah state", "Blinken"]:
        assert has_fact(text, fact), fact
    assert 2 <= len(brief.summary) <= 4
    assert 3 <= len(brief.key_points) <= 6
    assert brief.headline == "Chinese Officials, Taliban Meet, Warning Ties", "site tag dropped from the headline"
    assert any("Blinken" in q.speaker for q in brief.quotes if q.speaker)


@pytest.mark.slow
def test_sample_brief_names_the_etim(lib):
    # "He also said he hoped the Taliban would crack down on the East Turkestan Islamic Movement"
    # does not fit the 65-word summary after its antecedent; read on its own ("[Wang Yi] also
    # said ...") it is a key point.
    bot, _ = lib
    assert has_fact(bot.brief(doc_ids=[seed_id(bot)]).to_markdown(), "East Turkestan Islamic Movement")


@pytest.mark.slow
def test_every_point_cites_verbatim_passages(lib):
    bot, _ = lib
    brief = bot.brief(doc_ids=[seed_id(bot)])
    by_id = {c.id: c for c in brief.citations}
    for point in brief.summary + brief.key_points + brief.watch:
        assert point.supported and point.citations
        for cid in point.citations:
            c = by_id[cid]
            assert bot.document_text(c.doc_id)[c.start : c.end] == c.quote
            assert c.chunk_id
    data = brief.to_json_dict()
    assert set(data["citations"][0]) == {"id", "doc_id", "title", "date", "source", "chunk_id", "quote", "start", "end"}


@pytest.mark.slow
def test_topic_brief_reads_only_related_articles(lib):
    bot, _ = lib
    brief = bot.brief(topic="storm damage and power cuts on the coast")
    titles = [d["title"] for d in brief.documents]
    assert "Storm Ciaran batters Channel coast" in titles
    assert not any("Taliban" in t for t in titles)
    assert "150,000" in brief.to_markdown()
    shown = [p.text for p in brief.summary + brief.key_points]
    assert any(q.speaker == "John Pike" for q in brief.quotes) or any("John Pike" in t for t in shown), \
        "John Pike's words are quoted with his name, or already shown in the summary or key points"
    assert not any(q.text.strip("“”\"").rstrip(",.") in t for q in brief.quotes for t in shown), \
        "no quote repeats a sentence the brief already shows"
    assert any("warnings" in w.text for w in brief.watch)


@pytest.mark.slow
def test_date_range_and_folder_briefs(lib):
    bot, folder = lib
    brief = bot.brief(date_from="2023-11-01", date_to="2023-11-30")
    assert {d["title"] for d in brief.documents} == {"Storm Ciaran batters Channel coast",
                                                     "Chancellor sets out spending plans"}
    whole = bot.brief(paths=[folder])
    assert len(whole.documents) == 3
    progress = []
    bot.brief(doc_ids=[seed_id(bot)], progress=progress.append)
    assert progress and progress[0] == BriefProgress("reading", 1, 1)
    assert [p.stage for p in progress] == ["reading", "ranking"]
    *steps, done = bot.brief_stream(doc_ids=[seed_id(bot)])
    assert all(isinstance(e, BriefProgress) for e in steps) and isinstance(done, BriefDone)
    assert done.brief.headline.startswith("Chinese Officials")


@pytest.mark.slow
def test_abstractive_brief_is_verified(lib):
    bot, _ = lib
    brief = bot.brief(doc_ids=[seed_id(bot)], mode="abstractive")
    assert brief.mode == "abstractive"
    assert brief.summary
    by_id = {c.id: c for c in brief.citations}
    for point in brief.summary:
        assert point.supported and point.citations
        quotes = [by_id[i].quote for i in point.citations]
        assert point.text in quotes or bot.checker.check(point.text, quotes).supported


@pytest.mark.slow
def test_cli_brief_markdown_and_json(lib, tmp_path):
    bot, _ = lib
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(bot.settings.data_dir)}
    out = tmp_path / "brief.md"
    run = subprocess.run([sys.executable, "-m", "assistant.cli", "brief", seed_id(bot), "--json", "-o", str(out)],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["headline"].startswith("Chinese Officials")
    assert out.read_text().startswith("# Chinese Officials")
    bad = subprocess.run([sys.executable, "-m", "assistant.cli", "brief", "no-such-thing"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "not a document id" in bad.stderr


@pytest.fixture(scope="module")
def topic_lib(tmp_path_factory):
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant(Settings(data_dir=tmp_path_factory.mktemp("topic-data")))
    report = bot.ingest([SAMPLES, TOPIC])
    assert not report.errors
    return bot


@pytest.mark.slow
def test_no_dangling_openings_or_duplicates_over_bundled_articles(topic_lib):
    """Every bundled article's brief: no summary sentence refers back without its antecedent
    just before it, no key point refers back at all, no sentence twice."""
    for doc in topic_lib.documents():
        brief = topic_lib.brief(doc_ids=[doc.doc_id])
        dangling, duplicates = defects(brief, topic_lib.document_text(doc.doc_id))
        assert (dangling, duplicates) == (0, 0), doc.title
        assert all(p.supported for p in brief.summary), doc.title


@pytest.mark.slow
def test_topic_brief_spans_stories_with_timeline(topic_lib):
    brief = topic_lib.brief(topic="Boeing 737 Max 9 grounding after the Alaska Airlines door plug blowout")
    assert len(brief.documents) >= 3
    cited_docs = {c.doc_id for c in brief.citations}
    assert len(cited_docs) >= 3, "the brief cites at least three articles"
    assert len(brief.timeline) >= 3
    assert [t.date for t in brief.timeline] == sorted(t.date for t in brief.timeline)
    assert brief.headline.startswith("Boeing 737 Max 9 grounding")
    assert brief.based_on.startswith(f"Based on {len(brief.documents)} articles from 2")
    assert all(len(w) >= 7 and w[:4].isdigit() for w in brief.when), brief.when  # dates, not month names
    assert not any("Taliban" in d["title"] or "razor" in d["title"].lower() for d in brief.documents)
    md = brief.to_markdown()
    assert "## Timeline" in md and "## Sources" in md
    # Sources grouped by article: each article once, with its passages under it.
    assert len({g.doc_id for g in brief.sources}) == len(brief.sources)
    texts = [p.text for p in brief.summary + brief.key_points]
    assert len(texts) == len(set(texts))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["keyword", "dense"])
def test_topic_brief_reads_the_same_articles_whatever_the_retrieval_mode(topic_lib, mode):
    """The topic model reads dense and keyword scores; a library set to one retrieval mode still
    gets its topic briefs (before, keyword mode left every article below the threshold)."""
    from assistant.api import Assistant
    from assistant.settings import Settings

    topic = "ferry ran aground off the Isle of Mull"
    bot = Assistant(Settings(data_dir=topic_lib.settings.data_dir, retrieval={"mode": mode}))
    assert [d.doc_id for d in bot.briefer.select(None, None, topic)] == \
        [d.doc_id for d in topic_lib.briefer.select(None, None, topic)]


@pytest.mark.slow
def test_prepared_pair_disagreement_is_reported_with_both_sides(topic_lib):
    """The two prepared ferry articles (written for this test, see tests/data/topic/README.md)
    give 212 and 187 passengers for the same grounding."""
    brief = topic_lib.brief(topic="ferry ran aground off the Isle of Mull")
    assert {d["source"] for d in brief.documents} >= {"Prepared test article A", "Prepared test article B"}
    figures = [{s.value for s in d.sides} for d in brief.disagreements]
    assert {"212", "187"} in figures, brief.disagreements
    by_id = {c.id: c for c in brief.citations}
    d = next(d for d in brief.disagreements if {s.value for s in d.sides} == {"212", "187"})
    assert {by_id[s.citation].source for s in d.sides} == {"Prepared test article A", "Prepared test article B"}
    assert "Sources disagree on passengers" in brief.to_markdown()


@pytest.mark.slow
def test_instructions_never_reach_a_brief(tmp_path):
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant(Settings(data_dir=tmp_path / "data"))
    injected = ROOT / "tests" / "data" / "injection" / "bbc-business-010-injected.txt"
    bot.ingest([injected])
    from assistant.judge.instructions import looks_like_instruction

    brief = bot.brief(doc_ids=[bot.documents()[0].doc_id])
    shown = [p.text for p in brief.summary + brief.key_points + brief.watch] + [q.text for q in brief.quotes] + [
        t.text for t in brief.timeline]
    assert shown and not any(looks_like_instruction(t) for t in shown)
