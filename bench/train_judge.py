"""Train the answer judge (assistant/judge/answerability.py) from dev data only, reproducibly.

Data: bench/judge_data.py's features for every 2024 RealTime QA question. Training and every
choice (features, regularisation, the abstention operating point) use the even weeks (dev)
only, with week-wise cross-validation (GroupKFold by week): out-of-fold predictions give the
numbers reported as dev. ``--report-test`` scores the odd weeks (test) once with the shipped
models and writes them beside the dev numbers.

- sentence model: logistic regression, P(sentence holds the right choice's text), Platt-
  calibrated on out-of-fold decision values;
- question model: logistic regression, P(the library answers), trained on answerable dev
  questions (label: a candidate holds the answer), quiz questions whose excerpt is not in the
  library, and near misses made from answerable questions by removing the sentences that hold
  the answer (the library covers the event, not the detail);
- operating point: the highest threshold whose dev false abstention (declined answerable
  questions, all of them) stays at or below --max-false-abstention.

    python bench/judge_data.py && python bench/train_judge.py            # writes the model files
    python bench/train_judge.py --report-test                             # once, at the end
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

from assistant.judge.answerability import (  # noqa: E402
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    SENTENCE_MODEL_FEATURES,
    question_features,
)
from assistant.judge.linear import MODELS_DIR, LinearModel  # noqa: E402

DATA = corpus.CACHE / "judge_data.pkl"
RESULTS = ROOT / "bench" / "results" / "judge.json"


def dev_rows(path: Path = DATA) -> list[dict]:
    """The dev-week questions of bench/judge_data.py's data that have candidates."""
    return [r for r in pickle.loads(Path(path).read_bytes())["rows"] if len(r["y"]) and r["split"] == "dev"]


def fit_linear(x: np.ndarray, y: np.ndarray, groups: np.ndarray, name: str, c: float, folds: int = 5
               ) -> tuple[LinearModel, np.ndarray, dict]:
    """Logistic regression on standardised features; Platt calibration on out-of-fold decision
    values. Returns the model fitted on everything, the calibrated out-of-fold probabilities, and
    per held-out group the calibrated fold model that did not see it."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    oof = np.zeros(len(y))
    fold_of: dict = {}
    fitted = []
    for train, held in GroupKFold(n_splits=folds).split(z, y, groups):
        m = LogisticRegression(C=c, max_iter=2000).fit(z[train], y[train])
        oof[held] = m.decision_function(z[held])
        fitted.append(m)
        for g in set(groups[held]):
            fold_of[g] = len(fitted) - 1
    platt = LogisticRegression(C=1e6, max_iter=2000).fit(oof.reshape(-1, 1), y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    full = LogisticRegression(C=c, max_iter=2000).fit(z, y)
    model = LinearModel(name=name, features=(), mean=mean, scale=scale, coef=full.coef_[0],
                        intercept=float(full.intercept_[0]), calib_a=a, calib_b=b)
    fold_models = [LinearModel(name=f"{name}-fold{i}", features=(), mean=mean, scale=scale, coef=m.coef_[0],
                               intercept=float(m.intercept_[0]), calib_a=a, calib_b=b) for i, m in enumerate(fitted)]
    oof_p = 1 / (1 + np.exp(-(a * oof + b)))
    return model, oof_p, {g: fold_models[i] for g, i in fold_of.items()}


def calibration(p: np.ndarray, y: np.ndarray, bins: int = 10) -> dict:
    edges = np.linspace(0, 1, bins + 1)
    ece, table = 0.0, []
    for lo, hi in itertools.pairwise(edges):
        m = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if m.sum():
            ece += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "mean_p": round(float(p[m].mean()), 3),
                          "observed": round(float(y[m].mean()), 3)})
    return {"ece": round(float(ece), 4), "brier": round(float(np.mean((p - y) ** 2)), 4), "bins": table}


def with_gaps(x: np.ndarray) -> np.ndarray:
    """Recompute the set-relative columns after candidates were removed."""
    x = x.copy()
    if len(x):
        x[:, 1] = x[:, 0] - x[:, 0].max()
        x[:, 4] = x[:, 3] - x[:, 3].max()
        gap = SENTENCE_FEATURES.index("relevance_gap")
        x[:, gap] = x[:, gap - 1] - x[:, gap - 1].max()
    return x


def question_rows(rows: list[dict], sent_p: list[np.ndarray], model_for, inputs=None
                  ) -> tuple[np.ndarray, np.ndarray, list[str], list]:
    """Question-level examples: (features, label, kind, week). kind: answerable | no_excerpt |
    near_miss | unreachable (answerable but no candidate holds the answer). ``model_for(week)``:
    the sentence model that scores a near miss's remaining candidates (one that never saw it);
    ``inputs(row, kept, x)``: its input for the kept candidates, whose features are ``x``
    (default: the model's columns of ``x``; bench/judge_vector_exp.py adds vector columns)."""
    xs, ys, kinds, weeks = [], [], [], []
    for r, p in zip(rows, sent_p, strict=True):
        y = np.asarray(r["y"], dtype=bool)
        if r["answerable"]:
            # The library answers when the answering excerpt was retrieved (its answer may be
            # paraphrased: only 57% of excerpts hold the right choice's text verbatim).
            found = r["gold"] in r["cand_docs"]
            xs.append(question_features(r["qinfo"], r["x"], p))
            ys.append(int(found))
            kinds.append("answerable" if found else "unreachable")
            weeks.append(r["week"])
            if y.any() and (~y).any():
                sub = with_gaps(r["x"][~y])
                cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]
                fx = inputs(r, ~y, sub) if inputs else sub[:, cols]
                xs.append(question_features(r["qinfo"], sub, model_for(r["week"]).proba(fx)))
                ys.append(0)
                kinds.append("near_miss")
                weeks.append(r["week"])
        else:
            xs.append(question_features(r["qinfo"], r["x"], p))
            ys.append(0)
            kinds.append("no_excerpt")
            weeks.append(r["week"])
    return np.asarray(xs), np.asarray(ys), kinds, weeks


