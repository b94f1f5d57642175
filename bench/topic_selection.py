"""Which articles a topic brief reads: measured against judgements of 56 hand-written topics.

A topic brief keeps the retrieved articles that are "on the topic" (assistant/brief/articles.py).
That rule was set by hand; this bench measures it and trains the model that replaced it, on
56 topics written by hand over the 2,225 BBC News 2004-05 articles (bench/data/topics/
topics.yaml: 40 dev topics, dev and dev2, to train on and choose the operating point by
cross-validation grouped by topic; 16 test topics reported once, with the rule before and
round 1's model, bench/results/topic_model_round1.json, in the same run), each with a
one-line scope that is the labelling rule; the on-topic judgements were made by AI annotator sessions reading the
articles (bench/data/topics/README.md says how, and what that means).

Two steps:

    # 1. the candidate pool: every article the topic's retrieval returns (k = --pool passages),
    #    with the signals the selection rule can use; written for labelling
    python bench/topic_selection.py candidates
    # 2. after bench/data/topics/labels.jsonl holds a judgement per candidate:
    python bench/topic_selection.py evaluate --test --write-model --out bench/results/topic_selection.json

The library (all BBC articles, copied to one fixed folder so chunk ids are stable) is built
once into bench/.cache/topic-library (about 3 minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

from assistant.brief.articles import (  # noqa: E402
    MODEL_PATH,
    TOPIC_FEATURES,
    title_cosines,
    topic_features,
    topic_signals,
)
from assistant.judge.linear import LinearModel  # noqa: E402
from assistant.settings import BriefSettings  # noqa: E402

TOPICS = ROOT / "bench" / "data" / "topics" / "topics.yaml"
CANDIDATES = corpus.CACHE / "topic_candidates.jsonl"
LABELS = ROOT / "bench" / "data" / "topics" / "labels.jsonl"
LIBRARY = corpus.CACHE / "topic-library"
# Round 1's model (22 dev topics, six features; shipped at b7fc0f0), scored beside the current one.
ROUND1 = ROOT / "bench" / "results" / "topic_model_round1.json"
ARTICLES = Path(tempfile.gettempdir()) / "topic-selection-articles"


def topics() -> list[dict]:
    import yaml
    raw = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))
    # dev2 was round 1's test split (reported once); it is dev data now.
    return [dict(t, split="dev" if split == "dev2" else split) for split in ("dev", "dev2", "test")
            for t in raw.get(split, [])]


def library():
    from assistant.api import Assistant
    from assistant.settings import Settings

    done = LIBRARY / "ingested"
    if not done.exists():
        shutil.rmtree(LIBRARY, ignore_errors=True)
        shutil.rmtree(ARTICLES, ignore_errors=True)
        for folder in corpus.bbc_folders():
            shutil.copytree(folder, ARTICLES)
        bot = Assistant(Settings(data_dir=LIBRARY / "data"))
        report = bot.ingest([ARTICLES])
        if report.errors:
            raise SystemExit(f"ingest failed: {report.errors[:3]}")
        done.write_text(f"{report}\n")
        return bot
    return Assistant(Settings(data_dir=LIBRARY / "data"))


def pool(bot, topic: str, k: int) -> tuple[list[dict], list[float] | None]:
    """The retrieved passages' metadata, best first, and the topic's query vector."""
    got = bot.retriever.retrieve(topic, None, k=k, mode="hybrid")  # as select_documents, whatever retrieval.mode says
    return [c.metadata for c in got.chunks], got.query_vector


def candidates(k: int) -> None:
    bot = library()
    by_id = {r.doc_id: r for r in bot.documents()}
    rows = []
    for t in topics():
        found = topic_signals(pool(bot, t["topic"], k)[0])
        for doc_id, d in found.items():
            doc = by_id[doc_id]
            text = bot.document_text(doc_id) or ""
            lead = " ".join(text.split()[:70])
            rows.append({"split": t["split"], "topic": t["topic"], "scope": t["scope"], "doc_id": doc_id,
                         "first_rank": d["first_rank"], "passages": d["passages"], "dense": d["dense"][0],
                         "keyword_share": d["keyword_share"],
                         "title": doc.title, "section": Path(doc.path or "").parent.name,
                         "file": Path(doc.path or "").name, "lead": lead})
        print(f"{t['split']:4} {t['topic']}: {len(found)} articles")
    CANDIDATES.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {CANDIDATES}: {len(rows)} candidates")


def load_labels() -> dict[tuple[str, str], bool]:
    if not LABELS.exists():
        raise SystemExit(f"{LABELS} is missing: label the candidates first (see the module docstring)")
    out = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out[(r["topic"], r["doc_id"])] = bool(r["on_topic"])
    return out


def prf(chosen: set[str], relevant: set[str]) -> dict:
    tp = len(chosen & relevant)
    p = tp / len(chosen) if chosen else (1.0 if not relevant else 0.0)
    r = tp / len(relevant) if relevant else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "chosen": len(chosen), "relevant": len(relevant), "off_topic_chosen": len(chosen - relevant)}


def macro(rows: list[dict]) -> dict:
    keys = ("precision", "recall", "f1")
    out = {k: round(sum(r[k] for r in rows) / len(rows), 3) for k in keys}
    out["topics"] = len(rows)
    out["off_topic_chosen"] = sum(r["off_topic_chosen"] for r in rows)
    out["chosen"] = sum(r["chosen"] for r in rows)
    out["topics_with_an_off_topic_article"] = sum(r["off_topic_chosen"] > 0 for r in rows)
    out["topics_under_3_articles"] = sum(r["chosen"] < 3 for r in rows)
    return out


def featurise(bot, k: int) -> list[dict]:
    """Every retrieved (topic, article) with the product's topic features (assistant/brief/
    articles.py) and its label (None when unlabelled)."""
    labels = load_labels()
    titles = {r.doc_id: r.title for r in bot.documents()}
    rows = []
    for t in topics():
        passages, vector = pool(bot, t["topic"], k)
        signals = topic_signals(passages)
        these = {d: titles[d] or "" for d in signals}
        leads = {d: bot.document_text(d) or "" for d in signals}
        cosines = title_cosines(bot.retriever.index.embedder, vector, t["topic"], these)
        for doc_id, x in zip(signals, topic_features(signals, t["topic"], these, leads, cosines), strict=True):
            rows.append({"split": t["split"], "topic": t["topic"], "doc_id": doc_id,
                         "label": labels.get((t["topic"], doc_id)), "x": x.tolist()})
    return rows


# The rule before the topic model (set by hand): an article is on the topic when a passage
# reaches 0.3 dense cosine or half the best keyword score.
BEFORE_MIN_SIMILARITY, BEFORE_KEYWORD_SHARE = 0.3, 0.5


def pick(rows: list[dict], p_of: dict, threshold: float, limit: int) -> list[str]:
    """As the product's on_topic: the most probable ``limit`` of those at ``threshold``."""
    keep = [r for r in rows if p_of[(r["topic"], r["doc_id"])] >= threshold]
    return [r["doc_id"] for r in sorted(keep, key=lambda r: -p_of[(r["topic"], r["doc_id"])])[:limit]]


