"""Who / where for briefs against hand labels of the bundled sample articles.

`core` must be found; every name shown must be in `ok` (or core). Labels were written from
the articles before tuning; they are development labels, so the floors guard against
regressions rather than measure held-out quality."""

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.documents import load_file
from assistant.facts import facts
from assistant.text import sentences, words

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "articles"

GOLD = {
    "2021-07-28-china-taliban-tianjin.txt": {
        "who_core": ["Wang Yi", "Abdul Ghani Baradar", "Antony Blinken"],
        "who_ok": ["Mohammed Naeem", "Ashraf Ghani", "East Turkestan Islamic Movement", "Foreign Ministry"],
        "where_core": ["Tianjin", "Afghanistan"],
        "where_ok": ["China", "Beijing", "Kabul", "Washington", "India", "Xinjiang", "US", "Central Asia"],
    },
    "2024-01-03-tetris-teen-beats-game.md": {
        "who_core": ["Willis Gibson"],
        "who_ok": ["Alexey Pajitnov", "Vince Clemente", "Classic Tetris World Championship", "New York Times",
                   "Karin Cox", "Blue Scuti", "Nintendo"],
        "where_core": ["Oklahoma"],
        "where_ok": ["Stillwater"],
    },
    "2024-01-06-alaska-airlines-737-max-9-grounding.md": {
        "who_core": ["Alaska Airlines", "National Transportation Safety Board", "Federal Aviation Administration"],
        "who_ok": ["Clint Crookshanks", "Jennifer Homendy", "Ben Minicucci", "Boeing", "United Airlines",
                   "Alaska Air"],
        "where_core": ["Portland"],
        "where_ok": ["Oregon", "Ontario", "California"],
    },
    "2024-01-10-gabriel-attal-france-prime-minister.md": {
        "who_core": ["Gabriel Attal", "Emmanuel Macron"],
        "who_ok": ["Élisabeth Borne", "European Parliament", "Stéphane Sejourné", "Associated Press"],
        "where_core": ["France"],
        "where_ok": ["Paris"],
    },
    "2024-01-24-supreme-court-razor-wire-texas.md": {
        "who_core": ["Greg Abbott", "Supreme Court"],
        "who_ok": ["Ken Paxton", "Chris Olivarez", "Department of Homeland Security", "Homeland Security Department",
                   "Circuit Court of Appeals", "Justice Department", "Texas Military Department",
                   "Texas Department of Public Safety", "District Court", "White House", "Joe Biden",
                   "Alia Moses"],  # added 2026-12-01: the judge is named in the text; the label had missed her
        "where_core": ["Texas"],
        "where_ok": ["Eagle Pass", "Rio Grande", "U.S.", "US", "Mexico"],
    },
    "bbc-business-257.txt": {
        "who_core": ["Sureyya Serdengecti"],
        "who_ok": ["Turkish Central Bank", "International Monetary Fund", "European Union", "Associated Press",
                   "Tevfik Aksoy", "Deutsche Bank", "Hayriye Evren"],
        "where_core": ["Turkey"],
        "where_ok": [],
    },
    "bbc-entertainment-357.txt": {
        "who_core": ["Cate Blanchett", "Mike Leigh", "Imelda Staunton", "Jamie Foxx"],
        "who_ok": ["Clive Owen", "Kate Winslet", "Martin Scorsese", "Helen Mirren", "Katharine Hepburn",
                   "Ray Charles"],
        "where_core": [],
        "where_ok": ["London", "Hollywood"],
    },
    "bbc-politics-029.txt": {
        "who_core": ["Jack Straw"],
        "who_ok": ["Michael Ancram", "Foreign Office", "Foreign and Commonwealth Office"],
        "where_core": [],
        "where_ok": ["UK", "Bahamas", "East Timor", "Madagascar", "Swaziland", "Europe", "America", "Dallas",
                     "Bordeaux", "France", "Oporto", "Portugal", "Africa", "Nairobi", "Nigeria", "Pretoria",
                     "Maseru", "Mbabane", "Baghdad", "Basra", "Iraq", "Kabul", "Afghanistan", "Pyongyang",
                     "North Korea", "US"],
    },
    "bbc-sport-500.txt": {
        "who_core": ["Tim Henman", "Jeremy Bates"],
        "who_ok": ["Alex Bogdanovic", "Andrew Murray", "Greg Rusedski", "Jim Courier"],
        "where_core": [],
        "where_ok": ["Great Britain", "Britain", "Manchester", "Israel", "Romania", "Sweden", "USA"],
    },
    "bbc-tech-141.txt": {
        "who_core": ["Lawrence Livermore National Laboratory"],
        "who_ok": ["Erich Strohmaier", "IBM", "Silicon Graphics", "NEC", "Nasa", "Ames Research Center",
                   "US Department of Energy", "Department of Energy", "Los Alamos National Laboratory",
                   "International Supercomputer Conference"],
        "where_core": ["US", "Japan"],
        "where_ok": ["California", "Los Alamos", "Pittsburgh"],
    },
}


