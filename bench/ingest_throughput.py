"""Ingest throughput: all 2,225 BBC articles into a fresh index, against raw
sentence-transformers encoding of the very same chunk texts in the same run.

Reports articles/s, chunks/s, the pipeline/raw ratio (embedding is the floor; target >= 0.85),
peak memory, index size on disk, and the time to re-ingest the unchanged corpus (target
<= 5% of the first ingest).

    python bench/ingest_throughput.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.chunking import Chunker  # noqa: E402
from assistant.documents import find_files, load_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "ingest_throughput.json"))
    args = ap.parse_args()

    files, _ = find_files(corpus.bbc_folders())
    if args.limit:
        files = files[: args.limit]
    data = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    bot = Assistant(Settings(data_dir=data))
    embedder = bot.embeddings  # load the model before timing either side
    embedder.embed_documents(["warm up"])

    # Raw floor: the same chunk texts the pipeline embeds, straight through sentence-transformers.
    chunker = Chunker(bot.settings.chunking)
    texts = []
    for f in files:
        for doc in load_file(f).documents:
            for chunk in chunker.split(doc):
                texts.append(bot.index.embed_text(chunk))
    model = embedder.inner._client  # the SentenceTransformer inside langchain-huggingface
    t = time.perf_counter()
    model.encode(texts, batch_size=bot.settings.embeddings.batch_size, normalize_embeddings=True)
    raw_s = time.perf_counter() - t

    t = time.perf_counter()
    report = bot.ingest(files)
    first_s = time.perf_counter() - t
    stats = bot.stats()
    t = time.perf_counter()
    again = bot.ingest(files)
    second_s = time.perf_counter() - t

    summary = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "articles": len(files), "documents": stats["documents"], "chunks": stats["chunks"],
        "duplicates_skipped": len(report.duplicates), "errors": len(report.errors),
        "ingest_s": first_s, "articles_per_s": len(files) / first_s, "chunks_per_s": stats["chunks"] / first_s,
        "raw_encode_s": raw_s, "raw_chunks_per_s": len(texts) / raw_s,
        "ratio_vs_raw": (stats["chunks"] / first_s) / (len(texts) / raw_s),
        "reingest_s": second_s, "reingest_share": second_s / first_s,
        "reingest_chunks_added": again.chunks_added,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "index_mb": du(data) / 2**20,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    s = summary
    print(f"\nIngest of {s['articles']} BBC articles -> {s['documents']} documents, {s['chunks']} chunks "
          f"({s['machine']['cpus']} CPUs)")
    print(f"{'pipeline':22} {s['ingest_s']:7.1f} s  {s['articles_per_s']:6.1f} articles/s  "
          f"{s['chunks_per_s']:6.1f} chunks/s")
    print(f"{'raw encode (same texts)':22} {s['raw_encode_s']:7.1f} s  {'':19}{s['raw_chunks_per_s']:6.1f} chunks/s")
    print(f"ratio pipeline/raw {s['ratio_vs_raw']:.2f}; re-ingest unchanged {s['reingest_s']:.1f} s "
          f"({100 * s['reingest_share']:.1f}% of first, {s['reingest_chunks_added']} chunks added)")
    print(f"peak memory {s['peak_rss_mb']:.0f} MB; index on disk {s['index_mb']:.0f} MB")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
