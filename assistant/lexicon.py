"""The words every stage shares: calendar names, titles and roles, the nouns that say what
kind of thing a question asks for, verbs of saying, determiners and modals, and the function
words that tell a sentence's language.

One list per idea, so "what is a title" or "what is a verb of saying" has one answer across
question analysis, short answers, follow-ups, the who/when/where facts, quote attribution and
speech acts. These are linguistic data, not tuned numbers: a word is added where a test or a
bench shows a miss (tests/test_lexicon.py checks the lists are consistent). Merging the
copies that used to live in facts.py, question.py, conversation.py and brief/quotes.py was
measured with the benches named in the closing note of issue 21 (golden briefs, quote
attribution, who/where facts, short answers, follow-up evidence).
"""

from __future__ import annotations

import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Lower-case month names and the abbreviations news writes ("Sept") -> month number.
MONTH_NUMBER: dict[str, int] = {m.lower(): i for i, m in enumerate(MONTHS, start=1)} | {
    m[:3].lower(): i for i, m in enumerate(MONTHS, start=1)} | {"sept": 9}

# Titles of peerage that make "X of Y" a person: "the Duchess of Sussex", "Baroness Royall of
# Blaisdon", "the Prince of Wales" (facts.py).
PEERAGE = frozenset({
    "Duke", "Duchess", "Earl", "Countess", "Baron", "Baroness", "Lord", "Lady", "Prince", "Princess", "Marquess",
    "Viscount",
})
HONORIFICS = frozenset({
    "Dame", "Dr", "Lady", "Lord", "Miss", "Mr", "Mrs", "Ms", "Sir",
})
# Words that stand before a person's name without being part of it: honorifics, offices and
# the roles news writers put in front ("Singer Britney Spears", "Passenger Ewan Barr"). Not
# "Major" (also a surname: "Major said").
TITLES = HONORIFICS | frozenset({
    "Acting", "Actor", "Actress", "Administrator", "Agent", "Ambassador",
    "Analyst", "Archbishop", "Attorney", "Author", "Ayatollah", "Bishop", "Boss", "Captain", "Chair",
    "Chairman", "Chairwoman", "Chancellor", "Chief", "Coach", "Col", "Colonel", "Commissioner", "Conductor", "Dame",
    "Defence", "Defender", "Defense", "Deputy", "Director", "Dr", "Economist", "Editor", "Executive",
    "Finance", "Foreign", "Former", "Founder", "Gen", "General", "Goalkeeper", "Gov", "Governor", "Head",
    "Health", "Home", "Interim", "Judge", "Justice", "King", "Lady", "Lawyer", "Leader", "Lord", "Lt",
    "Manager", "Mayor", "Midfielder", "Minister", "Miss", "Mr", "Mrs", "Ms", "Mullah", "Officer", "Official",
    "Passenger", "Player", "Pope", "President", "Prime", "Prince", "Princess", "Producer", "Prof", "Professor",
    "Queen", "Rep", "Representative", "Resident", "Rival", "Secretary", "Sen", "Senator", "Sgt", "Shadow",
    "Sheikh", "Singer", "Sir", "Speaker", "Spokesman", "Spokeswoman", "State", "Striker", "Superintendent",
    "Veteran", "Vice", "Witness", "Writer",
})
# Party and portfolio words stand before a title ("Tory leader Michael Howard", "Culture
# Secretary Tessa Jowell", "Democratic Rep. ...") but also open organisation names ("Labour
# Party", "Liberal Democrats", "Energy Department"), so they are stripped only before a title.
PARTY_WORDS = frozenset({"Conservative", "Democrat", "Democratic", "Labour", "Liberal", "Republican", "Tory"})
PORTFOLIOS = frozenset({"Culture", "Education", "Energy", "Environment", "Interior", "Trade", "Transport"})
# Capitalised words that open a sentence or a run without being a name.
STARTERS = frozenset({
    "A", "About", "According", "After", "All", "Also", "Although", "Among", "An", "And", "As", "Asked", "At",
    "Before", "Best", "Between", "Both", "But", "By", "Celebrating", "Despite", "During", "Each", "Earlier",
    "Even", "Every", "For", "From", "Her", "His", "How", "However", "If", "In", "Its", "Just", "Last", "Later",
    "Like", "Looking", "Many", "Meanwhile", "Most", "Next", "No", "Now", "Oh", "On", "Once", "Only", "Or",
    "Other", "Our", "Over", "Please", "Separately", "Several", "Since", "Some", "Speaking", "Still", "Taking",
    "Thank", "That", "The", "Their", "Then", "These", "This", "Those", "Though", "To", "Today", "Tomorrow",
    "Under", "Unlike", "Until", "What", "When", "Where", "While", "Who", "Why", "With", "Without", "Yes",
    "Yesterday",
})
# Nationality words ("French President Emmanuel Macron"). Endings cover most ("Chinese",
# "Italian", "Spanish", "Chilean"); the rest are listed, because "-an", "-i" and "-ch" endings
# also end surnames ("Henman", "Edelman", "Ancelotti", "Bach").
DEMONYM = re.compile(
    r"^([A-Z][a-z]+(ese|ian|ish|ean)|French|Dutch|Czech|Greek|Swiss|Thai|Arab|Welsh|Serb|Croat|Slovak|"
    r"American|German|Mexican|African|Korean|Moroccan|Cuban|Afghan|Kenyan|Ugandan|Venezuelan|Dominican|Jamaican|"
    r"Libyan|Pakistani|Iraqi|Israeli|Saudi|Kuwaiti|Somali|Yemeni|Omani|Qatari|Emirati|"
    r"Bangladeshi|Nepali|Icelandic)$")
