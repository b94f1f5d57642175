"""Experiment (not shipped): can the local model judge *which sentence answers* by meaning?

The judge's sentence model sees coverage and kinds of answer, not meaning (README, "What the
judge does not do yet"). The zero-shot re-ranker of Sachan et al. 2022 (UPR) scores a passage
by how likely a language model finds the question after it, log P(question | passage); this
tries it with SmolLM2-135M on single evidence sentences: the mean log-probability of the
question's tokens after "Write a question that this news sentence answers. Sentence: ...".

Data: the judge's dev rows (bench/.cache/judge_data.pkl from `python bench/judge_data.py`,
RealTime QA 2024 even weeks), the first N answerable dev questions that have a sentence holding
the answer among their candidates. Compared, per question: top-1 accuracy and mean ROC AUC of
the sentences ranked by query likelihood, by the evidence selector's relevance, and by a
rank average of the two.

Result (N=40, 907 sentences, 2026-11-30; bench/results/query_likelihood_exp.json): no gain in
what the answer uses (the best sentence) and far too slow for an answer: top-1 query likelihood
0.575 vs relevance 0.600, every rank average 0.600; mean ROC AUC 0.876 vs 0.871 (rank average
0.889 at 0.75 weight: the order below the top moves, the top does not); 0.40 s per sentence on
the 2-core machine when it ran alone (1.40 s in the run that wrote the JSON, beside other work),
and a question has about 23 candidate sentences. Not pursued.

    python bench/query_likelihood_exp.py [--questions 40]
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from assistant.resources import bundled_gguf  # noqa: E402

PROMPT = ("<|im_start|>user\nWrite a question that this news sentence answers.\nSentence: {s}<|im_end|>\n"
          "<|im_start|>assistant\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "query_likelihood_exp.json"))
    args = ap.parse_args()
    from llama_cpp import Llama

    llm = Llama(model_path=str(bundled_gguf()), n_ctx=512, n_threads=2, logits_all=True, verbose=False)
    rows = pickle.loads((corpus.CACHE / "judge_data.pkl").read_bytes())["rows"]
    dev = [r for r in rows if r["split"] == "dev" and any(r["y"])][: args.questions]

    def likelihood(sentence: str, question: str) -> float:
        q = llm.tokenize(question.encode(), add_bos=False, special=True)
        toks = (llm.tokenize(PROMPT.format(s=sentence).encode(), add_bos=False, special=True) + q)[-500:]
        start = len(toks) - len(q)
        llm.reset()
        llm.eval(toks)
        logits = np.asarray(llm.scores[: len(toks)])
        logp = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
        return float(np.mean([logp[i - 1, toks[i]] for i in range(start, len(toks))]))

    t0, scores = time.perf_counter(), []
    for r in dev:
        scores.append([likelihood(t, r["question"]) for t in r["texts"]])
    seconds = time.perf_counter() - t0
    n_sent = sum(len(s) for s in scores)

    def top1(rank_of) -> float:
        return float(np.mean([r["y"][int(np.argmax(rank_of(r, s)))] for r, s in zip(dev, scores, strict=True)]))

    def auc(rank_of) -> float:
        return float(np.mean([roc_auc_score(r["y"], rank_of(r, s)) for r, s in zip(dev, scores, strict=True)
                              if 0 < sum(r["y"]) < len(r["y"])]))

    systems = {"query_likelihood": lambda r, s: np.asarray(s), "relevance": lambda r, s: np.asarray(r["relevance"])}
    for w in (0.25, 0.5, 0.75):
        systems[f"rank_average_{w}"] = lambda r, s, w=w: w * rankdata(s) + (1 - w) * rankdata(r["relevance"])
    result = {"questions": len(dev), "sentences": n_sent, "seconds_per_sentence": seconds / n_sent,
              "top1": {k: top1(f) for k, f in systems.items()}, "mean_auc": {k: auc(f) for k, f in systems.items()}}
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
