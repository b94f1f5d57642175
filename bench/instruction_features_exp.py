"""Experiment: do sentence-embedding features make the instruction detector generalise to new styles?

Trains on the dev data of bench/train_instructions.py (same rows, same C), with and without
all-MiniLM-L6-v2 sentence vectors appended to the features, chooses both operating points
out of fold on dev exactly as the trainer does, then scores a validation set of planted
articles written in other styles (tests/data/injection-test2, reported once before and dev
from this experiment on) and the held-out half of the news corpus (false positives).

    NEWS_BENCH_DATA=/path/to/shared/data python bench/instruction_features_exp.py
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import train_instructions as tr  # noqa: E402

from assistant.judge import instructions as ins  # noqa: E402

VECTORS = tr.CACHE / "injection_vectors"


def embed(texts: list[str]) -> np.ndarray:
    """Vectors of texts, cached per text (sha1) in bench/.cache/injection_vectors/*.npz."""
    VECTORS.mkdir(parents=True, exist_ok=True)
    index_path = VECTORS / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {"files": []}
    known: dict[str, np.ndarray] = {}
    for name in index["files"]:
        data = np.load(VECTORS / name)
        for k, v in zip(data["keys"], data["vectors"], strict=True):
            known[str(k)] = v
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        from assistant.embedders import build_embeddings
        from assistant.settings import Settings

        emb = build_embeddings(Settings().embeddings)
        started = time.perf_counter()
        for start in range(0, len(missing), 5000):
            part = missing[start:start + 5000]
            vecs = np.asarray(emb.embed_documents([t for _, t in part]), dtype=np.float32)
            name = f"part-{len(index['files']):04d}.npz"
            np.savez(VECTORS / name, keys=np.array([k for k, _ in part]), vectors=vecs)
            index["files"].append(name)
            index_path.write_text(json.dumps(index))
            for (k, _), v in zip(part, vecs, strict=True):
                known[k] = v
            print(f"  embedded {start + len(part)}/{len(missing)} in {time.perf_counter() - started:.0f} s",
                  flush=True)
    return np.stack([known[k] for k in keys])


def with_vectors(x: sparse.csr_matrix, vecs: np.ndarray, scale: float) -> sparse.csr_matrix:
    return sparse.hstack([x, sparse.csr_matrix(vecs * scale)], format="csr")


def main() -> None:
    extra = "--extra" in sys.argv
    rows, n_real = tr.dev_rows(extra=extra, dev3=False)
    y = np.array([s.label for s in rows])
    groups = np.array([s.group for s in rows])
    real_y = y[:n_real]
    rules = np.array([ins.rule_match(s.text) for s in rows[:n_real]])
    val = tr.injected_set(tr.DEV3)
    val_y = np.array([s.label for s in val])
    held = [s for _, h, ss in tr.corpus_sentences() if h == "held-out" for s in ss]
    print(f"dev {n_real} (+{len(rows) - n_real} augmented), validation {len(val)} ({val_y.sum()} planted), "
          f"held-out news {len(held)}", flush=True)
    x, xv, xh = tr.matrix(rows), tr.matrix(val), tr.matrix(held)
    v, vv, vh = embed([s.text for s in rows]), embed([s.text for s in val]), embed([s.text for s in held])
    val_rules = np.array([ins.rule_match(s.text) for s in val])
    held_rules = np.array([ins.rule_match(s.text) for s in held])
    c = (1.0, 20.0)
    results = {}
    for name, scale in [("current features", None), ("+ vectors x1", 1.0)]:
        a, av, ah = (x, xv, xh) if scale is None else (with_vectors(x, v, scale), with_vectors(xv, vv, scale),
                                                       with_vectors(xh, vh, scale))
        started = time.perf_counter()
        oof = tr.out_of_fold(a, y, groups, c)[:n_real]
        flag_t = tr.operating_point(oof, real_y, rules)
        quote_t = tr.operating_point(oof, real_y, rules, tr.QUOTE_FP_TARGET)
        final = tr.fit(a, y, c)
        sv, sh = final.predict_proba(av)[:, 1], final.predict_proba(ah)[:, 1]
        row = {}
        for point, t in [("flag", flag_t), ("quote", quote_t)]:
            oof_flags = rules | (oof >= t)
            row[point] = {
                "threshold": round(t, 4),
                "dev_oof_recall": round(float(oof_flags[real_y == 1].mean()), 3),
                "dev_oof_false_positives": int(oof_flags[real_y == 0].sum()),
                "validation_recall": round(float((val_rules | (sv >= t))[val_y == 1].mean()), 3),
                "validation_real_flagged": int((val_rules | (sv >= t))[val_y == 0].sum()),
                "held_out_false_positives": int((held_rules | (sh >= t)).sum()),
            }
        results[name] = row
        print(name, f"({time.perf_counter() - started:.0f} s)", json.dumps(row), flush=True)
    out = ROOT / "bench" / "results" / f"instruction_features_exp{'_extra' if extra else ''}.json"
    out.write_text(json.dumps({"held_out_news_sentences": len(held), "validation": "injection-test2",
                               "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