# Blocs and countries written as initials, which stand before titles the way nationalities do
# ("US Secretary of State Antony Blinken", "EU Commissioner ...").
BLOCS = frozenset({"US", "UK", "EU", "UN"})

# Head nouns that name the kind of thing asked for ("which *country*", "that *campaigner*").
PERSON_NOUNS = frozenset({
    "actor", "actress", "anchor", "artist", "astronaut", "athlete", "author", "band", "billionaire", "boss",
    "boxer", "brother", "campaigner", "candidate", "captain", "celebrity", "ceo", "chairman", "champion",
    "chancellor", "character", "chef", "chief", "child", "coach", "comedian", "composer", "contender",
    "cyclist", "dancer", "daughter", "defendant", "designer", "director", "driver", "duo", "economist",
    "entrepreneur", "executive", "father", "figure", "footballer", "founder", "golfer", "governor", "group",
    "gymnast", "head", "host", "husband", "influencer", "journalist", "judge", "justice", "justices", "king",
    "lawmaker", "lawyer", "leader", "man", "manager", "mayor", "member", "minister", "model", "monarch",
    "mother", "musician", "nominee", "officer", "official", "people", "person", "pilot", "pitcher", "player",
    "politician", "pope", "predecessor", "presenter", "president", "prince", "princess", "prosecutor",
    "quarterback", "queen", "rapper", "reporter", "representative", "rider", "royal", "scientist", "secretary",
    "senator", "singer", "sister", "skier", "son", "speaker", "spokesman", "spokeswoman", "sprinter", "star",
    "streamer", "striker", "successor", "suspect", "swimmer", "teenager", "tennis", "victim", "wife", "winner",
    "witness", "woman", "writer", "youtuber",
})
PLACE_NOUNS = frozenset({
    "airport", "area", "border", "borough", "capital", "cities", "city", "coast", "continent", "countries",
    "country", "county", "destination", "district", "island", "islands", "lake", "location", "mountain",
    "nation", "neighborhood", "neighbourhood", "ocean", "park", "place", "port", "province", "region",
    "resort", "river", "sea", "stadium", "state", "states", "territory", "town", "venue", "village", "volcano",
})
ORG_NOUNS = frozenset({
    "agency", "airline", "app", "automaker", "bank", "brand", "broadcaster", "business", "carmaker", "carrier",
    "chain", "channel", "charity", "club", "companies", "company", "conglomerate", "corporation", "court",
    "department", "exchange", "firm", "giant", "government", "group", "insurer", "label", "league", "lender",
    "maker", "manufacturer", "ministry", "movement", "network", "newspaper", "organisation", "organization",
    "outlet", "party", "platform", "publisher", "regulator", "retailer", "school", "service", "startup",
    "store", "studio", "supermarket", "team", "think-tank", "union", "university", "website",
})
TIME_NOUNS = frozenset({"year", "date", "day", "month", "time", "decade", "century", "season", "week", "hour"})
# Head nouns of a measure: "what *growth* is Turkey expected to achieve?" is answered by a
# percentage, "what *speed* did it reach?" by a number, "what *savings* ...?" by money. Not
# "bill": "What household bill will become more expensive?" is answered "Internet".
PERCENT_NOUNS = frozenset({"rate", "growth", "inflation", "unemployment", "turnout", "percentage", "proportion"})
MONEY_NOUNS = frozenset({
    "price", "cost", "fee", "fine", "salary", "wage", "budget", "saving", "savings", "profit", "revenue", "deficit",
    "debt", "funding", "investment", "loan", "bonus", "payout", "compensation", "bail", "damages", "valuation",
    "fortune", "ransom", "subsidy", "grant",
})
NUMBER_NOUNS = frozenset({
    "speed", "temperature", "distance", "height", "length", "weight", "size", "score", "population", "age",
    "capacity", "attendance", "magnitude", "altitude", "depth", "toll", "margin", "ranking", "rank", "total",
})

