"""Golden output of the brief chain, to show a refactor changes nothing.

Builds a throwaway library (a temporary data dir) from samples/articles, the topic articles of
tests/data/topic (several stories over several days, and the prepared ferry pair that
disagrees on a figure) and the first 20 BBC dev articles (bench/brief_data.py: never the 200
BBC test articles), then writes the full output of every brief as JSON: each single article,
two article sets (chosen by id and by a date range) and four topic briefs. ``timings`` are
left out (they are wall-clock); everything else, Markdown included, must stay byte-identical.
The articles are copied to one fixed folder (``ARTICLES``) because chunk ids hash the file's
path; the index and catalog live in a fresh temporary folder each run.

    NEWS_BENCH_DATA=/work/shared/data python bench/brief_golden.py bench/results/brief_golden_before.json
    NEWS_BENCH_DATA=/work/shared/data python bench/brief_golden.py /tmp/after.json && \
        cmp bench/results/brief_golden_before.json /tmp/after.json

``--abstractive FILE``: also write one abstractive brief (the local model, map-reduce) of the
Tianjin sample, to check that path still runs (the model is slow on two shared cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import brief_data  # noqa: E402

SAMPLES = ROOT / "samples" / "articles"
TOPIC = ROOT / "tests" / "data" / "topic"
BBC_DEV = 20
TOPICS = ["China and the Taliban", "Oscar and Bafta film awards",
          "Boeing 737 Max 9 grounding after the Alaska Airlines door plug blowout",
          "ferry ran aground off the Isle of Mull"]
DATE_RANGE = ("2024-01-06", "2024-01-08")
ARTICLES = Path(tempfile.gettempdir()) / "brief-golden-articles"


def shape(brief) -> dict:
    out = brief.to_json_dict()
    out.pop("timings", None)
    out["markdown"] = brief.to_markdown()
    out["markdown_links"] = brief.to_markdown(links=True)
    return out


def build_library(data_dir: Path, articles: Path):
    from assistant.api import Assistant
    from assistant.settings import Settings

    shutil.rmtree(articles, ignore_errors=True)
    shutil.copytree(SAMPLES, articles / "samples")
    shutil.copytree(TOPIC, articles / "topic", ignore=shutil.ignore_patterns("README.md"))
    (articles / "bbc").mkdir()
    bbc = brief_data.bbc("dev", BBC_DEV)
    if len(bbc) < BBC_DEV:
        raise SystemExit(f"found {len(bbc)} BBC dev articles, not {BBC_DEV}: "
                         "set NEWS_BENCH_DATA to the shared data folder")
    for art in bbc:
        shutil.copy(art.path, articles / "bbc" / art.key.replace("/", "-"))
    bot = Assistant(Settings(data_dir=data_dir))
    report = bot.ingest([articles])
    if report.errors:
        raise SystemExit(f"ingest failed: {report.errors}")
    return bot


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--abstractive", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="brief-golden-") as tmp:
        bot = build_library(Path(tmp) / "data", ARTICLES)
        docs = sorted(bot.documents(), key=lambda d: d.doc_id)
        result: dict = {"single": {}, "sets": {}, "topics": {}}
        for d in docs:
            result["single"][f"{d.doc_id} {d.title}"] = shape(bot.brief(doc_ids=[d.doc_id]))
        dated_samples = [d.doc_id for d in docs if d.path and "/samples/" in d.path and d.date]
        result["sets"]["dated samples"] = shape(bot.brief(doc_ids=dated_samples))
        result["sets"][f"{DATE_RANGE[0]} to {DATE_RANGE[1]}"] = shape(
            bot.brief(date_from=DATE_RANGE[0], date_to=DATE_RANGE[1]))
        for topic in TOPICS:
            result["topics"][topic] = shape(bot.brief(topic=topic))
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {args.out}: {len(result['single'])} single, {len(result['sets'])} sets, "
              f"{len(result['topics'])} topics")
        if args.abstractive:
            seed = next(d.doc_id for d in docs if "Taliban" in d.title)
            brief = bot.brief(doc_ids=[seed], mode="abstractive")
            args.abstractive.write_text(json.dumps(shape(brief), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                                        encoding="utf-8")
            print(f"wrote {args.abstractive}: mode {brief.mode}, note {brief.note!r}, "
                  f"{sum(p.supported for p in brief.summary)}/{len(brief.summary)} summary sentences supported")


if __name__ == "__main__":
    main()