def abstention_table(p: np.ndarray, kinds: list[str], thresholds) -> list[dict]:
    kinds_a = np.asarray(kinds)
    answerable = np.isin(kinds_a, ["answerable", "unreachable"])
    out = []
    for t in thresholds:
        declined = p < t
        out.append({"threshold": round(float(t), 3),
                    "false_abstention": round(float(declined[answerable].mean()), 4),
                    "abstention_no_excerpt": round(float(declined[kinds_a == "no_excerpt"].mean()), 4),
                    "abstention_near_miss": round(float(declined[kinds_a == "near_miss"].mean()), 4)})
    return out


def oof_sentence_probs(rows: list[dict], c: float = 1.0) -> tuple[list[np.ndarray], dict]:
    """The sentence model fitted week-wise out of fold on the dev ``rows``' "xs" columns (trained on
    the questions with a candidate holding the answer and on unanswerable ones): each question's
    probabilities from the fold that did not see its week, and the fold model per week."""
    clean = [r for r in rows if any(r["y"]) or not r["answerable"]]
    x = np.vstack([r["xs"] for r in clean])
    y = np.concatenate([np.asarray(r["y"], dtype=int) for r in clean])
    groups = np.concatenate([[r["week"]] * len(r["y"]) for r in clean])
    _, _, fold = fit_linear(x, y, groups, "s", c)
    return [fold[r["week"]].proba(r["xs"]) for r in rows], fold


def top1(rows: list[dict], scores: list[np.ndarray]) -> float:
    hits = [bool(r["y"][int(np.argmax(s))]) for r, s in zip(rows, scores, strict=True) if r["answerable"] and len(s)]
    n = sum(1 for r in rows if r["answerable"])
    return sum(hits) / (n or 1)


SPAN = SENTENCE_FEATURES.index("span")


def span_models_by_week(also_weeks=()) -> dict:
    """Per dev week, the lexical short-answer span model refitted without that week's fold (five
    folds of weeks, the shipped C, bench/train_short_answer.py's dev examples)."""
    import train_short_answer as tsa

    from assistant.short_answer import MODEL_PATH

    c = json.loads(MODEL_PATH.read_text())["lexical"]["C"]
    examples = tsa.examples("dev")
    weeks = sorted({e.week for e in examples} | set(also_weeks))
    fold_of = {w: k % 5 for k, w in enumerate(weeks)}
    models = [tsa.fit([e for e in examples if fold_of[e.week] != k], c) for k in range(5)]
    return {w: models[fold_of[w]] for w in weeks}


