"""The brief's stages as pure functions, without a model: a case per row (input, expected, why).

Vectors here are hand-made unit vectors; the catalog and the support checker are small
in-memory stand-ins with the one method each stage calls. The chain end to end, with real
embeddings, is in test_brief.py (marked slow) and bench/brief_golden.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from assistant.brief import points, stories
from assistant.brief.abstractive import context_window, fit_notes
from assistant.brief.articles import TOPIC_FEATURES, on_topic, topic_features, topic_model, topic_signals
from assistant.brief.citations import CitationRegistry, verify_points
from assistant.brief.quotes import choose_quotes
from assistant.brief.reading import BriefSentence, read_article
from assistant.brief.render import Brief, BriefPoint, BriefQuote, based_on, display_title, headline
from assistant.catalog import DocumentRow
from assistant.judge.linear import LinearModel
from assistant.settings import BriefSettings


def doc(doc_id: str = "d1", title: str = "A title", date: str | None = "2024-01-08") -> DocumentRow:
    return DocumentRow(doc_id=doc_id, title=title, date=date, section=None, source="Wire", url=None, path=None,
                       n_chunks=1, added_at=0.0)


def unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=float)
    return v / np.linalg.norm(v)


def sent(text: str, d: DocumentRow | None = None, index: int = 0, score: float = 0.5, vector=None, start: int = 0,
         rank: int = 0) -> BriefSentence:
    return BriefSentence(d or doc(), rank, text, start, start + len(text), index, 0.0,
                         vector=unit(1, 0, 0) if vector is None else vector, prob=score, score=score)


# ---- what to watch -----------------------------------------------------------------------------
LOOKS_AHEAD = [
    ("The Met Office will issue new warnings on Friday.", True, "'will': a forecast"),
    ("The vote is due to take place next month.", True, "'is due to'"),
    ("Talks are expected to resume later this week.", True, "'are expected to', 'later this week'"),
    ("The minister plans to visit Kabul.", True, "'plans to'"),
    ("An upcoming review of the rules was announced.", True, "'upcoming'"),
    ("Storm Ciaran brought winds of 100mph on Thursday.", False, "past event"),
    ("Willis Gibson beat the game in 38 minutes.", False, "'Willis' is a name, not 'will' (word boundary)"),
    ("She said the plan was unworkable.", False, "reported past speech"),
]


@pytest.mark.parametrize("text,expected,why", LOOKS_AHEAD)
def test_looks_ahead(text, expected, why):
    assert points.looks_ahead(text) is expected, why


# ---- summary budget ----------------------------------------------------------------------------
BUDGETS = [
    (dict(), 400, 65, "default: fixed 65 words (min == max), whatever the length"),
    (dict(summary_words_ratio=0.2, summary_words_min=40, summary_words_max=120), 400, 80, "20% of 400"),
    (dict(summary_words_ratio=0.2, summary_words_min=40, summary_words_max=120), 100, 40, "raised to the minimum"),
    (dict(summary_words_ratio=0.2, summary_words_min=40, summary_words_max=120), 2000, 120, "capped at the maximum"),
]


@pytest.mark.parametrize("overrides,article_words,expected,why", BUDGETS)
def test_summary_budget(overrides, article_words, expected, why):
    assert points.summary_budget(BriefSettings(**overrides), article_words) == expected, why


# ---- best sentence per group -------------------------------------------------------------------
def test_best_per_group_skips_dangling_and_undated():
    a, b, undated = doc("a"), doc("b"), doc("c", date=None)
    sents = [sent("He said the talks had failed badly.", a, score=0.9),      # refers back: never a group's best
             sent("The talks in Geneva failed on Monday.", a, 1, score=0.6),
             sent("Ministers will meet again in March.", a, 2, score=0.7),
             sent("Prices rose by four per cent last year.", b, score=0.4),
             sent("An undated article says a great deal here.", undated, score=0.99)]
    best = points.best_per_group(sents, lambda x: x.doc.doc_id)
    assert [x.text for x in best] == ["Ministers will meet again in March.", "Prices rose by four per cent last year.",
                                      "An undated article says a great deal here."]
    dated = points.best_per_group(sents, lambda x: x.doc.doc_id, dated_only=True)
    assert [x.doc.doc_id for x in dated] == ["a", "b"], "dated_only drops the undated article"


# ---- articles on a topic -----------------------------------------------------------------------
def _model(**weights):
    """A topic model that adds the named features' raw values (a probability of sigmoid(sum))."""
    names = TOPIC_FEATURES
    return LinearModel("t", names, np.zeros(len(names)), np.ones(len(names)),
                       np.asarray([weights.get(n, 0.0) for n in names]), 0.0)


