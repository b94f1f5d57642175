"""Experiment: which evidence sentences an extractive answer should quote (dev weeks only).

The bundled model no longer writes answers (settings answer.generate), so the quoted sentences
are the answer. Today: the judge's best two, whatever their article or score. A second sentence
from an unrelated story ("warning lights" for "What did Blinken warn about?") reads as part of
the answer. This replays the evidence of every answerable dev question once and scores rules for
the second (and third) quote: answer hit (the quiz's answer in the quoted text), words quoted,
and how often a quote comes from another article than the best sentence without holding the
answer.

    python bench/quote_choice_exp.py [--limit 500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from qa_benchmark import contains, open_library  # noqa: E402

from assistant.text import is_question, words  # noqa: E402


def collect(limit: int) -> list[dict]:
    bot = open_library({})
    qs = [q for q in corpus.split(corpus.questions(), "dev") if q.evidence]
    qs = qs[:: max(1, len(qs) // limit)][:limit]
    out = []
    for q in qs:
        _, _, sel, _ = bot.qa.prepare(q.question)
        if bot.qa.abstain_reason(sel):
            continue
        ev = [e for e in sel.evidence if not e.instruction and not is_question(e.text)]
        out.append({"q": q.question, "gold": q.answer, "ev": [
            {"text": e.text, "rel": e.relevance, "p": e.p_answer or 0.0, "doc": e.doc_id} for e in ev]})
    return out


def quoted(ev: list[dict], rule: str, f: float, most: int) -> list[dict]:
    if not ev:
        return []
    top, picked = ev[0], [ev[0]]
    for e in ev[1:]:
        if len(picked) >= most:
            break
        ok = {"all": True,
              "rel": e["rel"] >= f * top["rel"],
              "p": e["p"] >= f * top["p"],
              "same_doc": e["doc"] == top["doc"],
              "rel_or_same": e["rel"] >= f * top["rel"] or e["doc"] == top["doc"],
              "rel_and_same": e["rel"] >= f * top["rel"] and e["doc"] == top["doc"],
              # another article's sentence at f x the best's relevance, the same article's at 0.5 x
              "other_f_same_half": e["rel"] >= (0.5 if e["doc"] == top["doc"] else f) * top["rel"]}[rule]
        if ok:
            picked.append(e)
    return picked


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--cache", default=str(ROOT / "bench" / ".cache" / "quote_choice_dev.json"))
    args = ap.parse_args()
    cache = Path(args.cache)
    if cache.exists():
        items = json.loads(cache.read_text())
    else:
        items = collect(args.limit)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(items))
    print(f"{len(items)} answered dev questions")
    results = []
    for most in (1, 2, 3):
        for rule, fs in [("all", [0]), ("same_doc", [0]), ("rel", [0.5, 0.6, 0.7, 0.8, 0.9]),
                         ("p", [0.1, 0.2, 0.3, 0.5]), ("rel_or_same", [0.6, 0.7, 0.8]),
                         ("rel_and_same", [0.5, 0.6, 0.7]), ("other_f_same_half", [0.7, 0.8, 0.9])]:
            for f in fs:
                if most == 1 and (rule, f) != ("all", 0):
                    continue
                hit = stray = quotes = 0
                wl = []
                for it in items:
                    qs = quoted(it["ev"], rule, f, most)
                    text = " ".join(e["text"] for e in qs)
                    hit += contains(text, it["gold"])
                    wl.append(len(words(text)))
                    quotes += len(qs)
                    stray += sum(1 for e in qs[1:] if e["doc"] != qs[0]["doc"] and not contains(e["text"], it["gold"]))
                n = len(items)
                row = {"most": most, "rule": rule, "f": f, "hit": hit / n, "median_words": statistics.median(wl),
                       "quotes_per_answer": quotes / n, "stray_per_answer": stray / n}
                results.append(row)
                print(f"most {most} {rule:13} f={f:<4} hit {hit / n:.3f}  median words {statistics.median(wl):5.1f}"
                      f"  quotes {quotes / n:.2f}  stray {stray / n:.3f}")
    (ROOT / "bench" / "results" / "quote_choice_exp.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
