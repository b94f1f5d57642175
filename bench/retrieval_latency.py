"""Retrieval latency: hybrid retrieval vs Chroma's raw query, at ~11k and at 100k+ chunks.

The ~11k-chunk library is the dev benchmark's (BBC articles + RealTime QA excerpts). The
100k+ library is synthesised from it: every chunk is copied under new ids (its vector
slightly jittered so the HNSW graph does not hold exact duplicates) into both Chroma and the
catalog, as if the corpus had been ingested under many distinct ids, without re-embedding.

For each size, 100 quiz questions: the pipeline's hybrid retrieve() (embed the question,
dense + BM25, fusion, diversity, chunk texts) against collection.query() with the same
vector and the same fetch size, in the same run.

    python bench/retrieval_latency.py [--copies 9]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import qa_benchmark  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(bot: Assistant, questions: list[str]) -> dict:
    fetch = bot.settings.retrieval.fetch_k
    pipeline, raw, dense, keyword = [], [], [], []
    for q in questions:  # warm caches of the question embeddings, like a follow-up or retry would
        bot.embeddings.embed_query(q)
    for q in questions:
        vec = bot.embeddings.embed_query(q)
        t = time.perf_counter()
        bot.retriever.retrieve(q)
        pipeline.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        bot.index.collection.query(query_embeddings=[vec], n_results=fetch, include=["documents", "metadatas",
                                                                                    "distances"])
        raw.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        bot.index.dense_search(vec, fetch)
        dense.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        bot.index.keyword_search(q, fetch)
        keyword.append((time.perf_counter() - t) * 1000)
    return {"chunks": bot.stats()["chunks"],
            **{f"{name}_p50_ms": statistics.median(v) for name, v in
               (("hybrid", pipeline), ("raw_chroma", raw), ("dense", dense), ("keyword", keyword))},
            **{f"{name}_p95_ms": pct(v, 0.95) for name, v in
               (("hybrid", pipeline), ("raw_chroma", raw), ("dense", dense), ("keyword", keyword))}}


def expand(bot: Assistant, copies: int) -> None:
    """Copy every chunk `copies` times under new ids into Chroma and the catalog."""
    index = bot.index
    rng = np.random.default_rng(0)
    docs = {d.doc_id: d for d in index.catalog.list_documents()}
    texts = index.catalog.document_text(list(docs))
    got = index.collection.get(include=["embeddings", "metadatas", "documents"])
    ids, vecs, metas, chunk_texts = got["ids"], np.asarray(got["embeddings"]), got["metadatas"], got["documents"]
    step = index.vectors.client.get_max_batch_size()
    for c in range(1, copies + 1):
        jitter = rng.normal(0, 0.01, vecs.shape)
        new = vecs + jitter
        new /= np.linalg.norm(new, axis=1, keepdims=True)
        new_ids = [f"{i}-copy{c}" for i in ids]
        new_meta = [{**m, "doc_id": f"{m['doc_id']}c{c}"} for m in metas]
        for lo in range(0, len(ids), step):
            index.collection.add(ids=new_ids[lo : lo + step], embeddings=new[lo : lo + step].tolist(),
                                 metadatas=new_meta[lo : lo + step], documents=chunk_texts[lo : lo + step])
        sources = {}
        for m in new_meta:
            orig = docs[m["doc_id"][: -len(f"c{c}")]]
            sources[m["doc_id"]] = {"title": orig.title, "date": orig.date, "section": orig.section,
                                    "source": orig.source, "url": orig.url, "path": f"{orig.path}#copy{c}",
                                    "text": texts[orig.doc_id]}
        index.catalog.commit_chunks([(i, m, t) for i, m, t in zip(new_ids, new_meta, chunk_texts, strict=True)],
                                    sources, index_title=bot.settings.chunking.embed_title)
        print(f"  copy {c}/{copies}: {bot.stats()['chunks']} chunks", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=9, help="extra copies of the corpus for the large run")
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "retrieval_latency.json"))
    args = ap.parse_args()

    questions = [q.question for q in corpus.split(corpus.questions(), "test") if q.evidence][: args.questions]
    base = qa_benchmark.open_library({})  # builds (or reuses) the ~11k-chunk library
    small = measure(base, questions)
    print(f"small: {small}", file=sys.stderr)

    work = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    shutil.copytree(base.settings.data_dir, work / "data")
    del base
    big_bot = Assistant(Settings(data_dir=work / "data"))
    t = time.perf_counter()
    expand(big_bot, args.copies)
    build_s = time.perf_counter() - t
    big = measure(big_bot, questions)
    result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()}, "questions": len(questions),
              "small": small, "large": big, "large_build_s": build_s}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nRetrieval latency ({len(questions)} questions, {os.cpu_count()} CPUs), ms")
    print(f"{'chunks':>8} {'hybrid p50':>11} {'p95':>7} {'raw Chroma p50':>15} {'p95':>7} {'dense p50':>10} "
          f"{'BM25 p50':>9} {'BM25 p95':>9}")
    for r in (small, big):
        print(f"{r['chunks']:8d} {r['hybrid_p50_ms']:11.1f} {r['hybrid_p95_ms']:7.1f} {r['raw_chroma_p50_ms']:15.1f} "
              f"{r['raw_chroma_p95_ms']:7.1f} {r['dense_p50_ms']:10.1f} {r['keyword_p50_ms']:9.1f} "
              f"{r['keyword_p95_ms']:9.1f}")
    print(f"wrote {out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
