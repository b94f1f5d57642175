"""Brief summaries vs reference summaries: BBC test and FRANK CNN/DM dev, with Lead-3 and a
length-matched Lead-N in the same run.

ROUGE-1/2/L F (rouge-score, stemming on) of the brief's summary against the reference: the
BBC extractive summary of the same article, or the CNN/DailyMail human highlights. Lead-3 is
the article's first three sentences (as written, furniture and all: the usual baseline);
Lead-N is the first N sentences with N chosen per article so its length is closest to the
brief's summary. Also: the share of summary sentences and key points the support check
marks supported, dangling openings (a summary sentence that refers back without its
antecedent just before it) and duplicate sentences (near-duplicates within a brief), time
per brief. Every brief goes through Assistant.brief on a library holding the articles.

Splits (bench/brief_data.py): "bbc-test" is the fixed 200-article BBC test sample (never
used for tuning); "frank-dev" is the 95 FRANK CNN/DM articles, a DEV set (the sentence model
and the length budget were tuned on it and on the BBC dev split: bench/brief_train.py);
"bbc-dev" is for tuning.

    python bench/brief_rouge.py                                  # bbc-test and frank-dev
    python bench/brief_rouge.py --datasets bbc-dev --n 100
    python bench/brief_rouge.py --mode abstractive --n 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import brief_data  # noqa: E402
from qa_benchmark import apply_overrides  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.brief.select import defects  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text import sentences, words  # noqa: E402

SYSTEMS = ("brief", "lead3", "leadN")


def load(name: str, n: int | None) -> list[brief_data.Article]:
    if name == "bbc-test":
        return brief_data.bbc("test", n)
    if name == "bbc-dev":
        return brief_data.bbc("dev", n)
    if name == "frank-dev":
        return brief_data.frank_dev(n)
    raise SystemExit(f"unknown dataset {name!r} (bbc-test, bbc-dev, frank-dev)")


def write_frank(arts: list[brief_data.Article], folder: Path) -> dict[str, Path]:
    """FRANK articles as Markdown files with front matter, so the library ingests them as news."""
    out = {}
    for a in arts:
        path = folder / f"{a.key.split('/')[-1]}.md"
        title = a.title.replace('"', "'")
        path.write_text(f'---\ntitle: "{title}"\nsource: CNN/DailyMail\n---\n{a.text}\n', encoding="utf-8")
        out[a.key] = path
    return out


def lead_matched(spans: list[str], n_words: int) -> str:
    best, best_gap, text = "", None, []
    for s in spans:
        text.append(s)
        gap = abs(len(words(" ".join(text))) - n_words)
        if best_gap is None or gap < best_gap:
            best, best_gap = " ".join(text), gap
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="bbc-test,frank-dev")
    ap.add_argument("--n", type=int, default=None, help="articles per dataset (default: all)")
    ap.add_argument("--mode", default=None, choices=[None, "extractive", "abstractive"])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "brief_rouge.json"))
    args = ap.parse_args()

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    bot = Assistant(Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-brief-")), **apply_overrides(args.set)))
    datasets = {name: load(name, args.n) for name in args.datasets.split(",")}
    folder = Path(tempfile.mkdtemp(prefix="bench-frank-"))
    paths: dict[str, Path] = {}
    for name, arts in datasets.items():
        if name.startswith("frank"):
            paths.update(write_frank(arts, folder))
        else:
            paths.update({a.key: a.path for a in arts})
    started = time.perf_counter()
    bot.ingest(list(paths.values()))
    ingest_s = time.perf_counter() - started
    by_path = {str(Path(d.path).resolve()): d.doc_id for d in bot.documents()}

    results, all_rows = {}, []
    for name, arts in datasets.items():
        rows = []
        seen: set[str] = set()
        for a in arts:
            doc_id = by_path.get(str(paths[a.key].resolve()))
            if doc_id is None or doc_id in seen:  # the same text twice in a sample: one document
                continue
            seen.add(doc_id)
            body = bot.document_text(doc_id) or ""
            spans = [s.text for s in sentences(body)]
            t0 = time.perf_counter()
            brief = bot.brief(doc_ids=[doc_id], mode=args.mode)
            seconds = time.perf_counter() - t0
            summary = " ".join(p.text for p in brief.summary)
            dangling, duplicates = defects(brief, body)
            row = {"dataset": name, "article": a.key, "seconds": seconds, "supported": brief.supported_share,
                   "summary_words": len(words(summary)), "reference_words": len(words(a.reference)),
                   "dangling": dangling, "duplicates": duplicates, "note": brief.note}
            texts = {"brief": summary, "lead3": " ".join(spans[:3]), "leadN": lead_matched(spans, len(words(summary)))}
            for system, text in texts.items():
                for k, v in scorer.score(a.reference, text).items():
                    row[f"{system}_{k}"] = 100 * v.fmeasure
            rows.append(row)
        secs = sorted(r["seconds"] for r in rows)
        results[name] = {
            "articles": len(rows),
            **{f"{s}_{k}": statistics.mean(r[f"{s}_{k}"] for r in rows) for s in SYSTEMS
               for k in ("rouge1", "rouge2", "rougeL")},
            "summary_words_p50": statistics.median(r["summary_words"] for r in rows),
            "reference_words_p50": statistics.median(r["reference_words"] for r in rows),
            "supported_share": statistics.mean(r["supported"] for r in rows),
            "dangling": sum(r["dangling"] for r in rows), "duplicates": sum(r["duplicates"] for r in rows),
            "seconds_p50": statistics.median(secs), "seconds_p95": secs[int(0.95 * (len(secs) - 1))],
        }
        all_rows += rows
    summary = {"mode": args.mode or bot.settings.brief.mode, "overrides": args.set, "ingest_s": ingest_s,
               "datasets": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rows": all_rows}, indent=2))
    for name, r in results.items():
        print(f"\n{name} ({r['articles']} articles; {summary['mode']}): summary median {r['summary_words_p50']:.0f} "
              f"words, reference median {r['reference_words_p50']:.0f}")
        print(f"{'':8} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-L':>8}")
        for s in SYSTEMS:
            print(f"{s:8} {r[s + '_rouge1']:8.1f} {r[s + '_rouge2']:8.1f} {r[s + '_rougeL']:8.1f}")
        print(f"supported {r['supported_share']:.3f}; dangling openings {r['dangling']}; duplicates "
              f"{r['duplicates']}; time per brief p50 {r['seconds_p50'] * 1000:.0f} ms, "
              f"p95 {r['seconds_p95'] * 1000:.0f} ms")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