def span_columns(rows: list[dict]) -> None:
    """Set every row's ``span`` column (the best short-answer span of the kind asked for, as a
    logit): out of fold for the dev weeks (`span_models_by_week`), the shipped model for the test
    weeks. A sentence model trained on in-sample span scores would trust them too much."""
    from assistant.short_answer import sentence_span_logits

    by_week = span_models_by_week(r["week"] for r in rows if r["split"] == "dev")
    for r in rows:
        model = by_week[r["week"]] if r["split"] == "dev" else None
        col = np.asarray(sentence_span_logits(r["question"], r["texts"], r["relevance"], model)).reshape(-1, 1)
        x = r["x"]
        r["x"] = np.hstack([x, col]) if x.shape[1] == SPAN else np.hstack([x[:, :SPAN], col, x[:, SPAN + 1:]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation of both models")
    ap.add_argument("--max-false-abstention", type=float, default=0.04)
    ap.add_argument("--report-test", action="store_true", help="score the odd (test) weeks once")
    ap.add_argument("--no-write", action="store_true", help="do not overwrite the shipped model files")
    args = ap.parse_args()
    data = pickle.loads(Path(args.data).read_bytes())
    rows = [r for r in data["rows"] if len(r["y"])]
    if not args.report_test:
        rows = [r for r in rows if r["split"] == "dev"]
    span_columns(rows)
    dev = [r for r in rows if r["split"] == "dev"]

    # ---- sentence model ------------------------------------------------------------------
    # Trained on questions where some candidate holds the answer verbatim (elsewhere the
    # answering sentence, if retrieved, paraphrases it and its label would be wrong) and on
    # unanswerable questions (every candidate a negative).
    clean = [r for r in dev if any(r["y"]) or not r["answerable"]]
    cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]
    for r in rows:
        r["xs"] = r["x"][:, cols]
    x = np.vstack([r["xs"] for r in clean])
    y = np.concatenate([np.asarray(r["y"], dtype=int) for r in clean])
    groups = np.concatenate([[r["week"]] * len(r["y"]) for r in clean])
    sent, oof, fold_models = fit_linear(x, y, groups, "answer_sentence", args.c)
    sent = LinearModel(**{**sent.__dict__, "features": SENTENCE_MODEL_FEATURES})
    # Out-of-fold probabilities for every dev question (each from the fold that did not see its week).
    oof_by_q = [fold_models[r["week"]].proba(r["xs"]) for r in dev]
    base_by_q = [np.asarray(r["relevance"]) for r in dev]
    report: dict = {"dev": {"questions": len(dev), "sentences": len(y), "positives": int(y.sum())}}
    report["dev"]["sentence_top1_hit"] = {"judge": round(top1(dev, oof_by_q), 4),
                                          "previous_relevance": round(top1(dev, base_by_q), 4)}
    report["dev"]["sentence_calibration"] = calibration(oof, y)
    print(f"dev sentence top-1 holds the answer: judge {report['dev']['sentence_top1_hit']['judge']:.3f} vs "
          f"previous relevance {report['dev']['sentence_top1_hit']['previous_relevance']:.3f}; "
          f"ECE {report['dev']['sentence_calibration']['ece']:.3f}", file=sys.stderr)

    # ---- question model (on out-of-fold sentence probabilities) ------------------------------
    qx, qy, kinds, weeks = question_rows(dev, oof_by_q, fold_models.__getitem__)
    qmodel, qoof, _ = fit_linear(qx, qy, np.asarray(weeks), "answerable", args.c)
    qmodel = LinearModel(**{**qmodel.__dict__, "features": QUESTION_FEATURES})
    grid = np.round(np.arange(0.02, 0.8, 0.01), 3)
    table = abstention_table(qoof, kinds, grid)
    ok = [row for row in table if row["false_abstention"] <= args.max_false_abstention]
    chosen = max(ok, key=lambda row: row["threshold"]) if ok else table[0]
    report["dev"]["question_calibration"] = calibration(qoof, qy)
    report["dev"]["abstention_curve"] = table
    report["dev"]["operating_point"] = chosen
    report["dev"]["counts"] = {k: kinds.count(k) for k in sorted(set(kinds))}
    print(f"dev operating point {chosen}", file=sys.stderr)

    meta = {"trained_on": "RealTime QA 2024 even weeks (dev)", "command": "python bench/train_judge.py",
            "c": args.c}
    sent = LinearModel(**{**sent.__dict__, "meta": {**meta, "dev_top1": report["dev"]["sentence_top1_hit"]}})
    qmodel = LinearModel(**{**qmodel.__dict__, "meta": {**meta, "operating_point": chosen}})
    if not args.no_write:
        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        (MODELS_DIR / "answer_sentence.json").write_text(json.dumps(sent.to_json(), indent=1))
        (MODELS_DIR / "answerable.json").write_text(json.dumps(qmodel.to_json(), indent=1))

    if args.report_test:
        test = [r for r in rows if r["split"] == "test"]
        p_test = [sent.proba(r["xs"]) for r in test]
        report["test"] = {"questions": len(test),
                          "sentence_top1_hit": {"judge": round(top1(test, p_test), 4), "previous_relevance":
                                                round(top1(test, [np.asarray(r["relevance"]) for r in test]), 4)}}
        tx, _, tkinds, _ = question_rows(test, p_test, lambda _week: sent)
        tp = qmodel.proba(tx)
        report["test"]["abstention_curve"] = abstention_table(tp, tkinds, grid)
        report["test"]["at_operating_point"] = abstention_table(tp, tkinds, [chosen["threshold"]])[0]
        report["test"]["counts"] = {k: tkinds.count(k) for k in sorted(set(tkinds))}
        print(f"test: {report['test']['sentence_top1_hit']} at operating point "
              f"{report['test']['at_operating_point']}", file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = RESULTS if not args.no_write else RESULTS.with_name("judge_trial.json")
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
