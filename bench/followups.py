"""Follow-up resolution benchmark: does the follow-up's evidence (and answer) hold its key fact?

Sets
- dev: evals/sets/followups_dev.yaml, 41 pairs over 12 BBC articles (copied to evals/library/),
  used to develop assistant/conversation.py;
- samples: evals/sets/followups.yaml, the sample articles' 12 pairs (the Tianjin pair among
  them), kept as the held-out check.

Library: samples/articles + evals/library + N other BBC articles from the shared data as
distractors (default 100), indexed once into bench/.cache and reused.

Evidence mode (default; no model runs, so both resolvers are compared in one pass): the first
question's answer in the history is its two best evidence sentences (what the extractive
answer quotes); the follow-up is resolved by the resolver on main before this work ("before":
append the previous question when the follow-up leans on it) and by assistant/conversation.py
("after"), then retrieved and its evidence selected exactly as Assistant.ask does. Reported:
share of pairs whose key facts are in the top 2 evidence sentences (what the compact prompt
and the extractive answer use) and in the whole evidence list.
End-to-end mode (--end-to-end): Assistant.ask for the first question, then ask(history=...)
for the follow-up, as `assistant eval` does; key-fact recall of the follow-up answer.

    python bench/followups.py                  # evidence mode, before vs after, both sets
    python bench/followups.py --end-to-end --sets samples
"""

from __future__ import annotations

import argparse
import os
import re
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

SETS = {"dev": ROOT / "evals" / "sets" / "followups_dev.yaml", "samples": ROOT / "evals" / "sets" / "followups.yaml"}
# Follow-ups the library cannot answer (near misses), for --abstention: dev chooses the
# operating point, the samples' set is held out.
UNANSWERABLE = {"dev": ROOT / "evals" / "sets" / "followups_unanswerable_dev.yaml",
                "samples": ROOT / "evals" / "sets" / "followups_unanswerable.yaml"}
THRESHOLDS = [round(0.02 * k, 2) for k in range(16)]  # 0.00 .. 0.30
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


def previous_resolver(question, history, llm=None, settings=None):
    """The heuristic on main before this work: the previous question appended as context."""
    from assistant.conversation import Resolved, normalize_history
    from assistant.text import terms, words

    dependent = {"he", "she", "they", "it", "its", "their", "them", "him", "her", "his", "this", "that",
                 "these", "those", "there", "then", "also", "else", "other", "others", "former", "latter"}
    openers = re.compile(r"^\s*(and|but|so|also|what about|how about|and what|what else|why|then)\b", re.I)
    turns_ = normalize_history(history)
    previous = [text for role, text in turns_ if role == "user"][-(settings.history_turns if settings else 1):]
    needs = bool(set(words(question)) & dependent) or bool(openers.match(question)) or len(terms(question)) < 2
    if not previous or not needs:
        return Resolved(question)
    return Resolved(question, " ".join(previous))


def _facts(text: str, facts: list[str]) -> float:
    from assistant.evals import has_fact

    return sum(has_fact(text, f) for f in facts) / len(facts)


def evidence_set(bot, name: str) -> dict:
    """Key facts in the follow-up's evidence, before and after, with an extractive first answer."""
    import assistant.answer as answer_module
    from assistant.conversation import standalone_question

    items = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
    rows = []
    for item in items:
        first_evidence = bot.qa.prepare(item["first"])[2].evidence
        first_answer = " ".join(f"{e.text} [{k}]" for k, e in enumerate(first_evidence[:2], start=1))
        history = [(item["first"], first_answer)]
        row = {"id": item["id"], "followup": item["followup"], "first_answer": first_answer}
        for label, resolver in (("before", previous_resolver), ("after", standalone_question)):
            answer_module.standalone_question = resolver
            try:
                resolved, _, selection, _ = bot.qa.prepare(item["followup"], history)
                evidence = selection.evidence
            finally:
                answer_module.standalone_question = standalone_question
            row[label] = {"query": resolved.query,
                          "top2": _facts(" ".join(e.text for e in evidence[:2]), item["key_facts"]),
                          "all": _facts(" ".join(e.text for e in evidence), item["key_facts"]),
                          "best": evidence[0].text if evidence else ""}
        rows.append(row)
        print(f"{item['id']}: before {row['before']['top2']:.0f}/{row['before']['all']:.0f} "
              f"after {row['after']['top2']:.0f}/{row['after']['all']:.0f} | {row['after']['query'][:100]}", flush=True)
    n = len(rows)
    out = {"pairs": n, "articles": len({s["doc"] for i in items for s in i.get("support", [])})}
    for label in ("before", "after"):
        out[label] = {"key_facts_top2": round(sum(r[label]["top2"] for r in rows) / n, 3),
                      "key_facts_evidence": round(sum(r[label]["all"] for r in rows) / n, 3)}
    out["rows"] = rows
    return out


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
        rows.append({"id": item["id"], "first": item["first"], "first_answer": first.answer,
                     "followup": item["followup"], "standalone": follow.standalone_question,
                     "answer": follow.answer, "p_answerable": follow.answerable_score,
                     "abstained": follow.abstained, "key_facts": sum(found) / len(found), "support_cited": cited,
                     "ms": round(ms)})
        print(f"{item['id']}: {rows[-1]['key_facts']:.0f} | {follow.standalone_question or item['followup']} -> "
              f"{follow.answer[:110]!r}", flush=True)
    n = len(rows)
    return {"pairs": n, "articles": len({s['doc'] for i in items for s in i.get('support', [])}),
            "key_fact_recall": round(sum(r["key_facts"] for r in rows) / n, 3),
            "support_cited": round(sum(r["support_cited"] for r in rows) / n, 3),
            "abstained": sum(r["abstained"] for r in rows), "rows": rows}