SIGNALS = [
    ([{"doc_id": "a", "dense": 0.5, "keyword": 4.0}, {"doc_id": "b", "dense": None, "keyword": 2.0},
      {"doc_id": "a", "dense": 0.7, "keyword": None}],
     {"a": {"first_rank": 0, "passages": 2, "dense": [0.7, 0.5], "keyword_share": 1.0},
      "b": {"first_rank": 1, "passages": 1, "dense": [0.0], "keyword_share": 0.5}},
     "one entry per article in first-retrieved order; missing scores count as 0; keyword as a share of the best"),
    ([{"doc_id": "a", "dense": 0.2}], {"a": {"first_rank": 0, "passages": 1, "dense": [0.2], "keyword_share": 0.0}},
     "no keyword scores at all: share 0, not a division by zero"),
    ([], {}, "nothing retrieved"),
]


@pytest.mark.parametrize("passages,expected,why", SIGNALS)
def test_topic_signals(passages, expected, why):
    assert topic_signals(passages) == expected, why


ON_TOPIC = [
    # (passages, title cosines, min probability, limit, model weights, expected, why)
    ([{"doc_id": "a", "dense": 0.9}, {"doc_id": "b", "dense": 0.1}], {}, 0.6, 30, {"dense": 2.0}, ["a"],
     "sigmoid(1.8)=0.86 keeps a; sigmoid(0.2)=0.55 drops b"),
    ([{"doc_id": "a", "dense": 0.1}, {"doc_id": "b", "dense": 0.1}], {"b": 0.9}, 0.6, 30, {"title_cos": 2.0}, ["b"],
     "the title's cosine to the topic counts"),
    ([{"doc_id": "a", "dense": 0.5}, {"doc_id": "b", "dense": 0.9}, {"doc_id": "c", "dense": 0.7}], {}, 0.5, 2,
     {"dense": 2.0}, ["b", "c"], "over the limit the most probable stay, in first-retrieved order"),
    ([{"doc_id": "a", "dense": 0.9}, {"doc_id": "b", "dense": 0.5}], {}, 0.45, 30, {"dense_below_best": 4.0}, ["a"],
     "how far below the best passage: a is the best (0 -> 0.5), b is 0.4 below (-1.6 -> 0.17)"),
    ([{"doc_id": "a", "dense": 0.0}], {}, 0.6, 30, {"dense": 2.0}, [], "sigmoid(0)=0.5 is below 0.6: nothing"),
    ([], {}, 0.6, 30, {"dense": 2.0}, [], "nothing retrieved"),
]


@pytest.mark.parametrize("passages,cosines,threshold,limit,weights,expected,why", ON_TOPIC)
def test_on_topic(passages, cosines, threshold, limit, weights, expected, why):
    assert on_topic(passages, "storm", {}, {}, cosines, threshold, limit, _model(**weights)) == expected, why


@pytest.mark.parametrize("topic,title,lead,expected,why", [
    ("UK house prices", "House prices fall again", "Prices of homes in the UK fell.", (2 / 3, 2 / 3),
     "stemmed terms ('prices' is 'price'); 'uk' only in the lead, 'house' only in the title ('homes' is not it)"),
    ("UK house prices", "Storm hits coast", "", (0.0, 0.0), "no topic term anywhere"),
    ("the of and", "The end", "And so on", (0.0, 0.0),
     "a topic of stop words only has no terms: 0, not a division by zero"),
])
def test_topic_term_shares(topic, title, lead, expected, why):
    signals = topic_signals([{"doc_id": "a", "dense": 0.5}])
    x = topic_features(signals, topic, {"a": title}, {"a": lead}, {})
    got = (x[0, TOPIC_FEATURES.index("title_terms")], x[0, TOPIC_FEATURES.index("lead_terms")])
    assert got == pytest.approx(expected), why