def sample_pairs(name: str) -> tuple[list[tuple[str, float]], list[str]]:
    """(sentence, position) pairs and dates of a bundled sample, as the brief chain reads it."""
    doc = load_file(SAMPLES / name).documents[0]
    spans = [s for s in sentences(doc.page_content) if len(words(s.text)) >= 4]
    date = doc.metadata.get("date")
    return [(s.text, i / max(1, len(spans) - 1)) for i, s in enumerate(spans)], [date] if date else []


def _matches(found: str, gold: list[str]) -> bool:
    return any(found == g or (" " in found and (found in g or g in found)) for g in gold)


def score_labels(gold_set: dict, extract: Callable[[str], tuple]) -> dict[str, float]:
    """Precision of what is shown (every name must be labelled core or ok) and recall of the
    core labels, over all articles of a labelled set; extract(name) returns (who, when, where)."""
    shown = {"who": [0, 0], "where": [0, 0]}   # [correct, shown]
    core = {"who": [0, 0], "where": [0, 0]}    # [found, labelled]
    for name, gold in gold_set.items():
        who, _, where = extract(name)
        found = {"who": who, "where": where}
        for kind in ("who", "where"):
            allowed = gold[f"{kind}_core"] + gold[f"{kind}_ok"]
            shown[kind][0] += sum(_matches(f, allowed) for f in found[kind])
            shown[kind][1] += len(found[kind])
            core[kind][0] += sum(any(_matches(f, [g]) for f in found[kind]) for g in gold[f"{kind}_core"])
            core[kind][1] += len(gold[f"{kind}_core"])
    out = {}
    for kind in ("who", "where"):
        out[f"{kind}_precision"] = round(shown[kind][0] / max(1, shown[kind][1]), 3)
        out[f"{kind}_core_recall"] = round(core[kind][0] / max(1, core[kind][1]), 3)
    return out


def test_who_and_where_match_hand_labels():
    result = score_labels(GOLD, lambda name: facts(*sample_pairs(name)))
    print(result)
    assert result["who_precision"] >= 0.9, result
    assert result["where_precision"] >= 0.85, result
    assert result["who_core_recall"] >= 0.85, result
    assert result["where_core_recall"] >= 0.85, result


@pytest.mark.parametrize("text,expected", [
    ("French President Emmanuel Macron said on Tuesday that the talks would go on. Macron left.", "Emmanuel Macron"),
    ("Foreign Minister Wang Yi met the delegation in Tianjin. Wang said little.", "Wang Yi"),
    ("Captain Jeremy Bates named the team. Bates said it was young.", "Jeremy Bates"),
    ("Mr Lebedev and Mr Khodorkovsky were jailed. Platon Lebedev said he would appeal.", "Platon Lebedev"),
])
def test_titles_and_nationalities_are_not_part_of_names(text, expected):
    who, _, _ = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert who[0] == expected


def test_a_word_that_is_also_a_town_is_not_a_place_without_a_locative():
    text = ("Reading the report, Jordan Peters said the vote was close. Peters added that Nice "
            "weather helped. The count took place in Reading.")
    _, _, where = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert where == ["Reading"]


