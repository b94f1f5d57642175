"""P(a summary would include this sentence): a small logistic model over position, length,
centrality and title overlap, with the article's style as features of its own.

Why a model and not one lead weight: news houses place what matters differently. In the
CNN/DailyMail dev articles the human highlights come from the first few sentences; BBC's
reference summaries take sentences from the whole article. The model sees each article's
style (its length in sentences, its mean sentence length, how central its first sentence is)
and the products of those with position, so the lead prior it applies is learned per style.
Trained on dev only (BBC dev split + FRANK CNN/DM dev; labels: the greedy ROUGE oracle) by
``bench/brief_train.py``, which writes the coefficients to ``selector.json`` beside this file;
numpy applies them (no scikit-learn at run time).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.brief.render import display_title
from assistant.brief.select import refers_back
from assistant.judge.linear import LinearModel
from assistant.text import terms, words

if TYPE_CHECKING:
    from assistant.brief.reading import Article

MODEL_PATH = Path(__file__).with_name("selector.json")
_QUOTE_MARK = re.compile(r"[\"“”]|(?:^|\s)['‘]\w")
_NUMBER = re.compile(r"\d")

BASE = ["pos", "first", "second", "third", "log_index", "length", "short", "long", "centrality",
        "centrality_rank", "title_cosine", "title_overlap", "quote", "number", "refers_back", "question"]
STYLE = ["log_sentences", "mean_length", "lead_centrality"]
# Position features crossed with the style features: the per-style lead prior.
CROSSED = [f"{p}*{s}" for p in ("pos", "first", "log_index") for s in STYLE]
FEATURES = BASE + STYLE + CROSSED


@dataclass
class ArticleSentences:
    """One article's admissible sentences, in order, with unit-length embeddings."""

    texts: list[str]
    vectors: np.ndarray          # (n, d)
    title: str
    title_vector: np.ndarray | None = None


def features(a: ArticleSentences) -> np.ndarray:
    n = len(a.texts)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    vecs = a.vectors
    centroid = vecs.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    central = vecs @ centroid
    order = np.argsort(-central)
    rank = np.empty(n)
    rank[order] = np.arange(n)
    title_terms = set(terms(a.title))
    title_cos = vecs @ a.title_vector if a.title_vector is not None else np.zeros(n)
    lengths = np.array([len(words(t)) for t in a.texts], dtype=float)
    style = {"log_sentences": math.log1p(n) / 4, "mean_length": float(lengths.mean()) / 30,
             "lead_centrality": float(central[0])}
    rows = []
    for i, text in enumerate(a.texts):
        st = set(terms(text))
        f = {
            "pos": i / max(1, n - 1), "first": float(i == 0), "second": float(i == 1), "third": float(i == 2),
            "log_index": math.log1p(i) / 3, "length": lengths[i] / 30, "short": float(lengths[i] < 10),
            "long": float(lengths[i] > 45), "centrality": float(central[i]),
            "centrality_rank": rank[i] / max(1, n - 1), "title_cosine": float(title_cos[i]),
            "title_overlap": len(st & title_terms) / len(title_terms) if title_terms else 0.0,
            "quote": float(bool(_QUOTE_MARK.search(text))), "number": float(bool(_NUMBER.search(text))),
            "refers_back": float(refers_back(text)), "question": float(text.rstrip().endswith("?")),
            **style,
        }
        for p in ("pos", "first", "log_index"):
            for s in STYLE:
                f[f"{p}*{s}"] = f[p] * style[s]
        rows.append([f[name] for name in FEATURES])
    return np.asarray(rows, dtype=float)


class SentenceModel(LinearModel):
    """P(a sentence belongs in the summary): the judge's calibrated linear model (judge/linear.py)
    over this module's FEATURES, trained by bench/brief_train.py."""

    @classmethod
    def fitted(cls, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float) -> SentenceModel:
        return cls("brief-sentences", tuple(FEATURES), np.asarray(mean), np.asarray(scale), np.asarray(coef),
                   float(intercept))

    def probability(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(0) if x.shape[0] == 0 else self.proba(x)

    def save(self, path: Path, about: dict) -> None:
        path.write_text(json.dumps({
            "about": about, "features": list(self.features), "mean": self.mean.tolist(),
            "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept}, indent=1))


def load_model(path: Path = MODEL_PATH) -> SentenceModel:
    try:
        data = json.loads(path.read_text())
        if data["features"] != FEATURES:
            raise ValueError("it was trained on other features")
        base = LinearModel.from_json({**data, "name": "brief-sentences"}, str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise RuntimeError(f"cannot use the sentence model {path}: {exc}; "
                           "rebuild it with `python bench/brief_train.py`") from exc
    return SentenceModel(**{f.name: getattr(base, f.name) for f in fields(LinearModel)})


@lru_cache(maxsize=1)
def default_model() -> SentenceModel:
    return load_model()


def score_article(a: ArticleSentences, model: SentenceModel | None = None) -> np.ndarray:
    return (model or default_model()).probability(features(a))


def score_sentences(articles: Sequence[Article], title_vectors: np.ndarray, topic_vector: np.ndarray | None = None,
                    topic_weight: float = 0.0) -> None:
    """Sets each sentence's ``prob`` (the model, per article) and ``score``: ``prob`` plus
    ``topic_weight`` x its cosine to the topic, for topic briefs."""
    for a, title_vector in zip(articles, title_vectors, strict=True):
        if not a.sentences:
            continue
        texts, vectors = [x.text for x in a.sentences], np.asarray([x.vector for x in a.sentences])
        probs = score_article(ArticleSentences(texts, vectors, display_title(a.doc.title), title_vector))
        for x, p in zip(a.sentences, probs, strict=True):
            x.prob = float(p)
            x.score = x.prob + (topic_weight * float(x.vector @ topic_vector) if topic_vector is not None else 0.0)


def oracle_labels(texts: Sequence[str], reference: str, scorer, max_sentences: int = 6) -> list[int]:
    """Greedy ROUGE oracle: add the sentence that most raises ROUGE-1 + ROUGE-2 F of the
    selection against the reference, while it still rises (the usual extractive label).
    Uses the scorer's own tokenizer (stemming included) once per sentence, then counts n-grams."""
    from collections import Counter

    tokenize = scorer._tokenizer.tokenize

    def grams(tokens: list[str], n: int) -> Counter:
        return Counter(tuple(tokens[i: i + n]) for i in range(len(tokens) - n + 1))

    ref = tokenize(reference)
    ref_g = [grams(ref, 1), grams(ref, 2)]
    toks = [tokenize(t) for t in texts]
    sent_g = [[grams(t, 1), grams(t, 2)] for t in toks]

    def f(sel: list[Counter], ref_c: Counter) -> float:
        total = sum(sel.values())
        overlap = sum((sel & ref_c).values())
        if not total or not overlap:
            return 0.0
        p, r = overlap / total, overlap / sum(ref_c.values())
        return 2 * p * r / (p + r)

    chosen: list[int] = []
    current = [Counter(), Counter()]
    best = 0.0
    while len(chosen) < max_sentences:
        gains = []
        for i in range(len(texts)):
            if i in chosen:
                continue
            # Bigrams across the join are ignored: a small approximation for a label.
            value = sum(f(current[n] + sent_g[i][n], ref_g[n]) for n in (0, 1))
            gains.append((value, i))
        if not gains:
            break
        value, i = max(gains)
        if value <= best:
            break
        best = value
        chosen.append(i)
        current = [current[n] + sent_g[i][n] for n in (0, 1)]
    return [int(i in chosen) for i in range(len(texts))]
