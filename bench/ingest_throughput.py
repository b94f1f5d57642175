"""Ingest throughput: BBC articles into a fresh index, against raw sentence-transformers
encoding of the very same chunk texts in the same run (target: pipeline >= 1.5x raw).

The pipeline runs with the configured embedding runtimes (by default int8 ONNX for the chunk
vectors, settings ``embeddings.chunk_runtime``; change them with ASSISTANT_ variables). Also
reported: the raw ONNX encoder on the same texts at several batch sizes (how the default
batch size was chosen), peak memory of the pipeline (measured before torch is imported),
index size on disk, and the time to re-ingest the unchanged corpus (target <= 5% of the
first ingest).

    python bench/ingest_throughput.py [--limit N] [--batch-sizes 16,32,64,128]
    ASSISTANT_EMBEDDINGS__CHUNK_RUNTIME=same python bench/ingest_throughput.py   # fp32 chunks
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
from assistant.embedders import CHUNK_BATCH  # noqa: E402
from assistant.resources import bundled_embedding_model  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--batch-sizes", default="16,32,64,128", help="raw ONNX batch sizes to time")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "ingest_throughput.json"))
    args = ap.parse_args()

    load_at_start = os.getloadavg()[0]
    files, _ = find_files(corpus.bbc_folders())
    if args.limit:
        files = files[: args.limit]
    data = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    bot = Assistant(Settings(data_dir=data))
    embedder = bot.embeddings  # load the models before timing either side
    embedder.embed_documents(["warm up"])
    embedder.embed_chunks(["warm up"])
    runtime, chunk_runtime = embedder.runtime, embedder.chunk_runtime
    # Once per process, like loading the models: importing the pipeline (LangChain's indexing
    # API, about 0.7 s) is not part of the rate.
    bot.ingestor  # noqa: B018

    # The texts the pipeline embeds (title + chunk), for the raw engines.
    chunker = Chunker(bot.settings.chunking)
    texts = [bot.index.embed_text(chunk) for f in files for doc in load_file(f).documents
             for chunk in chunker.split(doc)]

    t = time.perf_counter()
    report = bot.ingest(files)
    first_s = time.perf_counter() - t
    stats = bot.stats()
    pipeline_rss = peak_rss_mb()
    t = time.perf_counter()
    again = bot.ingest(files)
    second_s = time.perf_counter() - t

    # Raw ONNX encoder (the engine under the pipeline: the chunk model) at several batch sizes.
    onnx_rates = {}
    if chunk_runtime.startswith("onnx"):
        encoder = embedder.chunk_model().model()
        sample = texts[: min(len(texts), 800)]
        for size in [int(x) for x in args.batch_sizes.split(",") if x]:
            t = time.perf_counter()
            encoder.encode(sample, size)
            onnx_rates[size] = len(sample) / (time.perf_counter() - t)

    # Raw floor: the same chunk texts straight through sentence-transformers (imports torch).
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(bundled_embedding_model()), device="cpu", local_files_only=True)
    model.encode(["warm up"])
    t = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True)
    raw_s = time.perf_counter() - t

    summary = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_1m_at_start": load_at_start, "loadavg_1m_at_end": os.getloadavg()[0]},
        "runtime": runtime, "chunk_runtime": chunk_runtime, "embedding_identity": embedder.identity,
        "batch_size": bot.settings.embeddings.batch,
        "chunk_batch": CHUNK_BATCH if chunk_runtime.startswith("onnx-int8") else bot.settings.embeddings.batch,
        "batch_files": bot.settings.ingest.batch_files,
        "articles": len(files), "documents": stats["documents"], "chunks": stats["chunks"],
        "duplicates_skipped": len(report.duplicates), "errors": len(report.errors),
        "ingest_s": first_s, "articles_per_s": len(files) / first_s, "chunks_per_s": stats["chunks"] / first_s,
        "raw_st_encode_s": raw_s, "raw_st_chunks_per_s": len(texts) / raw_s,
        "ratio_vs_raw_st": (stats["chunks"] / first_s) / (len(texts) / raw_s),
        "raw_onnx_texts_per_s_by_batch": onnx_rates,
        "reingest_s": second_s, "reingest_share": second_s / first_s,
        "reingest_chunks_added": again.chunks_added,
        "pipeline_peak_rss_mb": pipeline_rss,
        "index_mb": du(data) / 2**20,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    s = summary
    print(f"\nIngest of {s['articles']} BBC articles -> {s['documents']} documents, {s['chunks']} chunks "
          f"({s['machine']['cpus']} CPUs, load {load_at_start:.1f} -> {s['machine']['loadavg_1m_at_end']:.1f}; "
          f"runtime {runtime}, chunks {chunk_runtime})")
    print(f"{'pipeline':28} {s['ingest_s']:7.1f} s  {s['articles_per_s']:6.1f} articles/s  "
          f"{s['chunks_per_s']:6.1f} chunks/s")
    print(f"{'raw sentence-transformers':28} {s['raw_st_encode_s']:7.1f} s  {'':19}"
          f"{s['raw_st_chunks_per_s']:6.1f} chunks/s")
    for size, rate in onnx_rates.items():
        print(f"{'raw onnx, batch ' + str(size):28} {'':29}{rate:6.1f} chunks/s (first {min(len(texts), 800)})")
    print(f"ratio pipeline/raw sentence-transformers {s['ratio_vs_raw_st']:.2f}; re-ingest unchanged "
          f"{s['reingest_s']:.1f} s ({100 * s['reingest_share']:.1f}% of first, {s['reingest_chunks_added']} added)")
    print(f"pipeline peak memory {s['pipeline_peak_rss_mb']:.0f} MB; index on disk {s['index_mb']:.0f} MB")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
