"""Short answers end to end: the span the pipeline would lead with, scored against the quiz.

bench/qa_benchmark.py stores, for every answerable question, the exact input the pipeline hands
to the short-answer ranker (the answer's cited sentences with the judge's probability for each:
assistant/answer.py ``span_candidates``). This script runs the shipped ranker on that input,
exactly as ``QAChain.short_answer`` does, and scores the span against the right choice: exact
match and token F1 with SQuAD normalisation, over all answerable questions (an abstention or
no short answer scores 0), plus the median length in words of the short answer and of the
whole answer.

    python bench/qa_benchmark.py --split test && python bench/short_answer_e2e.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer import span_embedder  # noqa: E402
from assistant.embedders import build_embeddings  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.short_answer import Candidate, exact_match, short_answer, token_f1  # noqa: E402
from assistant.text import words  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "qa_benchmark.json"))
    args = ap.parse_args()
    path = Path(args.results)
    result = json.loads(path.read_text())
    settings = Settings()
    # As QAChain.short_answer: the embedder only where the settings allow it, the settings' floor.
    embed = span_embedder(settings, build_embeddings(settings.embeddings).embed_texts)
    floor = settings.short_answer.min_score
    em, f1, shorts, whole = [], [], [], []
    for row in result["rows"]:
        cands = [Candidate(**c) for c in row.get("span_candidates", [])]
        span = (short_answer(row["question"], cands, embed=embed, min_score=floor,
                             acts=settings.answer.speech_acts) if cands and not row["abstained"] else None)
        text = span.text if span else ""
        row["short_answer"] = text or None
        em.append(exact_match(text, row["gold"]) if text else 0.0)
        f1.append(token_f1(text, row["gold"]) if text else 0.0)
        # The row's own scores follow its new short answer (they were qa_benchmark.py's before).
        row["short_em"], row["short_f1"] = em[-1], f1[-1]
        if text:
            shorts.append(len(words(text)))
        if not row["abstained"]:
            whole.append(len(words(row["answer"])))
    n = len(result["rows"]) or 1
    result["short_answers"] = {
        "exact_match": sum(em) / n, "f1": sum(f1) / n, "given": len(shorts) / n,
        "median_words_short": statistics.median(shorts) if shorts else 0,
        "median_words_answer": statistics.median(whole) if whole else 0,
        "how": "bench/short_answer_e2e.py on the cited sentences stored by bench/qa_benchmark.py",
    }
    path.write_text(json.dumps(result, indent=2))
    s = result["short_answers"]
    print(f"{result['split']}: short answer exact match {s['exact_match']:.3f}, F1 {s['f1']:.3f}, given "
          f"{s['given']:.3f}; median words {s['median_words_short']} (whole answer {s['median_words_answer']})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