def evaluate(k: int, out: Path | None, with_test: bool, write_model: bool) -> None:
    import numpy as np
    from train_judge import calibration, fit_linear

    s = BriefSettings()
    bot = library()
    rows = featurise(bot, k)
    labels = load_labels()
    unlabelled = [r for r in rows if r["label"] is None]
    rows = [r for r in rows if r["label"] is not None]
    report: dict = {"command": "python bench/topic_selection.py " + " ".join(sys.argv[1:]), "k": k,
                    "unlabelled_retrieved": len(unlabelled), "features": list(TOPIC_FEATURES)}

    def relevant(topic: str) -> set[str]:
        return {d for (t, d), y in labels.items() if t == topic and y}

    def score_rule(split: str, chosen_of) -> dict:
        per = []
        for t in [t for t in topics() if t["split"] == split]:
            per.append(prf(set(chosen_of(t["topic"])), relevant(t["topic"])))
        return macro(per)

    by_topic: dict[str, list[dict]] = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r)

    def shipped(topic: str) -> list[str]:
        rs = by_topic.get(topic, [])
        return [r["doc_id"] for r in rs if r["x"][0] >= BEFORE_MIN_SIMILARITY
                or r["x"][2] >= BEFORE_KEYWORD_SHARE][: s.max_documents]

    def everything(topic: str) -> list[str]:
        return [r["doc_id"] for r in by_topic.get(topic, [])][: s.max_documents]

    dev = [r for r in rows if r["split"] == "dev"]
    x = np.asarray([r["x"] for r in dev])
    y = np.asarray([r["label"] for r in dev], dtype=int)
    groups = np.asarray([r["topic"] for r in dev])
    model, oof, _ = fit_linear(x, y, groups, "topic", c=1.0)
    oof_of = {(r["topic"], r["doc_id"]): p for r, p in zip(dev, oof, strict=True)}
    sweep = {}
    for thr in np.round(np.arange(0.1, 0.91, 0.05), 2):
        def learned(topic, thr=thr):
            return pick(by_topic.get(topic, []), oof_of, thr, s.max_documents)
        sweep[float(thr)] = score_rule("dev", learned)
    best = max(sweep, key=lambda t: (sweep[t]["f1"], -abs(t - 0.5)))
    report["dev_topics"] = sorted({r["topic"] for r in dev})
    report["dev"] = {"pairs": len(dev), "on_topic": int(y.sum()),
                     "retrieved_everything": score_rule("dev", everything),
                     "shipped_rule": score_rule("dev", shipped),
                     "learned_out_of_fold": sweep[best], "threshold": best, "sweep": sweep,
                     "calibration_out_of_fold": calibration(oof, y)}
    test = [r for r in rows if r["split"] == "test"]
    if with_test:
        pt = model.proba(np.asarray([r["x"] for r in test]))
        p_of = {(r["topic"], r["doc_id"]): p for r, p in zip(test, pt, strict=True)}

        def learned_test(topic):
            return pick(by_topic.get(topic, []), p_of, best, s.max_documents)
        round1 = LinearModel.from_json(json.loads(ROUND1.read_text(encoding="utf-8")), str(ROUND1))
        p1 = round1.proba(np.asarray([r["x"] for r in test])[:, round1.columns(TOPIC_FEATURES)])
        p1_of = {(r["topic"], r["doc_id"]): p for r, p in zip(test, p1, strict=True)}
        round1_point = round1.meta["operating_point"]

        def round1_test(topic):
            return pick(by_topic.get(topic, []), p1_of, round1_point, s.max_documents)
        yt = np.asarray([r["label"] for r in test], dtype=int)
        report["test"] = {"pairs": len(test), "on_topic": int(yt.sum()),
                          "retrieved_everything": score_rule("test", everything),
                          "shipped_rule": score_rule("test", shipped),
                          "round1_model": score_rule("test", round1_test),
                          "learned": score_rule("test", learned_test), "calibration": calibration(pt, yt)}
    report["model"] = {"coef": dict(zip(TOPIC_FEATURES, np.round(model.coef, 3).tolist(), strict=True)),
                       "intercept": round(model.intercept, 3)}
    if write_model:
        shipped_model = LinearModel(
            name="topic", features=TOPIC_FEATURES, mean=model.mean.round(6), scale=model.scale.round(6),
            coef=model.coef.round(6), intercept=round(model.intercept, 6), calib_a=round(model.calib_a, 6),
            calib_b=round(model.calib_b, 6), meta={
                "trained_on": f"{len(dev)} (topic, article) pairs of the {len(report['dev_topics'])} dev topics in "
                              "bench/data/topics (BBC News 2004-05, AI-annotator judgements)",
                "command": "python bench/topic_selection.py " + " ".join(sys.argv[1:]),
                "operating_point": best, "dev_out_of_fold": sweep[best]})
        MODEL_PATH.write_text(json.dumps(shipped_model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH} (operating point {best}: set brief.topic_min_probability to it)")
    print(json.dumps({k_: v for k_, v in report.items() if k_ != "dev"} | {"dev": {
        k_: v for k_, v in report["dev"].items() if k_ != "sweep"}}, indent=1))
    if out:
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidates")
    c.add_argument("--pool", type=int, default=120, help="passages retrieved per topic (shipped topic_k is 80)")
    e = sub.add_parser("evaluate")
    e.add_argument("--k", type=int, default=BriefSettings().topic_k,
                   help="passages retrieved per topic (default: the shipped brief.topic_k)")
    e.add_argument("--out", type=Path, default=None)
    e.add_argument("--write-model", action="store_true", help="write assistant/brief/topic_model.json")
    e.add_argument("--test", action="store_true", help="also report the test topics (once, when the design is fixed)")
    args = ap.parse_args()
    if args.cmd == "candidates":
        candidates(args.pool)
    else:
        evaluate(args.k, args.out, args.test, args.write_model)


if __name__ == "__main__":
    main()
