"""int8 recipes for the ONNX embedding model: how far each moves the vectors, and what it saves.

For every recipe in ``assistant.embeddings.QUANT_RECIPES`` (dynamic quantisation of the
checked fp32 export; see that module), on a fixed sample of BBC chunks embedded as the index
embeds them (title + chunk):
- cosine of each chunk's int8 vector to its fp32 vector (mean, 1st percentile, min) and to
  sentence-transformers' vector;
- CPU milliseconds per chunk at one thread (process time, so neighbours on the shared CPU
  matter less than for wall time), batch size as configured, best of ``--repeat`` runs,
  beside the fp32 export (timed first and last, to show drift) and sentence-transformers
  (torch, one thread) in the same run.
Retrieval quality is measured separately, on the RealTime QA dev split:
``NEWS_BENCH_CACHE=DIR python bench/qa_benchmark.py --split dev --no-answers --modes dense,hybrid
--set embeddings.runtime=onnx-int8 --set embeddings.int8_recipe=NAME``.

    python bench/int8_variants.py [--chunks 300] [--recipes all,matmul-pc] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import numpy as np  # noqa: E402

import assistant.embeddings as emb  # noqa: E402
from assistant.cache import default_cache_dir  # noqa: E402
from assistant.chunking import Chunker  # noqa: E402
from assistant.documents import find_files, load_file  # noqa: E402
from assistant.embeddings import (  # noqa: E402
    QUANT_RECIPES,
    OnnxEncoder,
    SentenceConfig,
    ensure_int8_model,
    ensure_onnx_model,
    export_folder,
)
from assistant.resources import bundled_embedding_model  # noqa: E402
from assistant.settings import Settings  # noqa: E402

NAME = "all-MiniLM-L6-v2"


def sample_chunks(n: int) -> list[str]:
    """About ``n`` chunks from BBC articles spread over the whole (sorted) corpus, all five
    sections, embedded as the index embeds them."""
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-int8-")))
    files, _ = find_files(corpus.bbc_folders())
    chunker = Chunker(settings.chunking)
    step = max(1, len(files) // max(1, n // 4))  # a BBC article makes ~4-5 chunks
    texts: list[str] = []
    for path in files[::step]:
        for doc in load_file(path).documents:
            texts += [f"{c.metadata['title']}\n{c.page_content}" if settings.chunking.embed_title
                      else c.page_content for c in chunker.split(doc)]
        if len(texts) >= n:
            break
    return texts[:n]


def cpu_ms_per_text(encode, texts: list[str], repeat: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.process_time()
        out = encode(texts)
        best = min(best, time.process_time() - t)
    return 1000 * best / len(texts), np.asarray(out)


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    return {"mean": float(cos.mean()), "p01": float(np.percentile(cos, 1)), "min": float(cos.min())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=300)
    ap.add_argument("--recipes", default=",".join(QUANT_RECIPES))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=Settings().embeddings.batch)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "int8_variants.json"))
    args = ap.parse_args()

    load_at_start = os.getloadavg()[0]
    texts = sample_chunks(args.chunks)
    model_dir = bundled_embedding_model()
    config = SentenceConfig.read(model_dir)
    # Recipes below the runtime's floor are measured too, so they are made in a cache of the
    # bench's own (with a copy of the fp32 export) where the floor is off.
    fp32 = ensure_onnx_model(model_dir, default_cache_dir(), NAME)
    cache = Path(tempfile.mkdtemp(prefix="bench-int8-cache-"))
    shutil.copytree(fp32.path.parent, export_folder(model_dir, cache, NAME), ignore=shutil.ignore_patterns(".lock"))
    fp32 = ensure_onnx_model(model_dir, cache, NAME)
    floor, emb.INT8_FLOOR_COSINE = emb.INT8_FLOOR_COSINE, -1.0

    def onnx_encode(path: Path):
        encoder = OnnxEncoder(path, model_dir, config, threads=1)
        encoder.encode(texts[:4], args.batch_size)  # warm up
        return lambda batch: encoder.encode(batch, args.batch_size)

    fp32_ms, fp32_vecs = cpu_ms_per_text(onnx_encode(fp32.path), texts, args.repeat)
    rows: dict[str, dict] = {}
    for name in [r for r in args.recipes.split(",") if r]:
        t = time.perf_counter()
        model = ensure_int8_model(fp32, model_dir, cache, NAME, name)
        made_s = time.perf_counter() - t
        ms, vecs = cpu_ms_per_text(onnx_encode(model.path), texts, args.repeat)
        rows[name] = {"recipe": QUANT_RECIPES[name].describe(), "cpu_ms_per_chunk": ms,
                      "speedup_vs_fp32": fp32_ms / ms, "file_mb": model.path.stat().st_size / 2**20,
                      "vs_fp32": cosine_stats(vecs, fp32_vecs), "check_texts_min_cosine": model.min_cosine,
                      "passes_runtime_floor": model.min_cosine >= floor,
                      "prepare_s": made_s, "_vecs": vecs}
        print(f"{name:16} {ms:6.1f} ms/chunk  x{fp32_ms / ms:4.2f} vs fp32  cos vs fp32 mean "
              f"{rows[name]['vs_fp32']['mean']:.4f} p1 {rows[name]['vs_fp32']['p01']:.4f} "
              f"min {rows[name]['vs_fp32']['min']:.4f}", file=sys.stderr)
    fp32_again_ms, _ = cpu_ms_per_text(onnx_encode(fp32.path), texts, args.repeat)

    # sentence-transformers last: importing torch changes nothing for onnxruntime, but costs.
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    st.encode(texts[:4])
    st_ms, st_vecs = cpu_ms_per_text(
        lambda batch: st.encode(batch, batch_size=args.batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False), texts, args.repeat)
    for row in rows.values():
        row["vs_sentence_transformers"] = cosine_stats(row.pop("_vecs"), st_vecs)
        row["speedup_vs_sentence_transformers"] = st_ms / row["cpu_ms_per_chunk"]

    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_1m_at_start": load_at_start, "loadavg_1m_at_end": os.getloadavg()[0]},
        "sample": {"chunks": len(texts), "source": "BBC articles, every k-th file of the sorted corpus",
                   "batch_size": args.batch_size, "threads": 1, "repeat": args.repeat},
        "fp32_onnx": {"cpu_ms_per_chunk": fp32_ms, "cpu_ms_per_chunk_timed_again_last": fp32_again_ms,
                      "vs_sentence_transformers": cosine_stats(fp32_vecs, st_vecs),
                      "file_mb": fp32.path.stat().st_size / 2**20},
        "sentence_transformers": {"cpu_ms_per_chunk": st_ms},
        "int8": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\n{len(texts)} BBC chunks, 1 thread, batch {args.batch_size}, best of {args.repeat} "
          f"(load {load_at_start:.1f} -> {os.getloadavg()[0]:.1f})")
    print(f"{'sentence-transformers':22} {st_ms:6.1f} ms/chunk")
    print(f"{'onnx fp32':22} {fp32_ms:6.1f} ms/chunk (again at the end: {fp32_again_ms:.1f}); cos vs ST min "
          f"{result['fp32_onnx']['vs_sentence_transformers']['min']:.4f}")
    for name, row in rows.items():
        print(f"{'int8 ' + name:22} {row['cpu_ms_per_chunk']:6.1f} ms/chunk  x{row['speedup_vs_fp32']:.2f} fp32  "
              f"x{row['speedup_vs_sentence_transformers']:.2f} ST  cos vs fp32 mean {row['vs_fp32']['mean']:.4f} "
              f"p1 {row['vs_fp32']['p01']:.4f} min {row['vs_fp32']['min']:.4f}  {row['file_mb']:.0f} MB")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
