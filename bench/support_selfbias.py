"""Does the likelihood stage believe the local model's own sentences? (issue 14)

judge/likelihood.py asks the bundled SmolLM2 how predictable a claim is from its passages.
A sentence the same model wrote from those passages is predictable to it by construction, so
for the local model's drafts the stage could wave errors through. The bundled model does not
write answers by default (answer.generate=auto), but it does when asked (generate=always).

This script makes the local model write: the first 40 answerable questions of evals/sets/answerable.yaml
over samples/articles, answer.generate=always. Every draft sentence the answer policy checks
is recorded with the evidence it was checked against, and scored twice, by the support model
alone and with the likelihood stage. The drafts are then labelled by hand (supported by the
cited evidence or not: bench/data/support_selfbias_labels.json, written by reading each row
against its evidence, not from either score), and both checks are scored against the labels.

    PYTHONPATH=$PWD python bench/support_selfbias.py --collect   # ~10 min: drafts + both scores
    PYTHONPATH=$PWD python bench/support_selfbias.py             # metrics against the labels
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = ROOT / "bench" / "results" / "support_selfbias_rows.json"
LABELS = ROOT / "bench" / "data" / "support_selfbias_labels.json"
RESULTS = ROOT / "bench" / "results" / "support_selfbias.json"


def collect(limit: int) -> None:
    import assistant.grounding as grounding
    from assistant.api import Assistant
    from assistant.settings import Settings

    recorded = []
    original = grounding.check_claims

    def recording(claims, evidence, checker, standalone, own_markers, claim_relevance):
        recorded.append({"question": standalone, "claims": [c for c, _ in claims],
                         "evidence": [{"text": e.text, "doc": e.doc_id, "context": e.context,
                                       "vector": [float(v) for v in e.vector]} for e in evidence]})
        return original(claims, evidence, checker, standalone, own_markers, claim_relevance)

    grounding.check_claims = recording
    import assistant.answer as answer_module

    if hasattr(answer_module, "check_claims"):
        answer_module.check_claims = recording
    data = Path(tempfile.mkdtemp(prefix="bench-selfbias-"))
    bot = Assistant(Settings(data_dir=data, answer={"generate": "always"}, verify={"likelihood": False}))
    bot.ingest([ROOT / "samples" / "articles"])
    items = yaml.safe_load((ROOT / "evals" / "sets" / "answerable.yaml").read_text())[:limit]
    for k, item in enumerate(items):
        bot.ask(item["question"])
        print(f"  {k + 1}/{len(items)} questions, {sum(len(r['claims']) for r in recorded)} drafts", file=sys.stderr)

    base = bot.checker
    from assistant.settings import VerifySettings
    from assistant.verify import SupportChecker

    stacked = SupportChecker(base.embedder, VerifySettings(likelihood=True))
    rows = []
    for r in recorded:
        ev = r["evidence"]
        args = dict(passages=[e["text"] for e in ev], passage_vectors=[e["vector"] for e in ev],
                    question=r["question"], groups=[e["doc"] for e in ev], contexts=[e["context"] for e in ev])
        plain, both = base.check_many(r["claims"], **args), stacked.check_many(r["claims"], **args)
        for claim, b, s in zip(r["claims"], plain, both, strict=True):
            rows.append({"id": len(rows), "question": r["question"], "claim": claim,
                         "cited": [ev[i]["text"] for i in b.passages] or [ev[0]["text"]],
                         "base": {"score": round(b.score, 4), "supported": b.supported, "reason": b.reason},
                         "stacked": {"score": round(s.score, 4), "supported": s.supported, "reason": s.reason}})
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    ROWS.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {len(rows)} drafts to {ROWS}", file=sys.stderr)


def score() -> None:
    from sklearn.metrics import roc_auc_score

    rows = json.loads(ROWS.read_text())
    labels = {int(k): v for k, v in json.loads(LABELS.read_text())["labels"].items()}
    done = [r for r in rows if r["id"] in labels]
    y = [labels[r["id"]]["supported"] for r in done]
    out = {"command": "PYTHONPATH=$PWD python bench/support_selfbias.py", "drafts": len(rows),
           "labelled": len(done), "supported_by_label": sum(y), "checks": {}}
    for name in ("base", "stacked"):
        s = [r[name]["score"] for r in done]
        ok = [r[name]["supported"] for r in done]
        out["checks"][name] = {
            "auc": round(float(roc_auc_score(y, s)), 3) if 0 < sum(y) < len(y) else None,
            "unsupported_accepted": sum(1 for a, b in zip(ok, y, strict=True) if a and not b),
            "supported_rejected": sum(1 for a, b in zip(ok, y, strict=True) if b and not a),
            "accepted": sum(ok)}
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--collect", action="store_true", help="make the drafts and score them (slow)")
    ap.add_argument("--limit", type=int, default=40, help="the first N questions of answerable.yaml")
    args = ap.parse_args()
    if args.collect:
        collect(args.limit)
    else:
        score()


if __name__ == "__main__":
    main()
