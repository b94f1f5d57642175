"""Build the judge's training and evaluation data from the RealTime QA benchmark library.

For every 2024 quiz question (all weeks; the training script uses only the even, dev weeks):
the dense and BM25 rankings (for choosing the fusion by week-wise cross-validation), and every
sentence of the top retrieved chunks with the judge's features and a label: the sentence holds
the right choice's text. Questions whose excerpt is not in the library are unanswerable.

    python bench/judge_data.py            # writes bench/.cache/judge_data.pkl (about 6 minutes)
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from qa_benchmark import contains, open_library  # noqa: E402

from assistant.documents import doc_id_for  # noqa: E402
from assistant.evidence import EvidenceSelector  # noqa: E402
from assistant.judge.answerability import sentence_features  # noqa: E402

OUT = corpus.CACHE / "judge_data.pkl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    bot = open_library({})
    qs = corpus.questions()
    weeks = sorted({q.week for q in qs})
    parity = {w: i % 2 for i, w in enumerate(weeks)}
    if args.limit:
        qs = qs[:: max(1, len(qs) // args.limit)]
    # No judge here: this script makes the judge's training data.
    selector = EvidenceSelector(bot.embeddings, bot.index.catalog, bot.counter, bot.settings.answer)
    rows = []
    t0 = time.perf_counter()
    for i, q in enumerate(qs):
        gold = doc_id_for(f"{q.source} news excerpt", q.evidence) if q.evidence else None
        vec = bot.index.embedder.embed_query(q.question)
        fetch = bot.settings.retrieval.fetch_k
        dense = bot.index.dense_search(vec, fetch, None)
        keyword = bot.index.keyword_search(q.question, fetch, None)
        retrieved = bot.retriever.retrieve(q.question)
        qinfo, cands, evs = selector.judge_inputs(q.question, retrieved.chunks, retrieved.query_vector)
        x = sentence_features(qinfo, cands)
        labels = [contains(e.text, q.answer) for e in evs]
        rows.append({
            "qid": q.qid, "week": q.week, "split": "dev" if parity[q.week] == 0 else "test",
            "question": q.question, "answer": q.answer, "answerable": bool(q.evidence), "gold": gold,
            "dense": dense, "keyword": keyword,
            "chunk_docs": {c.id: c.metadata["doc_id"] for c in retrieved.chunks},
            "qinfo": qinfo, "x": x, "y": labels, "texts": [e.text for e in evs],
            "relevance": [e.relevance for e in evs],
            "cand_docs": [e.doc_id for e in evs],
        })
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(qs)} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    # Chunk -> document for every chunk any ranking names (for the fusion search).
    ids = {cid for r in rows for cid, _ in r["dense"] + r["keyword"]}
    chunk_doc = {cid: row.doc_id for cid, row in bot.index.catalog.chunk_rows(sorted(ids)).items()}
    Path(args.out).write_bytes(pickle.dumps({"rows": rows, "chunk_doc": chunk_doc}))
    print(f"wrote {args.out}: {len(rows)} questions", file=sys.stderr)


if __name__ == "__main__":
    main()
