"""Short-answer exact match and token F1 (SQuAD normalisation) against the quiz's right choice,
in the oracle setting: the candidate sentences are the question's own RealTime QA excerpt,
ranked by question-term overlap (top 3), so this measures the span ranker alone. The lead's
end-to-end numbers (retrieval + evidence + span) come from bench/qa_benchmark.py.

- dev: out-of-fold predictions, 5 folds grouped by week, each fold's model refitted on the
  other dev weeks with the C in the model file (no dev question scores a model that saw it);
- test: the shipped model (fitted on all dev weeks) on the odd weeks, run once.

Every question that comes with an excerpt counts; no span (or a span below the floor) scores 0.
Reported per variant (lexical; embedding = with all-MiniLM-L6-v2 similarities), at floor 0
(always answer) and at the model file's floor, with the median answer length in words and the
share of questions whose right choice is among the candidate spans at all (the ceiling).

    python bench/short_answer.py --split dev
    python bench/short_answer.py --split test
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import train_short_answer as t  # noqa: E402

from assistant.short_answer import MODEL_PATH, load_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], required=True)
    parser.add_argument("--variants", nargs="+", default=["lexical", "embedding"], choices=["lexical", "embedding"])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    stored = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    embed = t.CachedEmbedder() if "embedding" in args.variants else None
    examples = t.examples(args.split, args.limit)
    result: dict = {"split": args.split, "setting": "oracle: the question's excerpt, top 3 sentences by term overlap",
                    "questions": len(examples)}
    for variant in args.variants:
        floor = stored[variant]["min_score"]
        c_emb = stored["embedding"]["C"] if variant == "embedding" else None
        if args.split == "dev":
            preds = t.cross_validate(examples, stored["lexical"]["C"], c_emb, embed)
        else:
            models = (load_model("lexical"), load_model("embedding") if variant == "embedding" else None)
            preds = [(e, *t.predict(models, e, embed)) for e in examples]
        result[variant] = t.summary(preds, floor)
        print(variant, json.dumps(result[variant]), flush=True)
    if embed is not None:
        embed.save()
    out = ROOT / "bench" / "results" / f"short_answer_{args.split}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