def test_lead_terms_read_only_the_opening_words():
    from assistant.brief.articles import LEAD_WORDS

    signals = topic_signals([{"doc_id": "a", "dense": 0.5}])
    lead = "word " * LEAD_WORDS + "ferry"
    x = topic_features(signals, "ferry", {"a": ""}, {"a": lead}, {})
    assert x[0, TOPIC_FEATURES.index("lead_terms")] == 0.0, "a term after the opening words does not count"


def test_shipped_topic_model_reads_and_ranks_sensibly():
    """The shipped file names the code's features; an article whose passages are close in meaning,
    match the words and name the topic in its title and lead is on the topic; a distant one that
    does none of that is not."""
    model = topic_model()
    assert set(model.features) <= set(TOPIC_FEATURES)
    close = [{"doc_id": "a", "dense": 0.7, "keyword": 10.0}, {"doc_id": "a", "dense": 0.6, "keyword": 8.0}]
    far = [{"doc_id": "b", "dense": 0.15, "keyword": 1.0}]
    titles = {"a": "Ferry runs aground off Mull", "b": "Stocks rise in Tokyo"}
    leads = {"a": "A ferry ran aground off the Isle of Mull on Monday.", "b": "Shares rose in Tokyo."}
    assert on_topic(close + far, "ferry aground off Mull", titles, leads, {"a": 0.6, "b": 0.05}, 0.5, 30,
                    model) == ["a"]


def test_topic_threshold_is_the_shipped_models_operating_point():
    """brief.topic_min_probability is the operating point the model file was chosen at (its
    meta, written by bench/topic_selection.py --write-model): retraining moves both or neither."""
    from assistant.settings import BriefSettings

    assert BriefSettings().topic_min_probability == topic_model().meta["operating_point"]


# ---- headline lines ----------------------------------------------------------------------------
TITLES = [
    ("Chinese Officials Hold Talks | Taliban News", "Chinese Officials Hold Talks", "site tag dropped"),
    ("Talks | Taliban News", "Talks | Taliban News", "a head under three words is not a title: kept whole"),
    ("Aviator and Vera take Bafta glory", "Aviator and Vera take Bafta glory", "no tag"),
]


@pytest.mark.parametrize("title,expected,why", TITLES)
def test_display_title(title, expected, why):
    assert display_title(title) == expected, why


HEADLINES = [
    ([doc(title="Storm hits coast | Wire News")], "ignored", "Storm hits coast",
     "one article: its title without the site tag, whatever the topic"),
    ([doc("a"), doc("b")], "ferry ran aground?", "Ferry ran aground", "a topic: capitalised, end mark dropped"),
    ([doc("a", date="2024-01-06"), doc("b", date="2024-01-08"), doc("c", date=None)], None,
     "Brief: 3 articles, 2024-01-06 to 2024-01-08", "a set: its size and date range"),
    ([doc("a", date=None), doc("b", date=None)], None, "Brief: 2 articles", "an undated set"),
]


@pytest.mark.parametrize("docs,topic,expected,why", HEADLINES)
def test_headline(docs, topic, expected, why):
    assert headline(docs, topic) == expected, why


BASED_ON = [
    ([doc(date=None)], "Based on 1 article", "one undated article, singular"),
    ([doc("a"), doc("b")], "Based on 2 articles from 2024-01-08", "one date"),
    ([doc("a", date="2024-01-10"), doc("b", date="2023-12-29")], "Based on 2 articles from 2023-12-29 to 2024-01-10",
     "a range, earliest first"),
]


@pytest.mark.parametrize("docs,expected,why", BASED_ON)
def test_based_on(docs, expected, why):
    assert based_on(docs) == expected, why


# ---- the reduce step's window (issue 21: the openai backend ignored llm.context_window) --------------
class _Llama:  # llama.cpp reports its window
    n_ctx = 512


