"""Experiment: does the short-answer span ranker answer questions written by reading an article
better when it also learns from synthetic questions made from BBC dev articles?

The ranker (assistant/short_answer.py) is fitted on the RealTime QA quiz's dev weeks: questions
that paraphrase their excerpt ("Terror threat" for "a terrorist attack plot"). Questions people
write while reading an article stay closer to its wording ("Who won best director at the
Baftas?" over "... best director for Mike Leigh ..."), and there the ranker often picks the
sentence's first name (eval set: "Jamie Foxx"). Synthetic questions in the manner of cloze QA
(Lewis et al. 2019): a span of a BBC dev sentence (a person's name, a place after "in", a number,
an amount, a percentage, a date) is replaced by its wh-phrase ("... best director for who"),
cut to the words around it; the candidates are the article's three sentences closest to the
question, and the removed span is the answer.

Measured, nothing shipped by this script:
- quiz dev weeks, 5-fold by week, oracle sentences (as bench/train_short_answer.py): every fold's
  model fitted on its training weeks plus N synthetic questions (never scored);
- the eval set's answerable questions (evals/sets/answerable.yaml, dev), replayed on the
  sentences the shipped pipeline cited (an `assistant eval` report), scored as `assistant eval`
  scores short answers (token F1 against the reference answers).

Result (2026-12-02, not shipped): worse on both. Quiz dev exact match / F1 at floor 0: no
synthetic questions 0.334 / 0.425, with 400: 0.314 / 0.408; the eval set's replayed short-answer
F1 0.232 -> 0.223 (80 questions; the replay approximates the pipeline's candidate scores, which
is why its 0.232 is not `assistant eval`'s 0.255). The questions this makes are rough ("... new
how much stadium had no affect on Wenger's spending power?"), and the quiz loses more than the
article-worded questions gain; a cleaner generator was not tried.

    python bench/span_synth_exp.py --report /path/to/report.json [--n 0 400 1600]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import train_short_answer as tsa  # noqa: E402
import yaml  # noqa: E402
from brief_data import bbc  # noqa: E402

from assistant.evals import token_f1  # noqa: E402
from assistant.facts import gazetteer  # noqa: E402
from assistant.question import analyse  # noqa: E402
from assistant.short_answer import Candidate, normalize_answer, rank, spans  # noqa: E402
from assistant.text import sentences, words  # noqa: E402

_LOCATIVE = {"in", "at", "from", "near"}
_TIME_BEFORE = {"on", "in", "since", "by", "during"}
WINDOW = 8  # words kept either side of the wh-phrase


def _wh(row, text: str) -> tuple[str, int] | None:
    """The wh-phrase for a span and where the replaced text starts (a preposition before a
    place or a date goes with it), or None for a span this makes no clean question of."""
    before = text[:row.start].split()
    prev = before[-1].lower() if before else ""
    f = row.features
    if row.shape == "money":
        return "how much", row.start
    if row.shape == "percent":
        return "what percentage", row.start
    if row.shape == "number" and row.text[:1].isdigit():
        return "how many", row.start
    if row.shape == "time":
        if prev in _TIME_BEFORE:
            return "when", row.start - len(before[-1]) - 1
        return "when", row.start
    if row.shape == "name" and f.get("maximal"):
        if gazetteer().kind(row.text) and prev in _LOCATIVE:
            return "where", row.start - len(before[-1]) - 1
        if f.get("person_sign") and len(row.text.split()) >= 2:
            return "who", row.start
    return None


def synthetic(n: int, seed: int = 14) -> list[tsa.Example]:
    """Up to ``n`` questions, at most two per BBC dev article, in a fixed order."""
    rng = random.Random(seed)
    out: list[tsa.Example] = []
    for art in bbc("dev"):
        if len(out) >= n:
            break
        made = 0
        sents = [s for s in sentences(art.text)[1:] if 8 <= len(words(s.text)) <= 45]
        rng.shuffle(sents)
        for s in sents:
            if made >= 2 or len(out) >= n:
                break
            rows = [r for r in spans(analyse("What happened?"), [Candidate(s.text, 1.0)])
                    if not r.features.get("sentence_start")]
            options = [(r, w) for r in rows if (w := _wh(r, s.text))]
            if not options:
                continue
            row, (wh, cut) = rng.choice(options)
            left = s.text[:cut].split()[-WINDOW:]
            right = s.text[row.end:].split()[:WINDOW]
            question = " ".join([*left, wh, *right]).rstrip(" .,;:") + "?"
            question = question[0].upper() + question[1:]
            cands = tsa.oracle_candidates(question, art.text)
            q_rows = spans(analyse(question), cands)
            gold = normalize_answer(row.text)
            labels = np.array([normalize_answer(r.text) == gold for r in q_rows], dtype=bool)
            if not labels.any():
                continue
            out.append(tsa.Example(f"synth/{art.key}/{made}", "synth", question, row.text, cands, q_rows, labels))
            made += 1
    return out


def cross_validate(dev, synth, embed, folds: int = 5):
    """As tsa.cross_validate, with the synthetic examples added to every training fold."""
    weeks = sorted({e.week for e in dev})
    fold_of = {w: k % folds for k, w in enumerate(weeks)}
    c_lex, c_emb = tsa.C_GRID[1], tsa.C_GRID[3]  # the shipped model file's C (0.3, 3.0)
    out = []
    for k in range(folds):
        models = tsa.fit_pair([e for e in dev if fold_of[e.week] != k] + synth, c_lex, c_emb, embed)
        out.extend((e, *tsa.predict(models, e, embed)) for e in dev if fold_of[e.week] == k)
    return out


def eval_replay(report: Path, models, embed, floor: float) -> dict:
    """The eval set's short answers from the cited sentences of a report, scored as
    `assistant eval` scores them (short-answer token F1; the best reference)."""
    rows = {r["id"]: r for r in json.loads(report.read_text())["rows"]}
    items = [i for i in yaml.safe_load((ROOT / "evals" / "sets" / "answerable.yaml").read_text()) if i["id"] in rows]
    f1 = []
    lexical, embedding = models
    for item in items:
        row = rows[item["id"]]
        quotes = [c["quote"] for c in row.get("citations") or []]
        if row["abstained"] or not quotes:
            f1.append(0.0)
            continue
        cands = [Candidate(q, score=1.0 - 0.1 * k) for k, q in enumerate(quotes)]
        ranked = rank(item["question"], cands, embed, embedding or lexical)
        short = ranked[0].text if ranked and ranked[0].score >= floor else ""
        f1.append(max((token_f1(short, a) for a in item.get("answers", [])), default=0.0) if short else 0.0)
    return {"questions": len(f1), "short_f1": round(statistics.mean(f1), 3) if f1 else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", type=Path, required=True, help="an `assistant eval` report.json")
    ap.add_argument("--n", type=int, nargs="+", default=[0, 400, 1600])
    args = ap.parse_args()
    dev = tsa.examples("dev")
    embed = tsa.CachedEmbedder()
    pool = synthetic(max(args.n))
    print(f"synthetic questions: {len(pool)}; e.g. " + " | ".join(f"{e.question} -> {e.gold}" for e in pool[:6]))
    for n in args.n:
        synth = pool[:n]
        preds = cross_validate(dev, synth, embed)
        embed.save()
        floor = tsa.choose_floor(preds)
        models = tsa.fit_pair(dev + synth, tsa.C_GRID[1], tsa.C_GRID[3], embed)
        replay = eval_replay(args.report, models, embed, floor)
        print(f"n={n}: quiz dev (oof) floor 0 {tsa.evaluate(preds)['exact_match']:.3f} / "
              f"{tsa.evaluate(preds)['f1']:.3f}; at floor {floor}: {tsa.evaluate(preds, floor)['exact_match']:.3f} / "
              f"{tsa.evaluate(preds, floor)['f1']:.3f} given {tsa.evaluate(preds, floor)['answered']:.2f}; "
              f"eval set (dev) short F1 {replay['short_f1']:.3f} ({replay['questions']} questions)", flush=True)
    embed.save()


if __name__ == "__main__":
    main()
