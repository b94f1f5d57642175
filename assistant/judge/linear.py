"""A small calibrated linear model read from a JSON coefficients file.

Training happens offline in ``bench/`` with scikit-learn; what ships is the JSON it writes
(feature names, standardisation, coefficients, intercept and a Platt calibration), so run
time needs numpy only and nothing is unpickled. The file names the features in order; a
file whose features do not match the code's is refused with a message naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np


class ModelFileError(ValueError):
    """A judge model file is missing, malformed or built for other features."""


@dataclass(frozen=True)
class LinearModel:
    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    # Platt scaling of the decision value: p = sigmoid(a * z + b).
    calib_a: float = 1.0
    calib_b: float = 0.0
    meta: dict | None = None

    def decision(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, one per row of ``x``."""
        z = self.calib_a * self.decision(x) + self.calib_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def check_features(self, names: tuple[str, ...] | list[str]) -> None:
        """The model's features must all be among those the code computes."""
        missing = [f for f in self.features if f not in names]
        if missing:
            raise ModelFileError(
                f"judge model {self.name!r} uses features {missing} that the code does not compute "
                f"({list(names)}): retrain it (python bench/train_judge.py)")

    def columns(self, names: tuple[str, ...] | list[str]) -> list[int]:
        """Where the model's features sit among ``names`` (the columns the code computes)."""
        self.check_features(names)
        return [list(names).index(f) for f in self.features]

    def to_json(self) -> dict:
        return {"name": self.name, "features": list(self.features), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept,
                "calibration": {"a": self.calib_a, "b": self.calib_b}, "meta": self.meta or {}}

    @classmethod
    def from_json(cls, data: dict, where: str = "model") -> LinearModel:
        try:
            feats = tuple(data["features"])
            model = cls(name=data.get("name", where), features=feats,
                        mean=np.asarray(data["mean"], dtype=float), scale=np.asarray(data["scale"], dtype=float),
                        coef=np.asarray(data["coef"], dtype=float), intercept=float(data["intercept"]),
                        calib_a=float(data.get("calibration", {}).get("a", 1.0)),
                        calib_b=float(data.get("calibration", {}).get("b", 0.0)), meta=data.get("meta") or {})
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: not a judge model file ({exc})") from None
        n = len(feats)
        if not (model.mean.shape == model.scale.shape == model.coef.shape == (n,)):
            raise ModelFileError(f"{where}: coefficient arrays do not match its {n} features")
        return model


@lru_cache(maxsize=16)
def load_model(path: str | Path) -> LinearModel:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"judge model file {path} is missing: reinstall the package or run "
                             "python bench/train_judge.py") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"judge model file {path} is not valid JSON ({exc})") from None
    return LinearModel.from_json(data, str(path))


MODELS_DIR = Path(__file__).resolve().parent / "models"