# Nouns a follow-up uses for a person already named ("that campaigner", "the striker";
# conversation.py). Deliberately shorter than PERSON_NOUNS (the nouns a question's answer may
# be): with those, "the host" in a new question was rewritten into the previous turn's name.
PERSON_REFERENCES = (
    "man", "woman", "player", "striker", "campaigner", "official", "minister", "spokesman", "spokeswoman", "lawyer",
    "actor", "singer", "chief", "boss", "executive", "leader", "president", "suspect", "witness", "coach", "manager",
    "captain", "star", "teenager", "senator", "governor", "mayor", "judge", "politician", "prince", "princess",
    "king", "queen",
)

# Roles that mark the name beside them as a person's: "foreign minister Ann Lee", "Ann Lee,
# spokeswoman for ..." (facts.py, who a brief is about; conversation.py, who "he" may be).
_ROLES = (
    "spokesman", "spokeswoman", "spokesperson", "spokespeople", "minister", "president", "secretary", "captain",
    "chair", "chairman", "chairwoman", "chairperson", "ceo", "founder", "co-founder", "engineer", "scientist",
    "economist", "editor", "actor", "actress", "director", "singer", "player", "coach", "leader", "head", "chief",
    "governor", "senator", "judge", "mother", "father", "wife", "husband", "son", "daughter", "owner", "analyst",
    "professor", "author", "officer", "official", "mayor", "manager", "streamer", "star", "partner", "associate",
    "winner", "teenager", "boss", "administrator", "conductor", "commissioner", "superintendent", "attorney",
)
# ... and the follow-up's person nouns but "man"/"woman": "campaigner Neil Herron", "Arsenal
# striker Thierry Henry".
ROLE_NOUNS = tuple(dict.fromkeys(_ROLES + tuple(n for n in PERSON_REFERENCES if n not in {"man", "woman"})))
# Not "speaker": "Amazon Echo, a smart speaker" made the Echo a person. The title "Speaker"
# ("House Speaker Kevin McCarthy") is one of the TITLE_HEADS below.

# Titles that head a title run inside a longer capitalised run as a role noun would ("House
# Speaker Kevin McCarthy", "UK Ambassador Jane Doe"; facts._strip) without being role nouns.
TITLE_HEADS = frozenset({"Speaker", "Ambassador", "Chancellor", "Archbishop", "Bishop"})
# Titles and roles that are also names and brands' words: alone they do not make the words after
# them a name ("Martin Luther King Jr Day", "Burger King Whopper", "Hugo Boss Green Label",
# "Hilton Head Island", "Billie Jean King Cup", "Federal Head Start Program").
NAME_PRONE_TITLES = frozenset({
    "King", "Queen", "Prince", "Princess", "Boss", "Star", "Player", "Head", "Son", "Partner", "Owner",
    "Winner", "Dame", "Miss", "Lady", "Lord",
})

# Verbs of saying: a name right before one is a person or a body that speaks ("Mr Straw said").
SAY_VERBS = (
    "said", "says", "told", "tells", "added", "wrote", "warned", "urged", "noted", "announced", "argued",
    "insisted", "explained", "stated", "exclaimed", "posted", "replied",
)
# ... and the wider set that marks reported speech next to a quotation ("..., he continued",
# "she believes", "he pointed out"), which alone would make "the Federal Government continues"
# a speaker.
QUOTE_VERBS = (
    *SAY_VERBS, "say", "adds", "warns", "explains", "insists", "argues", "states", "claimed", "claims",
    "declared", "declares", "admitted", "admits", "announces", "confirmed", "confirms", "denied", "denies",
    "urges", "notes", "stressed", "stresses", "writes", "asked", "asks", "replies", "commented", "comments",
    "revealed", "reveals", "believes", "believed", "continued", "continues", "predicted", "predicts",
    "suggested", "suggests", "conceded", "concedes", "acknowledged", "acknowledges", "tweeted", "recalled",
    "recalls", "joked", "jokes", "vowed", "vows", "pointed out", "points out", "went on", "saying",
)

