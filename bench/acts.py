"""Speech-act questions ("What did X ask / promise / warn ...?"): answers with and without
assistant/acts.py, in the same run.

Sets (evals/sets/): ``acts_dev`` and ``acts_test`` (written blind to assistant/acts.py from BBC
articles copied to evals/library_acts/; about half ask with another verb than the article's:
"promise" for "assured"), plus the follow-up sets ``followups_dev`` and ``followups`` (the
samples' pairs, the Tianjin pair among them). Single questions are asked alone; pairs as a
first question, then the follow-up with the first answer as history.

Library: samples/articles + evals/library + evals/library_acts + 100 BBC distractors, indexed
once into bench/.cache. For each question, with ``answer.speech_acts`` on and off (one
Assistant, the setting flipped between runs): the answer holds a key fact, the top-2 evidence
sentences hold one, the short answer holds one, and how many questions get a short answer.

    python bench/acts.py --sets acts_dev followups_dev        # dev: choices are made here
    python bench/acts.py --sets acts_test followups           # once, to report
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import corpus  # noqa: E402
import record  # noqa: E402

SETS = {name: ROOT / "evals" / "sets" / f"{name}.yaml" for name in ("acts_dev", "acts_test", "followups_dev",
                                                                       "followups")}
FOLDERS = [ROOT / "samples" / "articles", ROOT / "evals" / "library", ROOT / "evals" / "library_acts"]


def distractors(n: int) -> list[Path]:
    taken = {p.name for folder in FOLDERS if folder.exists() for p in folder.iterdir()}
    out = [art for art, _ in corpus.bbc_pairs() if f"bbc-{art.parent.name}-{art.stem}.txt" not in taken]
    step = max(1, len(out) // max(1, n))
    return out[::step][:n]


def _holds(text: str, facts: list[str]) -> bool:
    from assistant.evals import has_fact

    return bool(text) and any(has_fact(text, f) for f in facts)


def run_set(bot, name: str) -> dict:
    items = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
    rows = []
    for item in items:
        row = {"id": item["id"], "question": item.get("question") or item["followup"],
               "first": item.get("first")}
        for label, on in (("on", True), ("off", False)):
            bot.settings.answer.speech_acts = on
            history = None
            if item.get("first"):
                first = bot.ask(item["first"])
                history = [(item["first"], first.answer)]
            question = item.get("question") or item["followup"]
            t = time.perf_counter()
            answer = bot.ask(question, history=history)
            ms = (time.perf_counter() - t) * 1000
            evidence = bot.qa.prepare(question, history)[2].evidence
            short = answer.short_answer.text if answer.short_answer else ""
            row[label] = {"answer": answer.answer, "mode": answer.mode, "short": short,
                          "answer_holds": _holds(answer.answer, item["key_facts"]),
                          "top2_holds": _holds(" ".join(e.text for e in evidence[:2]), item["key_facts"]),
                          "short_holds": _holds(short, item["key_facts"]), "ms": round(ms)}
        bot.settings.answer.speech_acts = True
        rows.append(row)
        print(f"{item['id']}: on {int(row['on']['answer_holds'])}/{int(row['on']['short_holds'])} "
              f"off {int(row['off']['answer_holds'])}/{int(row['off']['short_holds'])} | {row['question'][:60]} "
              f"-> {row['on']['short'][:60]!r}", flush=True)
    n = len(rows)
    out: dict = {"questions": n}
    for label in ("on", "off"):
        out[label] = {
            "answer_holds": round(sum(r[label]["answer_holds"] for r in rows) / n, 3),
            "top2_holds": round(sum(r[label]["top2_holds"] for r in rows) / n, 3),
            "short_holds": round(sum(r[label]["short_holds"] for r in rows) / n, 3),
            "short_given": round(sum(bool(r[label]["short"]) for r in rows) / n, 3),
            "short_wrong": round(sum(bool(r[label]["short"]) and not r[label]["short_holds"] for r in rows) / n, 3),
        }
    out["rows"] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["acts_dev", "followups_dev"], choices=sorted(SETS))
    parser.add_argument("--distractors", type=int, default=100)
    args = parser.parse_args()

    from assistant.api import Assistant
    from assistant.settings import Settings

    data_dir = corpus.CACHE / f"acts-library-{args.distractors}"
    fresh = not data_dir.exists()
    bot = Assistant(Settings(data_dir=data_dir))
    if fresh:
        report = bot.ingest([str(p) for p in [*[f for f in FOLDERS if f.exists()], *distractors(args.distractors)]])
        if report.errors:
            raise SystemExit(f"ingest failed: {report.errors[:3]}")
    commit = record.commit()
    result = {"commit": commit, "library_documents": len(bot.documents()), "model": bot.settings.llm.backend}
    for name in args.sets:
        result[name] = run_set(bot, name)
        print(f"{name}: on {result[name]['on']} off {result[name]['off']}", flush=True)
    record.write(ROOT / "bench" / "results" / "acts.json", result, args.sets, SETS)


if __name__ == "__main__":
    main()
