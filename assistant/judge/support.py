"""The learned support check: claim x passages -> probability the passages support the claim.

A logistic regression over the features of assistant/judge/features.py (embedding cosine,
plain and IDF-weighted term coverage in the best sentence, the cited pair and the whole
source, order, numbers, names, negation), trained by bench/train_support.py on human
factuality judgements (frank-dev) and synthetic swaps, and shipped as plain coefficients in
support_model.json: inference is a dot product in numpy, no scikit-learn at run time.
The score is calibrated (predicted 0.8 means about 80% of such claims are supported on the
dev data; the reliability table is in the model file). The operating point lives in
settings (VerifySettings.threshold); bench/support_check.py measures it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.judge.features import FEATURES, Text, choose_pool, features
from assistant.judge.linear import LinearModel, ModelFileError

MODEL_FILE = "support_model.json"


class SupportModelError(RuntimeError):
    """The shipped model file is missing or does not match the feature code."""


class SupportModel(LinearModel):
    """The support check's calibrated linear model (judge/linear.py): standardise, then a
    logistic regression, p = sigmoid(w . (x - mean) / scale + b)."""

    @classmethod
    def from_dict(cls, data: dict, source: str = MODEL_FILE) -> SupportModel:
        names = tuple(data.get("features", ()))
        if names != FEATURES:
            raise SupportModelError(f"{source} was trained on features {list(names)}, the code computes "
                                    f"{list(FEATURES)}; retrain with bench/train_support.py")
        try:
            base = LinearModel.from_json({**data, "name": "support"}, source)
        except ModelFileError as exc:
            raise SupportModelError(str(exc)) from None
        return cls(**{f.name: getattr(base, f.name) for f in fields(LinearModel)})

    @classmethod
    def placeholder(cls) -> SupportModel:
        """All-zero coefficients (p = 0.5 everywhere), for benchmarks that score elsewhere."""
        n = len(FEATURES)
        return cls("placeholder", FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0)

    @classmethod
    def load(cls, path: str | Path | None = None) -> SupportModel:
        try:
            if path is None:
                raw = resources.files("assistant.judge").joinpath(MODEL_FILE).read_text()
            else:
                raw = Path(path).read_text()
            data = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise SupportModelError(f"cannot read the support model {path or MODEL_FILE}: {exc}") from None
        return cls.from_dict(data, str(path or MODEL_FILE))

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return self.proba(rows)


@cache
def shipped_model() -> SupportModel:
    return SupportModel.load()


@dataclass(frozen=True)
class Judgement:
    score: float  # probability the pool supports the claim
    pool: list[int]  # passages cited together, best first
    features: dict[str, float]


def vectorise(feats: Sequence[dict[str, float]]) -> np.ndarray:
    return np.asarray([[f[name] for name in FEATURES] for f in feats], dtype=float).reshape(len(feats), len(FEATURES))


def judge_features(claim: Text, passages: Sequence[Text], cosines: Sequence[float], groups: Sequence[str],
                   allowed: Sequence[int], pool_size: int) -> tuple[list[int], dict[str, float]] | None:
    """The cited pool and the features of one claim. ``allowed``: passages that may support
    it at all (instructions planted in an article never do); None when there are none."""
    if not allowed:
        return None
    best = choose_pool(claim, passages, cosines, allowed, size=1)[0]
    same = [i for i in allowed if groups[i] == groups[best]]
    pool = choose_pool(claim, passages, cosines, same, size=pool_size)
    return pool, features(claim, passages, cosines, pool, same)


def judge(claims: Sequence[Text], passages: Sequence[Text], cosines: np.ndarray, groups: Sequence[str],
          allowed: Sequence[int], pool_size: int = 2, model: SupportModel | None = None) -> list[Judgement | None]:
    model = model or shipped_model()
    found = [judge_features(c, passages, cosines[k], groups, allowed, pool_size) for k, c in enumerate(claims)]
    rows = [f for f in found if f is not None]
    probs = iter(model.predict(vectorise([f for _, f in rows])) if rows else [])
    return [Judgement(float(next(probs)), f[0], f[1]) if f is not None else None for f in found]
