"""Ingest memory: resident memory after every batch of a large ingest and the process's
high-water mark (issue 19: memory bounded for a 100,000-article ingest).

The pipeline itself holds the file list and at most a few batches (``ingest.PREFETCH_BATCHES``
read ahead, one batch embedded ahead, one written). Chroma keeps its HNSW index in memory (a
384-float vector plus graph links per chunk), which grows with the library whatever the
pipeline does. This script measures total resident memory only; telling the two apart needs
another tool (README: a tracemalloc comparison). The least-squares slope per stored chunk over
the second half is reported, with a linear extrapolation to a 100,000-article library (about
450,000 chunks at BBC length).

    python bench/ingest_memory.py [--limit N]     # writes bench/results/ingest_memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import numpy as np  # noqa: E402
import record  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.documents import find_files  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the most ever resident) from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    return status_mb("VmRSS")


def slope_kb(points: list[dict]) -> float:
    """Least-squares KB of resident memory per stored chunk."""
    if len({p["chunks"] for p in points}) < 2:
        return 0.0
    return float(np.polyfit([p["chunks"] for p in points], [p["rss_mb"] for p in points], 1)[0]) * 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (0 = all 2,225)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "ingest_memory.json"))
    args = ap.parse_args()
    files, _ = find_files(corpus.bbc_folders())
    files = files[: args.limit] if args.limit else files
    bot = Assistant(Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-memory-"))))
    bot.embeddings.embed_documents(["warm up"])
    bot.embeddings.embed_chunks(["warm up"])
    bot.ingestor  # noqa: B018  (imported before the baseline, like the models)
    samples = [{"files": 0, "chunks": 0, "rss_mb": rss_mb(), "s": 0.0}]
    started = time.perf_counter()

    def progress(done: int, total: int, label: str) -> None:
        samples.append({"files": done, "chunks": bot.stats()["chunks"], "rss_mb": rss_mb(),
                        "s": time.perf_counter() - started})
        print(f"\r  {done}/{total} files, {samples[-1]['chunks']} chunks, {samples[-1]['rss_mb']:.0f} MB",
              end="", file=sys.stderr)

    bot.ingest(files, progress=progress)
    print(file=sys.stderr)
    # Slope of resident memory per stored chunk over the second half (after warm-up allocations).
    slope = slope_kb(samples[len(samples) // 2 :])
    result = {"commit": record.commit(), "articles": len(files), "batch_files": bot.settings.ingest.batch_files,
              "samples": samples, "peak_mb": status_mb("VmHWM"), "kb_per_chunk_second_half": slope,
              "estimate_450k_chunks_mb": samples[-1]["rss_mb"] + slope * (450_000 - samples[-1]["chunks"]) / 1024}
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{len(files)} articles, {samples[-1]['chunks']} chunks: RSS {samples[0]['rss_mb']:.0f} MB before, "
          f"{samples[-1]['rss_mb']:.0f} MB at the end, high-water mark {result['peak_mb']:.0f} MB; "
          f"{slope:.1f} KB per chunk over the second half (least squares) -> about "
          f"{result['estimate_450k_chunks_mb']:.0f} MB at 450,000 chunks if it stayed linear")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
