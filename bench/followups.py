"""Follow-up resolution benchmark: key-fact recall of follow-up answers through Assistant.ask(history=...).

Sets
- dev: evals/sets/followups_dev.yaml, 41 pairs over 12 BBC articles (copied to evals/library/),
  used to develop assistant/conversation.py;
- samples: evals/sets/followups.yaml, the sample articles' 12 pairs (the Tianjin pair among
  them), kept as the held-out check.

Library: samples/articles + evals/library + N other BBC articles from the shared data as
distractors (default 100), indexed once into bench/.cache and reused. For every pair the
first question is asked, then the follow-up with the first answer as history, exactly as
`assistant eval` does; a pair scores the share of its key facts found in the follow-up answer
(normalised as in assistant/evals.py). Also reported: how often a supporting quote of the
follow-up is among the answer's citations, and the abstentions.

    python bench/followups.py                        # both sets, this branch's resolver
    python bench/followups.py --label before         # name the results file
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import corpus  # noqa: E402

SETS = {"dev": ROOT / "evals" / "sets" / "followups_dev.yaml", "samples": ROOT / "evals" / "sets" / "followups.yaml"}
LIBRARY = ROOT / "evals" / "library"
SAMPLES = ROOT / "samples" / "articles"


def distractors(n: int) -> list[Path]:
    """n BBC articles in a fixed order, none of them already in the library."""
    taken = {p.name for p in LIBRARY.glob("*.txt")} | {p.name for p in SAMPLES.iterdir()}
    out = []
    for art, _ in corpus.bbc_pairs():
        name = f"bbc-{art.parent.name}-{art.stem}.txt"
        if name not in taken:
            out.append(art)
    step = max(1, len(out) // max(1, n))
    return out[::step][:n]


def build(bot, n_distractors: int) -> None:
    paths = [SAMPLES, LIBRARY, *distractors(n_distractors)]
    report = bot.ingest([str(p) for p in paths])
    if report.errors:
        raise SystemExit(f"ingest failed: {report.errors[:3]}")


def score_set(bot, name: str) -> dict:
    from assistant.evals import has_fact

    items = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
    rows = []
    for item in items:
        first = bot.ask(item["first"])
        t = time.perf_counter()
        follow = bot.ask(item["followup"], history=[(item["first"], first.answer)])
        ms = (time.perf_counter() - t) * 1000
        found = [has_fact(follow.answer, f) for f in item["key_facts"]]
        quotes = [s["quote"] for s in item.get("support", [])]
        cited = any(q in c.quote or c.quote in q for q in quotes for c in follow.citations)
        rows.append({"id": item["id"], "first": item["first"], "followup": item["followup"],
                     "standalone": follow.standalone_question, "answer": follow.answer,
                     "abstained": follow.abstained, "key_facts": sum(found) / len(found), "support_cited": cited,
                     "ms": round(ms)})
        print(f"{item['id']}: {rows[-1]['key_facts']:.0f} | {follow.standalone_question or item['followup']} -> "
              f"{follow.answer[:110]!r}", flush=True)
    n = len(rows)
    return {"pairs": n, "articles": len({s['doc'] for i in items for s in i.get('support', [])}),
            "key_fact_recall": round(sum(r["key_facts"] for r in rows) / n, 3),
            "support_cited": round(sum(r["support_cited"] for r in rows) / n, 3),
            "abstained": sum(r["abstained"] for r in rows), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "samples"], choices=sorted(SETS))
    parser.add_argument("--distractors", type=int, default=100)
    parser.add_argument("--label", default="after")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()

    from assistant.api import Assistant
    from assistant.settings import Settings

    data_dir = args.data_dir or corpus.CACHE / f"followups-library-{args.distractors}"
    fresh = not data_dir.exists()
    bot = Assistant(Settings(data_dir=data_dir))
    if fresh:
        build(bot, args.distractors)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    result = {"label": args.label, "commit": commit, "library_documents": len(bot.documents()),
              "resolver": bot.settings.answer.condense}
    for name in args.sets:
        result[name] = score_set(bot, name)
        print(f"{name}: key-fact recall {result[name]['key_fact_recall']} over {result[name]['pairs']} pairs, "
              f"support cited {result[name]['support_cited']}, abstained {result[name]['abstained']}", flush=True)
    out = ROOT / "bench" / "results" / f"followups_{args.label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