@pytest.mark.parametrize("context,is_role,why", [
    # before a name: the role ends the text just before it
    ("before:the club's foreign minister ", True, "a role right before the name"),
    ("before:the company's co-founder ", True, "a hyphenated role"),
    ("before:a crowd gathered near the ", False, "no role word"),
    # after a name: a role within a few words after the comma, or an age
    ("after:, spokeswoman for the ministry", True, "spokes- words, as the old pattern's spokes\\w+"),
    ("after:, the former club chairwoman", True, "chair- words, as the old pattern's chair\\w*"),
    ("after:, actor and director, said", True, "a role the before-list had and the after-list lacked"),
    ("after:, 13, from Oklahoma", True, "an age"),
    ("after:, a small town in Kent", False, "no role within three words"),
])
def test_one_role_list_marks_people_before_and_after_a_name(context, is_role, why):
    from assistant.facts import _ROLE_AFTER, _ROLE_BEFORE

    side, text = context.split(":", 1)
    found = _ROLE_BEFORE.search(text) if side == "before" else _ROLE_AFTER.match(text)
    assert bool(found) == is_role, why


@pytest.mark.parametrize("text,expected,why", [
    ("Governor Ron DeSantis spoke in Tallahassee. DeSantis said the bill would pass.", "Ron DeSantis",
     "an inner capital after a lower-case run is one name word"),
    ("Captain Brian O'Driscoll was injured. O'Driscoll said he would be back.", "Brian O'Driscoll",
     "an apostrophe and a capital: 'O'Driscoll', not 'Driscoll'"),
    ("Mayor Ann McDonald opened the bridge. McDonald said it cost less than planned.", "Ann McDonald",
     "'McDonald' whole, not 'Mc'"),
    ("Texas Attorney General Ken Paxton sued the agency. Paxton said it broke the law.", "Ken Paxton",
     "a title inside the run: the name is what follows the last title word"),
    ("Borough Administrator David Lorenzo said the road would close. Lorenzo added little.", "David Lorenzo",
     "a capitalised role noun inside the run counts as a title"),
    ("Conductor Marcello Viotti has died. Viotti was 50.", "Marcello Viotti", "a role opening the run"),
    ("Agassi fear for Melbourne. Andre Agassi's place is in doubt. Agassi was serving at 5-6 down.",
     "Andre Agassi", "a surname opening a sentence after the full name is the surname (the headline's is not)"),
    ("He rehearsed Jules Massenet's Manon. At La Fenice he staged the composer Massenet's Thais.",
     "Jules Massenet", "a possessive surname stands alone ('Low-cost' is not 'Low', 'Massenet's' is 'Massenet')"),
])
def test_name_forms(text, expected, why):
    who, _, _ = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert who and who[0] == expected, (why, who)


@pytest.mark.parametrize("text,expected,why", [
    ("DETROIT (AP) — Jared Goff lifted his arms in the air.", "Detroit", "wire dateline with agency"),
    ("ST. CLOUD — Fewer people booked hotel rooms this year.", "St. Cloud", "'St.' looked up as 'Saint'"),
    ("LONDON, Jan 5 (Reuters) - Shares fell in early trading.", "London", "a date after the place"),
    ("NEW YORK — Stocks rose on Friday.", "New York", "two words"),
    ("NATO — The alliance met on Friday.", None, "capitals that are not a place"),
    ("US STOCKS — a weak session.", None, "a slug, not a place"),
    ("The DETROIT plant — closed since May — reopened.", None, "only at the start of a sentence"),
])
def test_dateline_place(text, expected, why):
    from assistant.facts import dateline_place

    assert dateline_place(text) == expected, why


@pytest.mark.parametrize("text,absent,why", [
    ("Albums recorded there include Bruce Springsteen's Born In The USA. The studio closes in March. "
     "The owners said so.", "Born In The", "'The' opening later sentences is not a surname"),
    ('"All content will be fused," said Ken Kutaragi, Chief Operating Officer of Sony.', "of Sony",
     "a title followed by 'of' leaves no name"),
    ("Details come at the International Solid State Circuits Conference. The Circuits Conference opens in "
     "February.", "Circuits Conference", "'State' alone modifies; it is no role, so nothing is stripped"),
])
def test_not_names(text, absent, why):
    who, _, _ = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert absent not in who, (why, who)


