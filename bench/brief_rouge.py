"""Brief summaries vs reference summaries on a fixed sample of BBC articles.

ROUGE-1/2/L F1 (rouge-score, stemming on) of the brief's summary against the BBC reference
summary of the same article, with Lead-3 (the article's first three sentences) scored in
the same run; the share of brief sentences the support check marks supported; time per brief.

    python bench/brief_rouge.py                      # the fixed test sample (200 articles)
    python bench/brief_rouge.py --sample dev         # a disjoint sample, for tuning
    python bench/brief_rouge.py --mode abstractive --n 30
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from qa_benchmark import apply_overrides  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.documents import load_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text import sentences  # noqa: E402


def sample(which: str, n: int) -> list[tuple[Path, Path]]:
    pairs = corpus.bbc_pairs()
    rng = random.Random(2026)
    rng.shuffle(pairs)
    return pairs[:n] if which == "test" else pairs[1000 : 1000 + n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", default="test", choices=["test", "dev"])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--mode", default=None, choices=[None, "extractive", "abstractive"])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "brief_rouge.json"))
    args = ap.parse_args()

    pairs = sample(args.sample, args.n)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    bot = Assistant(Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-brief-")), **apply_overrides(args.set)))
    t = time.perf_counter()
    bot.ingest([a for a, _ in pairs])
    ingest_s = time.perf_counter() - t
    by_path = {Path(d.path).name + d.path.split("/")[-2]: d.doc_id for d in bot.documents()}
    rows = []
    for art, summ in pairs:
        doc = load_file(art).documents[0]
        doc_id = by_path.get(art.name + art.parent.name)
        if doc_id is None:  # a duplicate article already in the sample
            continue
        reference = summ.read_text(encoding="utf-8", errors="replace")
        # The reference summaries run sentences together ("...$10.9bn.For the full-year"):
        # rouge-score tokenises on non-alphanumerics, so that needs no repair.
        spans = sentences(doc.page_content)
        lead3 = " ".join(s.text for s in spans[:3])
        lead4 = " ".join(s.text for s in spans[:4])  # same length as a 4-sentence brief
        started = time.perf_counter()
        brief = bot.brief(doc_ids=[doc_id], mode=args.mode)
        seconds = time.perf_counter() - started
        summary = " ".join(p.text for p in brief.summary)
        quotes = {c.id: c.quote for c in brief.citations}
        # Sentences written by the model that passed verification (not replaced by a quote).
        generated = [p for p in brief.summary if all(p.text != quotes[i] for i in p.citations)]
        row = {"article": f"{art.parent.name}/{art.name}", "seconds": seconds,
               "supported": brief.supported_share, "n_summary": len(brief.summary),
               "generated_kept": len(generated) / len(brief.summary) if brief.summary else 0.0}
        for name, text in (("brief", summary), ("lead3", lead3), ("lead4", lead4)):
            scores = scorer.score(reference, text)
            row.update({f"{name}_{k}": v.fmeasure for k, v in scores.items()})
        rows.append(row)

    def mean(key: str) -> float:
        return statistics.mean(r[key] for r in rows)

    rouge = {f"{name}_{k}": 100 * mean(f"{name}_{k}")
             for name in ("brief", "lead3", "lead4") for k in ("rouge1", "rouge2", "rougeL")}
    seconds = sorted(r["seconds"] for r in rows)
    summary = {
        "sample": args.sample, "articles": len(rows), "mode": args.mode or bot.settings.brief.mode,
        "overrides": args.set, "ingest_s": ingest_s, **rouge,
        "supported_share": mean("supported"), "generated_kept": mean("generated_kept"),
        "seconds_p50": statistics.median(seconds), "seconds_p95": seconds[int(0.95 * (len(seconds) - 1))],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    s = summary
    print(f"\nBrief summaries vs BBC references ({s['articles']} articles, {s['sample']} sample, {s['mode']})")
    print(f"{'':10} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-L':>8}")
    for name in ("brief", "lead3", "lead4"):
        print(f"{name:10} {s[name + '_rouge1']:8.1f} {s[name + '_rouge2']:8.1f} {s[name + '_rougeL']:8.1f}")
    print(f"supported share {s['supported_share']:.3f} (model-written sentences kept: {s['generated_kept']:.3f})")
    print(f"time per brief p50 {s['seconds_p50'] * 1000:.0f} ms, "
          f"p95 {s['seconds_p95'] * 1000:.0f} ms")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