def abstention_set(bot, never, name: str) -> dict:
    """Each follow-up (answerable and not) answered once with the follow-up operating point at 0
    (``never``: the same library, abstaining only for the other reasons), keeping the judge's
    P(answerable); every operating point is then scored from those answers: an answerable pair
    counts when it is answered with its key facts, an unanswerable one when it is declined."""
    from assistant.evals import has_fact

    rows = []
    for kind, path in (("answerable", SETS[name]), ("unanswerable", UNANSWERABLE[name])):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            first = bot.ask(item["first"])
            follow = never.ask(item["followup"], history=[(item["first"], first.answer)])
            facts = item.get("key_facts") or []
            # Read against the conversation (the follow-up operating point applies) or on its own.
            rows.append({"id": item["id"], "kind": kind, "p": follow.answerable_score,
                         "followup_read": follow.standalone_question is not None,
                         "other_abstention": follow.abstained, "followup": item["followup"],
                         "standalone": follow.standalone_question,
                         "key_facts": (sum(has_fact(follow.answer, f) for f in facts) / len(facts)) if facts else 0.0})
            print(f"{item['id']}: {kind} p={follow.answerable_score} facts={rows[-1]['key_facts']:.2f} | "
                  f"{follow.standalone_question or item['followup']}", flush=True)
    answerable = [r for r in rows if r["kind"] == "answerable"]
    unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    curve = []
    for t in THRESHOLDS:
        def answered(r: dict, t: float = t) -> bool:
            return not r["other_abstention"] and (not r["followup_read"] or r["p"] is None or r["p"] >= t)
        recall = sum(r["key_facts"] for r in answerable if answered(r)) / len(answerable)
        curve.append({"threshold": t, "key_fact_recall": round(recall, 3),
                      "false_abstention": round(sum(not answered(r) for r in answerable) / len(answerable), 3),
                      "unanswerable_declined": round(sum(not answered(r) for r in unanswerable) / len(unanswerable),
                                                     3)})
    return {"answerable": len(answerable), "unanswerable": len(unanswerable), "curve": curve, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "samples"], choices=sorted(SETS))
    parser.add_argument("--distractors", type=int, default=100)
    parser.add_argument("--end-to-end", action="store_true", help="full answers (runs the model; slow)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--abstention", action="store_true",
                        help="the follow-up abstention curve: answerable and unanswerable follow-ups (runs the model)")
    args = parser.parse_args()

    from qa_benchmark import index_key

    from assistant.api import Assistant
    from assistant.settings import Settings

    # Keyed by what fills the index too (chunking, embedding runtimes), like qa_benchmark's cache.
    data_dir = args.data_dir or corpus.CACHE / f"followups-library-{args.distractors}-{index_key(Settings())}"
    fresh = not data_dir.exists()
    bot = Assistant(Settings(data_dir=data_dir))
    if fresh:
        build(bot, args.distractors)
    commit = record.commit()
    mode = "abstention" if args.abstention else "end_to_end" if args.end_to_end else "evidence"
    result = {"mode": mode, "commit": commit, "library_documents": len(bot.documents()),
              "resolver": bot.settings.answer.condense,
              "followup_abstain_below": bot.settings.answer.followup_abstain_below}
    never = Assistant(Settings(data_dir=data_dir, answer={"followup_abstain_below": 0.0})) if args.abstention else None
    for name in args.sets:
        if args.abstention:
            result[name] = abstention_set(bot, never, name)
            print(f"{name}: {result[name]['answerable']} answerable, {result[name]['unanswerable']} unanswerable")
            print("threshold  key-fact recall  false abstention  unanswerable declined")
            for row in result[name]["curve"]:
                print(f"{row['threshold']:9.2f}  {row['key_fact_recall']:15.3f}  {row['false_abstention']:16.3f}  "
                      f"{row['unanswerable_declined']:21.3f}", flush=True)
        elif args.end_to_end:
            result[name] = score_set(bot, name)
            print(f"{name}: key-fact recall {result[name]['key_fact_recall']} over {result[name]['pairs']} pairs, "
                  f"support cited {result[name]['support_cited']}, abstained {result[name]['abstained']}", flush=True)
        else:
            result[name] = evidence_set(bot, name)
            print(f"{name}: before {result[name]['before']} after {result[name]['after']}", flush=True)
    record.write(ROOT / "bench" / "results" / f"followups_{mode}.json", result, args.sets, SETS)


if __name__ == "__main__":
    main()