CONTEXT = [
    (SimpleNamespace(), 8192, 8192, "a server model reports no window: the setting llm.context_window"),
    (_Llama(), 8192, 512, "llama.cpp: its own n_ctx"),
    (SimpleNamespace(n_ctx=None), 4096, 4096, "an unset n_ctx is no window"),
    (None, 2048, 2048, "no model object at all"),
]


@pytest.mark.parametrize("llm,configured,expected,why", CONTEXT)
def test_context_window(llm, configured, expected, why):
    assert context_window(llm, configured) == expected, why


def test_local_chat_model_reports_its_n_ctx_without_loading():
    from assistant.models import LlamaCppChat

    assert context_window(LlamaCppChat(model_path="/nonexistent.gguf", n_ctx=1024), 8192) == 1024


NOTES = ["x" * 400] * 30  # 100 tokens each at four characters a token
REDUCE_MIN, REDUCE_RESERVE = BriefSettings().reduce_min_tokens, BriefSettings().reduce_reserve_tokens
FIT = [
    (2048, 16, "(2048 - 400) // 100 notes"),
    (8192, 30, "a large window takes every note"),
    (300, 2, f"a tiny window still takes {REDUCE_MIN} tokens of notes"),
]


@pytest.mark.parametrize("window,expected,why", FIT)
def test_fit_notes(window, expected, why):
    assert fit_notes(NOTES, window).count("\n- ") + 1 == expected, why
    assert max(REDUCE_MIN, window - REDUCE_RESERVE) >= expected * 100


def test_fit_notes_uses_the_model_counter():
    assert fit_notes(["a b c", "d e f"], 2048, count=lambda t: 1000) == "- a b c", "second note would exceed 1648"


def test_openai_backend_brief_uses_the_configured_window(tmp_path):
    """Assistant wiring: with the openai backend (ChatOpenAI has no n_ctx) the brief chain
    reads llm.context_window; before the fix it assumed 2048 tokens."""
    from assistant.api import Assistant
    from assistant.settings import Settings

    bot = Assistant(Settings(data_dir=tmp_path, llm={"backend": "openai", "context_window": 8192,
                                                     "base_url": "http://127.0.0.1:9/v1"},
                             brief={"mode": "abstractive"}))
    # The chain's other parts are not used here: stand-ins keep the test from opening the index.
    bot.__dict__.update(index=SimpleNamespace(catalog=None), embeddings=None, checker=None, counter=None,
                        retriever=None)
    assert not hasattr(bot.briefer.llm, "n_ctx")
    assert bot.briefer.context_window == 8192
    assert fit_notes(NOTES, bot.briefer.context_window).count("- ") == 30


# ---- quotes -------------------------------------------------------------------------------------
ARTICLE = ("Talks between the two sides ended on Monday without a deal. "
           "\"We will not accept these terms under any circumstances,\" said Foreign Minister Jane Doe. "
           "\"The offer remains on the table for anyone who wants it,\" said Foreign Minister Jane Doe. "
           "Analysts said that the collapse of the talks could delay the project by a year. "
           "\"This is a sad day for everyone involved in the process,\" said union leader Bob Smith.")


def test_choose_quotes_one_per_speaker_first():
    article = read_article(doc(), 0, ARTICLE)
    for i, x in enumerate(article.sentences):
        x.score = 0.1 * i  # later sentences more summary-worthy
    picked = choose_quotes([article], limit=4)
    assert [(q.speaker, q.quoted) for q, _ in picked] == [
        ("Bob Smith", True), ("Jane Doe", True), ("Analysts", False), ("Jane Doe", True)], \
        "quoted words before reported speech, best first; a second from one speaker only after every speaker had one"
    assert picked[0][1].text.endswith("said union leader Bob Smith."), "each quote comes with its own sentence"
    assert [q.speaker for q, _ in choose_quotes([article], limit=2)] == ["Bob Smith", "Jane Doe"]


