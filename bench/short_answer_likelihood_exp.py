"""Experiment: does the bundled model's likelihood of a span, read after the evidence and the
question, pick the short answer better than the span ranker alone (issue 15)?

The shipped ranker (assistant/short_answer.py) scores spans by shape, position and overlap,
then re-scores its best spans with sentence-embedding similarities. A language model that
reads "EVIDENCE / Question: ... / Answer:" and then a span says how well the span answers
*this* question, which shape and overlap cannot. Per span, with SmolLM2-135M-Instruct (the
bundled GGUF, through judge/likelihood.py's scorer): the summed and mean log-probability of
its tokens, its first token's, and the same after the question alone (no evidence), so the
gain the evidence gives (PMI).

Data: RealTime QA 2024 dev weeks, the oracle setting of bench/train_short_answer.py (the
excerpt's 3 sentences that share most terms with the question). The ranker (its C values from
the shipped file, chosen on all dev weeks) is refitted per fold (5 folds by week); its
out-of-fold scores on each question's 10 best spans (of the 15 the embedding stage re-scores in
training; the product re-scores the lexical best 10) are the stacker's input, and the stacker
(logistic regression over the ranker's logit and the LM features) is cross-validated over the
same folds. Not nested: the ranker that scores a training fold's rows saw the test fold, and
the best of four stacker settings is reported. Exact match and F1 of the top span over all dev
questions, and exact match where the answer is among the spans.

Result (2026-12-01, all 500 dev questions with an excerpt, 289 with the answer among the spans,
262 of them in the 10 scored; bench/results/short_answer_likelihood_exp.json): the ranker out
of fold EM / F1 0.328 / 0.420 (0.567 where reachable); the LM's summed log-probability alone
0.200 / 0.298; stacked (ranker logit + LM sum, mean, first token, length, C 0.1) 0.344 / 0.431,
with the evidence gain (PMI) 0.346 / 0.437. About 8 more right answers in 500, within noise
and optimistic (above), for about 1 s more per answer on 2 cores (0.09-0.10 s a span when the
first full run scored every span, two prefixes per question, 10 spans): not shipped.

    python bench/short_answer_likelihood_exp.py [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import train_short_answer as tsa  # noqa: E402

from assistant.short_answer import MODEL_PATH, RESCORE_TOP, exact_match, token_f1  # noqa: E402

PROMPT = ("<|im_start|>user\n{evidence}\n\nQuestion: {question}\nAnswer with a few words from the text."
          "<|im_end|>\n<|im_start|>assistant\n")
BARE = "<|im_start|>user\nQuestion: {question}\nAnswer with a few words.<|im_end|>\n<|im_start|>assistant\n"
LM = ("lm_sum", "lm_mean", "lm_first", "pmi_sum", "pmi_mean", "n_tokens")
CACHE = corpus.CACHE / f"short_answer_lm_{hashlib.sha1((PROMPT + BARE).encode()).hexdigest()[:8]}.json"


def lm_rows(scorer, question: str, evidence: str, texts: list[str], cache: dict) -> np.ndarray:
    llm = scorer.llm

    def toks(text: str) -> list[int]:
        return llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=True)

    cond_prefix = toks(PROMPT.format(evidence=evidence, question=question))[-400:]
    bare_prefix = toks(BARE.format(question=question))
    keys = [f"{question}\x00{evidence}\x00{text}" for text in texts]
    todo = [(k, toks(t)[:24]) for k, t in zip(keys, texts, strict=True) if k not in cache]
    with scorer._lock:  # all spans after one prefix, then after the other: each prefix is read once
        cond = [scorer._logprobs(cond_prefix, t) for _, t in todo]
        bare = [scorer._logprobs(bare_prefix, t) for _, t in todo]
    for (k, t), c, u in zip(todo, cond, bare, strict=True):
        cache[k] = [float(c.sum()), float(c.mean()), float(c[0]), float((c - u).sum()), float((c - u).mean()),
                    float(len(t))]
    return np.asarray([cache[k] for k in keys])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    from assistant.judge.likelihood import ClaimLikelihood

    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    c_lex, c_emb = shipped["lexical"]["C"], shipped["embedding"]["C"]
    dev = tsa.examples("dev", args.limit)
    embed = tsa.CachedEmbedder()
    weeks = sorted({e.week for e in dev})
    fold_of = {w: k % 5 for k, w in enumerate(weeks)}
    # Out-of-fold ranker scores of each question's top spans.
    tops = []  # (example, rows, probs, labels, fold)
    for k in range(5):
        models = tsa.fit_pair([e for e in dev if fold_of[e.week] != k], c_lex, c_emb, embed)
        for e in (e for e in dev if fold_of[e.week] == k):
            if not e.rows:
                tops.append((e, [], np.zeros(0), np.zeros(0, bool), k))
                continue
            r = tsa.rescored(models[0], e, embed)
            probs = models[1].score([x.features for x in r.rows])
            order = sorted(range(len(r.rows)), key=lambda j: (-probs[j], len(r.rows[j].text)))[:RESCORE_TOP]
            tops.append((e, [r.rows[j] for j in order], probs[order], r.labels[order], k))
    embed.save()
    print(f"{len(tops)} dev questions, ranker refitted per fold", flush=True)
    scorer = ClaimLikelihood()
    scorer.llm.reset()
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    t0, n_spans = time.perf_counter(), 0
    feats = []
    for i, (e, rows, probs, _, _) in enumerate(tops):
        evidence = " ".join(c.text for c in e.candidates)
        n_spans += sum(f"{e.question}\x00{evidence}\x00{r.text}" not in cache for r in rows)  # scored now
        lm = lm_rows(scorer, e.question, evidence, [r.text for r in rows], cache) if rows else np.zeros((0, len(LM)))
        p = np.clip(probs, 1e-6, 1 - 1e-6)
        feats.append(np.column_stack([np.log(p / (1 - p)), lm]) if rows else np.zeros((0, 1 + len(LM))))
        if (i + 1) % 50 == 0:
            CACHE.write_text(json.dumps(cache))
            print(f"  {i + 1} questions, {n_spans} spans scored in {time.perf_counter() - t0:.0f} s", flush=True)
    CACHE.write_text(json.dumps(cache))

    def em_f1(pick) -> dict:
        em, f1, reach = [], [], []
        for i, ((e, rows, _, _, _), x) in enumerate(zip(tops, feats, strict=True)):
            text = rows[pick(i, x)].text if rows else ""
            em.append(exact_match(text, e.gold) if text else 0.0)
            f1.append(token_f1(text, e.gold) if text else 0.0)
            reach.append(e.answerable)
        em, f1, reach = np.array(em), np.array(f1), np.array(reach)
        return {"exact_match": round(float(em.mean()), 3), "f1": round(float(f1.mean()), 3),
                "exact_match_when_reachable": round(float(em[reach].mean()), 3)}

    results = {"questions": len(tops), "reachable": sum(e.answerable for e, *_ in tops),
               "in_top": sum(bool(lab.any()) for _, _, _, lab, _ in tops),
               "ranker (out of fold)": em_f1(lambda i, x: 0)}
    for name, col in (("lm_sum alone", 1), ("lm_mean alone", 2), ("pmi_sum alone", 4)):
        results[name] = em_f1(lambda i, x, c=col: int(np.argmax(x[:, c])))
    for cols_name, cols in (("ranker + lm", [0, 1, 2, 3, 6]), ("ranker + lm + pmi", [0, 1, 2, 3, 4, 5, 6])):
        for c in (0.1, 1.0):
            picks = {}
            for k in range(5):
                train = [(x, lab) for (e, rows, _, lab, f), x in zip(tops, feats, strict=True)
                         if f != k and rows and lab.any()]
                xs = np.vstack([x[:, cols] for x, _ in train])
                m, s = xs.mean(0), xs.std(0) + 1e-9
                y = np.concatenate([lab for _, lab in train])
                clf = LogisticRegression(C=c, max_iter=3000).fit((xs - m) / s, y)
                for i, ((_, rows, _, _, f), x) in enumerate(zip(tops, feats, strict=True)):
                    if f == k and rows:
                        picks[i] = int(np.argmax(clf.decision_function((x[:, cols] - m) / s)))
            results[f"stacked {cols_name} C {c}"] = em_f1(lambda i, x, picks=picks: picks[i])
    print(json.dumps(results, indent=1))
    if args.limit is None:
        out = ROOT / "bench" / "results" / "short_answer_likelihood_exp.json"
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