# Rows from two reviews of cbc075e, each a brief line that rule had got wrong.
@pytest.mark.parametrize("text,absent,why", [
    ("Microsoft showed the Xbox One on Tuesday. One analyst said the price was too high.", "Xbox One",
     "a number word opening a sentence is no surname"),
    ("Formula One bosses met in Monaco. One of them said the rules would change.", "Formula One",
     "a number word; and 'of' after it is no subject's verb"),
    ("The film Good Will Hunting was shown again. Hunting season opens in May and ends in June.",
     "Good Will Hunting", "a word opening a sentence counts as a surname only before a verb or a comma"),
    ("The band played Do It Again. It was their last show.", "Do It Again", "a stopword is no surname"),
    ("The Berlin Film Festival opens on Thursday. Festival director Dieter Kosslick chose the films.",
     "Berlin Film Festival", "'Festival director' does not make the festival a person"),
    ("The European Low-fare Airlines Association met. Low-cost carriers said fares would fall.", "European Low",
     "'Low-cost' is not the word 'Low' standing alone"),
    ("The Martin Luther King Jr Day parade was cancelled.", "Jr Day", "'King' alone starts no title; 'Jr' no name"),
    ("She won the Billie Jean King Cup Final on Sunday.", "Cup Final", "'King' is a name's word here"),
    ("Burger King Whopper Meal prices rose again.", "Whopper Meal", "'King' in a brand"),
    ("The Hugo Boss Green Label line sold well.", "Green Label", "'Boss' in a brand"),
    ("Funding for the Federal Head Start Program was cut.", "Start Program", "'Head' in a programme's name"),
    ("Homes on Hilton Head Island South Carolina were evacuated.", "Island South Carolina", "'Head' in a place"),
    ("Association of Chief Police Officers president Chris Fox said the law was clear.", "Police Officers",
     "a title after 'of' is inside an organisation's name"),
    ("Kevin McCarthy Ousted As House Speaker In Historic Vote. McCarthy said he would not run again.",
     "In Historic Vote", "a title-case headline goes on after the title with 'In'"),
    ("Amazon Echo, a smart speaker, sold out before Christmas.", "Amazon Echo",
     "'speaker' is a device as often as a person: no role noun"),
])
def test_review_rows_not_names(text, absent, why):
    who, _, _ = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert absent not in who, (why, who)


@pytest.mark.parametrize("text,expected,why", [
    ("House Speaker Kevin McCarthy lost the vote. McCarthy said he would not run again.", "Kevin McCarthy",
     "'Speaker' heads a title though it is no role noun"),
    ("Chelsea manager Claudio Ranieri was pleased. Italian Ranieri has won nothing yet. Ranieri said the team "
     "had improved.", "Claudio Ranieri", "'Italian Ranieri' is the same man, not a second name"),
])
def test_review_rows_names(text, expected, why):
    who, _, _ = facts([(s.text, 0.0) for s in sentences(text)], [])
    assert who and who[0] == expected and not any(n != expected and n.endswith("Ranieri") for n in who), (why, who)


@pytest.mark.parametrize("text,expected,why", [
    ("MARCH — The council met again.", None, "a month in capitals is no dateline"),
    ("WINSTON-SALEM, N.C. (AP) — A man was arrested.", "Winston-Salem", "the gazetteer's spelling, any case"),
    ("McALLEN, Texas (AP) — The bridge reopened.", "McAllen", "an inner capital in a dateline"),
])
def test_dateline_spellings(text, expected, why):
    from assistant.facts import dateline_place

    assert dateline_place(text) == expected, why


@pytest.mark.parametrize("sents,place,shown,why", [
    ([("The council met on Monday.", 0.0), ("READING — Residents said they were angry.", 0.5)], "Reading", False,
     "capitals before a dash mid-article with no agency are no sure dateline: a town under a million is left out"),
    ([("READING — Residents said they were angry.", 0.0)], "Reading", True,
     "the same opening an article is its dateline"),
    ([("The council met on Monday.", 0.0), ("READING (Reuters) — Residents said they were angry.", 0.5)],
     "Reading", True, "an agency makes it a dateline anywhere"),
])
def test_dateline_where(sents, place, shown, why):
    _, _, where = facts(sents, [])
    assert (place in where) == shown, (why, where)


