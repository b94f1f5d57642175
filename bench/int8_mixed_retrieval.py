"""Retrieval with int8 chunk vectors and fp32 queries, the default since
``embeddings.chunk_runtime`` (issue 19): the index the product builds by default, beside an
index of fp32 chunk vectors (``chunk_runtime=same``) and one built and queried with the int8
runtime (``onnx-int8``), on the same code. RealTime QA 2024 dev split, the 500 answerable
questions, hit@1/5/10 of the answering excerpt, dense and hybrid. Each index is built once into
bench/.cache (the qa_benchmark cache; about 3-4 minutes each on 2 cores).

    python bench/int8_mixed_retrieval.py      # writes bench/results/int8_mixed_retrieval.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import qa_benchmark  # noqa: E402
import record  # noqa: E402

from assistant.documents import doc_id_for  # noqa: E402

FP32 = {"embeddings": {"chunk_runtime": "same"}}
INT8 = {"embeddings": {"runtime": "onnx-int8", "int8_recipe": "matmul-pc"}}


def hits(bot, questions, gold) -> dict:
    return {mode: {k: round(v, 3) for k, v in qa_benchmark.retrieval_metrics(bot, questions, gold, mode).items()
                   if k.startswith("hit@")} for mode in ("dense", "hybrid")}


def main() -> None:
    questions = [q for q in corpus.split(corpus.questions(), "dev") if q.evidence]
    gold = {q.qid: doc_id_for(f"{q.source} news excerpt", q.evidence) for q in questions}
    result: dict = {"commit": record.commit(), "split": "dev", "n_answerable": len(questions)}
    result["fp32 index, fp32 queries"] = hits(qa_benchmark.open_library(FP32), questions, gold)
    result["int8 index, int8 queries"] = hits(qa_benchmark.open_library(INT8), questions, gold)
    shipped = qa_benchmark.open_library({})
    assert shipped.embeddings.chunk_runtime.startswith("onnx-int8") and shipped.embeddings.runtime == "onnx"
    result["int8 index, fp32 queries"] = hits(shipped, questions, gold)
    result["library"] = shipped.stats()
    for label, row in result.items():
        if isinstance(row, dict) and "dense" in row:
            print(f"{label:28} dense {row['dense']}  hybrid {row['hybrid']}")
    out = ROOT / "bench" / "results" / "int8_mixed_retrieval.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