def test_choose_quotes_skips_what_the_brief_already_shows():
    article = read_article(doc(), 0, ARTICLE)
    for i, x in enumerate(article.sentences):
        x.score = 0.1 * i
    bob = next(x for x in article.sentences if "Bob Smith" in x.text)
    picked = choose_quotes([article], limit=2, shown=[bob])
    assert [q.speaker for q, _ in picked] == ["Jane Doe", "Analysts"], \
        "Bob Smith's sentence is already a summary sentence or key point: the quotes do not repeat it"
    copy = read_article(doc("d2"), 1, ARTICLE)  # the same sentence in a re-published copy
    copy_bob = next(x for x in copy.sentences if "Bob Smith" in x.text)
    assert all(q.speaker != "Bob Smith" for q, _ in choose_quotes([article], limit=3, shown=[copy_bob])), \
        "a near-duplicate of a shown sentence counts as shown"



# (quote, what the Markdown shows after it, why)
QUOTE_LINES = [
    (BriefQuote(text="We will not give up", speaker="Jane Doe", citation=1), "” — Jane Doe [1]", "a named speaker"),
    (BriefQuote(text="We will not give up", speaker=None, citation=1), "” — unattributed [1]",
     "quoted words with nobody named for them"),
    (BriefQuote(text="Analysts said that the talks could fail.", speaker=None, citation=1, quoted=False),
     "- Analysts said that the talks could fail. [1]", "reported speech names its source in its own words"),
    (BriefQuote(text="Blinken warned that Afghanistan would become a pariah state.", speaker="Antony Blinken",
                citation=2, quoted=False),
     "- Blinken warned that Afghanistan would become a pariah state. [2]",
     "reported speech is the paper's sentence: no quotation marks that would make it Blinken's words"),
    (BriefQuote(text="He warned that the talks could collapse.", speaker="Jack Straw", citation=3, quoted=False),
     "- He warned that the talks could collapse. — Jack Straw [3]",
     "a speaker the sentence does not name (found in an earlier sentence) follows it"),
]


@pytest.mark.parametrize("quote,shown,why", QUOTE_LINES)
def test_quote_lines(quote, shown, why):
    md = Brief(headline="H", summary=[], key_points=[], quotes=[quote]).to_markdown()
    line = next(x for x in md.splitlines()[md.splitlines().index("## Quotes"):] if x.startswith("- "))
    assert line.endswith(shown), (line, why)

# ---- citations ----------------------------------------------------------------------------------
class _Catalog:
    def __init__(self):
        self.calls = 0

    def chunks_of(self, doc_id):
        self.calls += 1
        return [SimpleNamespace(chunk_id=f"{doc_id}:0", start=0, end=100),
                SimpleNamespace(chunk_id=f"{doc_id}:1", start=80, end=200)]


def test_citations_numbered_by_first_use_with_their_chunk():
    catalog, a, b = _Catalog(), doc("a"), doc("b")
    cite = CitationRegistry(catalog)
    first = sent("Sentence inside the first chunk only.", a, start=10)
    overlap = sent("A sentence in the overlap of both.", a, start=85)
    across = sent("A sentence that starts in the first chunk and runs on" + " on" * 20, a, start=60)
    other = sent("Another article's sentence here.", b, start=120)
    assert [cite.add(x) for x in (first, overlap, first, other, across)] == [1, 2, 1, 3, 4], "reuse keeps the id"
    assert [c.chunk_id for c in cite.citations] == ["a:0", "a:1", "b:1", "a:0"], \
        "the first chunk holding the whole sentence, else the first one it starts in"
    assert catalog.calls == 2, "one catalog read per article"
    assert [(g.doc_id, g.citations) for g in cite.groups()] == [("a", [1, 2, 4]), ("b", [3])]
    assert cite.points([other])[0] == BriefPoint(text=other.text, citations=[3], supported=True, score=1.0)


class _Checker:
    def __init__(self, supported: bool, score: float):
        self.result = SimpleNamespace(supported=supported, score=score)

    def check(self, claim, passages):
        return self.result


VERIFY = [
    (False, 0.1, "Verbatim sentence from the article.", True, "its own passage: supported by identity"),
    (False, 0.1, "A paraphrase the check rejects.", False, "not its passage and the check says no"),
    (True, 0.87654, "A paraphrase the check accepts.", True, "the check says yes"),
]


