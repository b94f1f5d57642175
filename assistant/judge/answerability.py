"""Does this sentence answer the question, and does the library answer it at all?

Two small calibrated models (``models/answer_sentence.json``, ``models/answerable.json``),
trained by ``bench/train_judge.py`` on the even (dev) weeks of the 2024 RealTime QA quiz only:

- sentence model: P(a retrieved sentence holds the answer), from features the pipeline has
  already computed (question-sentence cosine, IDF-weighted coverage of the question's terms in
  the sentence and in its context, how rare the rarest missing term is, whether the sentence
  holds the kind of answer asked for, the chunk's dense score and rank, whether the sentence
  merely echoes the question, the question's names found in it and in its article, and the
  logit of the short-answer ranker's best span of the kind asked for in it, which reads what
  the cosine misses: a span of that kind beside the question's words (dev top-1 0.380 -> 0.410,
  bench/judge_span_sentence_exp.py; "..., Lib Dem leader Charles Kennedy has said." rose from
  seventh to third for "Who is the Lib Dem leader?", still not first). Position in
  the article is deliberately not a feature: the quiz's answering excerpts are article leads and
  its distractors whole articles, so position would learn the data set, not the news (with it,
  it was the largest coefficient).
  Evidence is ranked by it; the extractive answer and the short answer come from the top.
- question model: P(the library answers the question), from the sentence probabilities of the
  best candidates and question-level signals (names the library never mentions, names missing
  from the articles found). The assistant abstains below ``answer.abstain_below`` (settings),
  an operating point chosen on dev.

Near misses (the library covers the event but not the detail asked) are trained and measured
by removing the sentences that hold the answer from an answerable question's candidates.
Features are pure functions of their inputs; this module does no I/O beyond the model files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.acts import Act, asked_act
from assistant.acts import reports as reports_act
from assistant.judge.linear import MODELS_DIR, LinearModel, load_model
from assistant.short_answer import Model as SpanModel
from assistant.short_answer import sentence_span_logits
from assistant.text import holds_answer, proper_nouns, question_type, terms, words

_QUOTE = re.compile(r"[\"“”]")
KINDS = ("entity", "time", "quantity", "money")


@dataclass
class QuestionInfo:
    """What the judge needs to know about a question (built once per question)."""

    text: str
    kind: str | None
    terms: list[str]
    idf: dict[str, float]  # per term; a term the library never uses weighs as the rarest
    name_terms: list[set[str]]  # the terms of each capitalised name in the question
    unknown_names: int = 0  # names no chunk of the library contains
    unknown: list[str] = field(default_factory=list)  # ... and which
    # A question about what someone asked, promised, warned ... (assistant/acts.py): a sentence
    # reporting the same act holds the kind of answer asked for, as a number does for "how many".
    act: Act | None = None

    @property
    def total_idf(self) -> float:
        return sum(self.idf.values()) or 1.0


@dataclass
class Candidate:
    """One sentence the judge scores, with what retrieval and evidence selection measured."""

    text: str
    context: str  # article title and the text just before the sentence
    cosine: float  # question-sentence embedding similarity
    chunk_dense: float | None  # question-chunk cosine (None when only BM25 found the chunk)
    chunk_rank: int
    start: int  # offset of the sentence in its article
    # The evidence selector's hand-set relevance (0.7 cosine + 0.3 IDF coverage, a rank penalty
    # and an answer-type bonus), tuned on the dev weeks before the judge existed: a prior.
    relevance: float = 0.0
    doc_terms: set[str] = field(default_factory=set)  # terms of its whole article (and title)
    instruction: bool = False


def question_info(question: str, idf: dict[str, float], library_has: dict[str, bool] | None = None,
                  acts: bool = True) -> QuestionInfo:
    """``idf``: the catalog's IDF of the question's terms (0 for terms no chunk contains).
    ``library_has``: per name, whether any chunk of the library contains all its terms.
    ``acts``: read the speech act a "What did X promise?" question asks about (settings
    ``answer.speech_acts``)."""
    wanted = list(dict.fromkeys(terms(question)))
    rarest = max((v for v in idf.values() if v > 0), default=1.0)
    weights = {t: (idf.get(t, 0.0) if idf.get(t, 0.0) > 0 else rarest) for t in wanted}
    names = [set(terms(n)) for n in dict.fromkeys(proper_nouns(question)) if terms(n)]
    unknown = [n for n, known in (library_has or {}).items() if not known]
    return QuestionInfo(question, question_type(question), wanted, weights, names, len(unknown), unknown,
                        asked_act(question) if acts else None)


# What the judge computes per sentence. The sentence model uses a subset (its file names them):
# ``SENTENCE_MODEL_FEATURES``. Retrieval-level features (the chunk's rank and dense score) are
# computed for the question model but left out of the sentence model: on the quiz they mostly
# learn that answers sit in short excerpts and never in the whole BBC articles used as
# distractors, and with them the model ranked worse on full articles (the eval set's samples:
# best sentence holds the key fact 0.55 vs 0.61 without them).
SENTENCE_FEATURES: tuple[str, ...] = (
    "cosine", "cosine_gap", "coverage", "coverage_context", "coverage_gap", "missing_rarest",
    "chunk_dense", "chunk_bm25_only", "chunk_rank", "type_asked_and_held", "type_asked_not_held",
    "echo", "new_terms", "names_in_sentence", "names_in_article", "log_words", "quoted", "instruction",
    "relevance", "relevance_gap", "span",
)


def sentence_features(q: QuestionInfo, cands: Sequence[Candidate], span_model: SpanModel | None = None
                      ) -> np.ndarray:
    """One row per candidate, columns as SENTENCE_FEATURES. Two columns compare a candidate
    with the best of the set (cosine_gap, coverage_gap), so score a question's candidates together.
    ``span``: the logit of the sentence's best short-answer span of the kind asked for
    (`short_answer.sentence_span_logits`; ``span_model`` replaces the shipped lexical model, for
    training on out-of-fold scores)."""
    spans = sentence_span_logits(q.text, [c.text for c in cands], [c.relevance for c in cands], span_model)
    rows = []
    for c in cands:
        own = set(terms(c.text))
        reported = q.kind is None and bool(q.act) and reports_act(c.text, q.act)
        if reported:  # the sentence holds the act asked about under another verb ("assured" for "promise")
            own |= set(terms(q.act.verb))
        ctx = own | set(terms(c.context))
        cov = sum(w for t, w in q.idf.items() if t in own) / q.total_idf
        cov_ctx = sum(w for t, w in q.idf.items() if t in ctx) / q.total_idf
        missing = [w for t, w in q.idf.items() if t not in ctx]
        top = max(q.idf.values(), default=1.0) or 1.0
        asked = set(q.terms)
        echo = len(own & asked) / len(own) if own else 1.0
        named = [n for n in q.name_terms if n <= ctx]
        in_doc = [n for n in q.name_terms if n <= (c.doc_terms | ctx)]
        asked_type = bool(q.kind or q.act)
        held = holds_answer(c.text, q.kind, q.text) if q.kind else reported
        rows.append([
            c.cosine, 0.0, cov, cov_ctx, 0.0, max(missing, default=0.0) / top,
            c.chunk_dense if c.chunk_dense is not None else 0.0, float(c.chunk_dense is None),
            math.log1p(c.chunk_rank), float(asked_type and held), float(asked_type and not held),
            echo, math.log1p(len(own - asked)),
            len(named) / len(q.name_terms) if q.name_terms else 1.0,
            len(in_doc) / len(q.name_terms) if q.name_terms else 1.0,
            math.log1p(len(words(c.text))), float(bool(_QUOTE.search(c.text))),
            float(c.instruction), c.relevance, 0.0, spans[len(rows)],
        ])
    x = np.asarray(rows, dtype=float).reshape(len(rows), len(SENTENCE_FEATURES))
    if len(rows):
        x[:, 1] = x[:, 0] - x[:, 0].max()
        x[:, 4] = x[:, 3] - x[:, 3].max()
        gap = SENTENCE_FEATURES.index("relevance_gap")
        x[:, gap] = x[:, gap - 1] - x[:, gap - 1].max()
    return x


SENTENCE_MODEL_FEATURES: tuple[str, ...] = (
    "relevance", "relevance_gap", "cosine", "coverage", "type_asked_and_held", "type_asked_not_held", "echo",
    "new_terms", "log_words", "span",
)

QUESTION_FEATURES: tuple[str, ...] = (
    "p_best", "p_second", "p_top3_sum", "best_cosine", "best_chunk_dense", "best_coverage_context",
    "unknown_names", "names_missing_in_articles", "kind_entity", "kind_time", "kind_quantity", "kind_money",
    "log_terms",
)


def question_features(q: QuestionInfo, x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """One row: how well the best candidates answer, and what the library lacks."""
    names = SENTENCE_FEATURES
    order = np.argsort(-p) if len(p) else np.array([], dtype=int)
    top = [float(p[i]) for i in order[:3]]
    best = x[order[0]] if len(order) else np.zeros(len(names))
    col = {n: i for i, n in enumerate(names)}
    in_articles = float(x[:, col["names_in_article"]].max()) if len(x) else 0.0
    return np.asarray([
        top[0] if top else 0.0, top[1] if len(top) > 1 else 0.0, sum(top),
        float(x[:, col["cosine"]].max()) if len(x) else 0.0,
        float(x[:, col["chunk_dense"]].max()) if len(x) else 0.0,
        float(best[col["coverage_context"]]),
        float(q.unknown_names), 1.0 - in_articles if q.name_terms else 0.0,
        *[float(q.kind == k) for k in KINDS], math.log1p(len(q.terms)),
    ], dtype=float)


class AnswerJudge:
    """Scores candidate sentences (P answers) and questions (P the library answers)."""

    def __init__(self, sentence_model: LinearModel | None = None, question_model: LinearModel | None = None):
        self.sentence_model = sentence_model or load_model(MODELS_DIR / "answer_sentence.json")
        self.question_model = question_model or load_model(MODELS_DIR / "answerable.json")
        self.sentence_model.check_features(SENTENCE_FEATURES)
        self.question_model.check_features(QUESTION_FEATURES)

    def score(self, q: QuestionInfo, cands: Sequence[Candidate]) -> tuple[np.ndarray, float]:
        """(P(each candidate answers), P(the library answers the question))."""
        if not cands:
            return np.zeros(0), 0.0
        x = sentence_features(q, cands)
        p = self.sentence_model.proba(x[:, self.sentence_model.columns(SENTENCE_FEATURES)])
        # A planted instruction never answers anything.
        p = np.where(x[:, SENTENCE_FEATURES.index("instruction")] > 0, 0.0, p)
        qx = question_features(q, x, p)
        return p, float(self.question_model.proba(qx[self.question_model.columns(QUESTION_FEATURES)])[0])