# Rows from the review of the mends above (2026-12-02), over 2,314 BBC and web pages.
@pytest.mark.parametrize("text,expected,why", [
    ("Olof Mellberg was fined. Mellberg spoke of his dislike of the club.", "Olof Mellberg", "an irregular past"),
    ("Greek sprinters Kostas Kenteris and Katerina Thanou were banned. Kenteris and Thanou already face charges.",
     "Kostas Kenteris", "a joint subject"),
    ("Wilkinson out. Jonny Wilkinson is injured. Wilkinson - who had targeted the game - is out.",
     "Jonny Wilkinson", "a dash after the surname"),
    ("Former U.S. Rep. Darrell Issa won. Issa already had declared victory.", "Darrell Issa", "an adverb first"),
    ("Munich Re and Swiss Re are the biggest reinsurers. Swiss Re has said claims will be high.", "Swiss Re",
     "'Swiss' opens a firm's name: no nationality to merge into Munich Re"),
    ("Ruud van Nistelrooy is injured. Van Nistelrooy said he would be back in March.", "Ruud van Nistelrooy",
     "the surname with its particle, capitalised at a sentence's start"),
    ("Royal Bank of Scotland reported record profits on Thursday.", "Royal Bank of Scotland",
     "an organisation word before 'of'"),
    ("Ministry of Defence Spokesman John Smith said the troops were safe.", "John Smith",
     "a title run after 'of' still heads a name"),
])
def test_second_review_names(text, expected, why):
    who, _, _ = facts([(s.text, i / 5) for i, s in enumerate(sentences(text))], [])
    assert expected in who, (why, who)


@pytest.mark.parametrize("text,absent,why", [
    ("The film Good Will Hunting was shown again. Hunting licences were sold out in May.", "Good Will Hunting",
     "a plural noun after a sentence's first word is no verb"),
    ("Microsoft launched the Windows Phone in Paris. Phone makers said sales were slow.", "Windows Phone",
     "'makers' is a noun"),
])
def test_second_review_not_names(text, absent, why):
    who, _, _ = facts([(s.text, i / 5) for i, s in enumerate(sentences(text))], [])
    assert absent not in who, (why, who)


def test_a_name_is_not_its_own_surname():
    """'Food Bank of Delaware' was a person because its own last word counted as its surname
    standing alone; then 'Delaware' left the where line as a person's name."""
    text = "The Food Bank of Delaware opened a pantry. Demand in Delaware had doubled, its chief said."
    _, _, where = facts([(s.text, i / 5) for i, s in enumerate(sentences(text))], [])
    assert "Delaware" in where, where


def test_a_dateline_after_a_byline_is_where_it_happened():
    """Web pages put a title and bylines before the dateline: it is sure anywhere in the lead."""
    sents = [("Tech firm cuts jobs", 0.0), ("By Jon Swartz and Kevin Johnson", 0.1),
             ("SAN FRANCISCO — The firm said it would cut 300 jobs.", 0.2), ("Shares fell.", 1.0)]
    _, _, where = facts(sents, [])
    assert "San Francisco" in where, where


# Rows from the review of e296129 (2026-12-02).
@pytest.mark.parametrize("text,present,absent,why", [
    ("Lindsay Davenport won the Australian Open in 2000 and reached the French Open final. Davenport said "
     "she was tired. The Australian Open starts on Monday.", "Lindsay Davenport", None,
     "two 'nationality + word' names sharing the last word are events or bodies, not one person twice: "
     "they rank after the people"),
    ("Prince Harry and his wife Meghan, the Duchess of Sussex, left on Monday.", "Duchess of Sussex", None,
     "a title of peerage makes 'X of Y' a person"),
    ("The Chinese Communist Party met on Monday. The Communist Party said growth would rise. The Communist Party "
     "also said prices would fall.",
     "Chinese Communist Party", "Communist Party", "a short form counts for the one longer name that qualifies it"),
])
def test_third_review_rows(text, present, absent, why):
    who, _, _ = facts([(s.text, i / 5) for i, s in enumerate(sentences(text))], [])
    assert who and who[0] == present and (absent is None or absent not in who), (why, who)