@pytest.mark.parametrize("supported,score,text,expected,why", VERIFY)
def test_verify_points(supported, score, text, expected, why):
    cite = CitationRegistry(_Catalog())
    cite.add(sent("Verbatim sentence from the article."))
    p = BriefPoint(text=text, citations=[1])
    verify_points([p], cite.citations, _Checker(supported, score))
    assert p.supported is expected, why
    assert p.score == round(score, 4)


def test_verify_point_without_passages_is_unsupported():
    p = BriefPoint(text="Cites nothing known.", citations=[7])
    verify_points([p], [], _Checker(True, 1.0))
    assert p.supported is False


# ---- stories, timeline, disagreements ----------------------------------------------------------
def _articles():
    out = []
    for rank, (d, v, texts) in enumerate([
            (doc("a", date="2024-01-06"), unit(1, 0.5, 0), ["The jet was grounded on 5 January 2024 by the FAA.",
                                                            "The plane carried 171 passengers and six crew."]),
            (doc("b", date="2024-01-08"), unit(1, 0, 0.5), ["Inspectors found loose bolts in several jets.",
                                                            "The plane carried 177 passengers and six crew."]),
            (doc("c", date="2024-01-07"), unit(0, 0, 1), ["The ferry ran aground with 212 passengers aboard."])]):
        article = read_article(d, rank, " ".join(texts))
        for i, x in enumerate(article.sentences):
            x.vector, x.prob, x.score = v, 0.5, 0.9 - 0.1 * i
        out.append(article)
    return out


def test_stories_group_close_articles_largest_first():
    found, story_of = stories.stories(_articles(), min_cosine=0.6)
    assert [s.doc_ids for s in found] == [["a", "b"], ["c"]]
    assert found[0].dates == ["2024-01-06", "2024-01-08"]
    assert story_of == {"a": 0, "b": 0, "c": 1}


def test_timeline_dates_by_the_event_and_sorts():
    sents = [x for a in _articles() for x in a.sentences]
    entries = stories.timeline(sents, limit=6)
    assert [(d, x.doc.doc_id) for d, x in entries] == [("2024-01-05", "a"), ("2024-01-07", "c"), ("2024-01-08", "b")], \
        "a's sentence gives its event date; the others take their article's date; one entry per article"
    assert len(stories.timeline(sents, limit=2)) == 2
    again = read_article(doc("d", date="2024-01-09"), 3, "The jet was grounded on 5 January 2024 by the FAA, it said.")
    again.sentences[0].vector, again.sentences[0].score = sents[0].vector, 0.8
    assert [x.doc.doc_id for _, x in stories.timeline(sents + again.sentences, limit=6)] == ["a", "c", "b"], \
        "a later article repeating an entry is merged into it"


def test_disagreements_need_the_same_day_when_both_name_one():
    def article(doc_id, date, text):
        a = read_article(doc(doc_id, date=date), 0, text)
        for x in a.sentences:
            x.vector, x.prob, x.score = unit(1, 0, 0), 0.5, 0.5
        return a
    sunday = article("a", "2024-01-08", "On Sunday the airline cancelled 170 flights.")
    monday = article("b", "2024-01-09", "On Monday the airline cancelled 60 flights.")
    undated = article("c", "2024-01-09", "The airline cancelled 60 flights.")
    found = stories.disagreements(sunday.sentences + monday.sentences, {"a": 0, "b": 0}, 0.6, 3)
    assert found == [], "Sunday's count and Monday's are not one fact"
    found = stories.disagreements(sunday.sentences + undated.sentences, {"a": 0, "c": 0}, 0.6, 3)
    assert [(c.value_a, c.value_b) for c, _, _ in found] == [("170", "60")], "a sentence naming no day may be about any"


def test_disagreements_only_within_a_story():
    articles = _articles()
    sents = [x for a in articles for x in a.sentences]
    found = stories.disagreements(sents, {"a": 0, "b": 0, "c": 1}, min_cosine=0.6, limit=3)
    assert [(c.value_a, c.value_b, x.doc.doc_id, y.doc.doc_id) for c, x, y in found] == [("171", "177", "a", "b")]
    assert stories.disagreements(sents, {"a": 0, "b": 1, "c": 2}, 0.6, 3) == [], "different stories never disagree"