# Unnamed groups that say things ("analysts said", "reports say"): the speaker of such a
# sentence is not the name before it (brief/quotes.py).
SPEAKING_GROUPS = (
    "analysts", "officials", "experts", "critics", "economists", "police", "sources", "investigators",
    "researchers", "witnesses", "villagers", "residents", "campaigners", "observers", "reports?", "studies",
    "documents",
)

DETERMINERS = frozenset({"the", "a", "an", "his", "her", "their", "its", "this", "that", "these", "those", "our",
                         "my", "your"})
MODALS = frozenset({"would", "will", "should", "could", "must", "might", "shall"})

# Verbs by the speech act they report (assistant/acts.py): every form, irregular ones listed.
ACT_VERBS: dict[str, tuple[str, ...]] = {
    "request": (
        "ask", "asks", "asked", "asking", "urge", "urges", "urged", "urging", "demand", "demands", "demanded",
        "demanding", "request", "requests", "requested", "requesting", "appeal", "appeals", "appealed",
        "appealing", "implore", "implored", "beg", "begs", "begged", "begging", "press", "presses", "pressed",
        "pressing", "call", "calls", "called", "calling", "want", "wants", "wanted", "wanting", "hope",
        "hopes", "hoped", "hoping", "wish", "wishes", "wished", "insist", "insists", "insisted", "insisting",
    ),
    "commit": (
        "promise", "promises", "promised", "promising", "pledge", "pledges", "pledged", "pledging", "vow",
        "vows", "vowed", "vowing", "assure", "assures", "assured", "assuring", "reassure", "reassures",
        "reassured", "reassuring", "guarantee", "guarantees", "guaranteed", "guaranteeing", "commit",
        "commits", "committed", "committing", "undertake", "undertakes", "undertook", "undertaken", "agree",
        "agrees", "agreed", "agreeing", "swear", "swears", "swore", "sworn",
    ),
    "warn": (
        "warn", "warns", "warned", "warning", "caution", "cautions", "cautioned", "cautioning", "threaten",
        "threatens", "threatened", "threatening",
    ),
    "propose": (
        "propose", "proposes", "proposed", "proposing", "suggest", "suggests", "suggested", "suggesting",
        "recommend", "recommends", "recommended", "recommending", "offer", "offers", "offered", "offering",
    ),
    "deny": (
        "deny", "denies", "denied", "denying", "reject", "rejects", "rejected", "rejecting", "refuse",
        "refuses", "refused", "refusing", "dismiss", "dismisses", "dismissed", "dismissing",
    ),
    "accuse": (
        "accuse", "accuses", "accused", "accusing", "blame", "blames", "blamed", "blaming", "allege",
        "alleges", "alleged", "alleging",
    ),
}

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The commonest short words of a language (articles, prepositions, conjunctions, auxiliaries),
# which every sentence in it uses whatever its topic: they tell a sentence's language
# (assistant/language.py). A word that is also an English function word ("is", "in") counts for
# English only, and capitalised words other than a sentence's first are not counted, so an
# English sentence with a Spanish name or a French title scores nothing for the other languages.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words("""the of and to in a is was for that on with as by at from it he she they his her their its be
        been are were has have had will would not but or an this which who said says than more after over also
        about into up out when there all one two new we you our can could if no so what just some only last first
        year years"""),
    "fr": _words("""le la les des du une est sont et pour dans avec sur qui que pas être ont été cette ces aux
        leur nous vous ou mais plus selon toute tout doit au il elle ne se sa son ses"""),
    "es": _words("""el los las del una es son y para en con por que como más está están ser sus fue han este
        esta estos pero según debe deben al lo le se su ya muy"""),
    "pt": _words("""os das dos uma é são e para em com por que como mais está estão ser seus foi este esta não
        mas segundo deve devem ao às aos num numa na da o pelo pela"""),
    "it": _words("""il lo gli della delle dei degli una è sono e per con che come più essere stato questa
        questo non ma secondo deve nel nella si di da al alla alle nelle nei ai i la le ha vostre vostro loro"""),
    "de": _words("""der die das den dem des ein eine einer ist sind und für mit auf nicht sich auch wird werden
        wurde von zu im bei nach oder aber dass bitte"""),
    "nl": _words("""de het een en van is zijn voor met op niet ook wordt worden werd naar bij maar dat deze
        dit"""),
}
