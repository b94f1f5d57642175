"""Brief latency: single-article briefs and 20-article topic briefs on the benchmark library
(BBC + RealTime QA excerpts, ~11k chunks), local models, default (extractive) mode.

    python bench/brief_latency.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import qa_benchmark  # noqa: E402

TOPICS = ["Tony Blair and the general election", "mobile phone market growth", "Chelsea in the Premier League",
          "oil prices and the economy", "music piracy and file sharing", "Oscar nominations",
          "Microsoft security updates", "interest rates at the Bank of England", "tsunami aid appeal",
          "video game consoles"]


def main() -> None:
    bot = qa_benchmark.open_library({})
    docs = [d for d in bot.documents() if d.path and "/bbc/" in d.path][:: 200][:10]
    single, topic, sizes = [], [], []
    bot.brief(doc_ids=[docs[0].doc_id])  # warm up
    for d in docs:
        t = time.perf_counter()
        bot.brief(doc_ids=[d.doc_id])
        single.append(time.perf_counter() - t)
    bot.settings.brief.max_documents = 20
    for q in TOPICS:
        t = time.perf_counter()
        brief = bot.brief(topic=q)
        topic.append(time.perf_counter() - t)
        sizes.append(len(brief.documents))
    result = {"cpus": os.cpu_count(), "single_p50_s": statistics.median(single), "single_max_s": max(single),
              "topic_p50_s": statistics.median(topic), "topic_max_s": max(topic),
              "topic_documents_mean": statistics.mean(sizes)}
    out = ROOT / "bench" / "results" / "brief_latency.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"\nBrief latency ({os.cpu_count()} CPUs, extractive): single article p50 {result['single_p50_s']:.2f} s "
          f"(max {result['single_max_s']:.2f}); topic brief over {result['topic_documents_mean']:.1f} articles "
          f"p50 {result['topic_p50_s']:.2f} s (max {result['topic_max_s']:.2f})")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
