"""Answer latency with the local model writing (answer.generate=always), against raw
llama-cpp-python in the same run.

For each question: the full pipeline (retrieve, evidence, generate, verify) through
Assistant.ask_stream, then the raw engine (Llama.create_chat_completion, streaming) with
the exact same messages. Prints a table and writes JSON.

    python bench/answer_latency.py [--repeat 3] [--out bench/results/answer_latency.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.api import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402

QUESTIONS = [
    "What did Wang Yi ask of the Taliban?",
    "Who did Wang Yi meet in Tianjin?",
    "What did Blinken warn would happen if the Taliban took power by force?",
    "What did the Taliban delegation promise China?",
    "When is the US withdrawal expected to be completed?",
    "What does Beijing fear about Afghanistan?",
    "What did Ashraf Ghani urge the international community to do?",
    "Who is Mullah Abdul Ghani Baradar?",
    "What did the Chinese Foreign Ministry spokesman say about US policy?",
    "How much money did China pledge to the Taliban?",
]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def raw_generation(llama, messages, max_tokens: int) -> dict:
    roles = {"human": "user", "ai": "assistant", "system": "system"}
    msgs = [{"role": roles.get(m.type, "user"), "content": m.content} for m in messages]
    start = time.perf_counter()
    first, n = None, 0
    for part in llama.create_chat_completion(messages=msgs, max_tokens=max_tokens, temperature=0.0,
                                             repeat_penalty=1.1, stream=True):
        if part["choices"][0].get("delta", {}).get("content"):
            n += 1
            if first is None:
                first = time.perf_counter() - start
    total = time.perf_counter() - start
    gen_time = total - (first or 0)
    return {"ttft_ms": (first or total) * 1000, "total_ms": total * 1000, "tokens": n,
            "tok_s": (n - 1) / gen_time if n > 1 and gen_time > 0 else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "answer_latency.json"))
    args = ap.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    # The model writes here (the bundled one does not by default: answer.generate): this
    # measures the pipeline's overhead around the engine.
    bot = Assistant(Settings(data_dir=data, answer={"generate": "always"}))
    t = time.perf_counter()
    bot.ingest([ROOT / "samples" / "articles"])
    load_s = time.perf_counter() - t
    bot.ask("warm up: who met in Tianjin?")
    llama = bot.llm.llama()

    rows = []
    for _ in range(args.repeat):
        for q in QUESTIONS:
            llama.reset()  # no KV-cache reuse between runs: both sides process the full prompt
            start = time.perf_counter()
            first = None
            answer = None
            for ev in bot.ask_stream(q):
                if ev.type == "sentence" and first is None:
                    first = time.perf_counter() - start
                if ev.type == "answer":
                    answer = ev.answer
            total = (time.perf_counter() - start) * 1000
            row = {"question": q, "mode": answer.mode, "total_ms": total, "pipeline_ttft_ms":
                   first * 1000 if first else None, **{f"t_{k}": v for k, v in answer.timings.items()},
                   "completion_tokens": answer.usage.get("completion_tokens", 0)}
            gen_ms = answer.timings.get("generate_ms", 0.0)
            ttft_in_gen = (answer.timings.get("ttft_ms", 0.0) - answer.timings.get("retrieve_ms", 0.0)
                           - answer.timings.get("evidence_ms", 0.0))
            n = row["completion_tokens"]
            decode_s = (gen_ms - ttft_in_gen) / 1000
            row["pipeline_tok_s"] = (n - 1) / decode_s if n > 1 and decode_s > 0 else None
            if not answer.abstained:
                _, _, selection, _ = bot.qa.prepare(q)
                evidence = selection.evidence
                usable = [e for e in evidence if not e.instruction]
                llama.reset()
                raw = raw_generation(llama, bot.qa.prompt_messages(q, usable), bot.settings.llm.max_tokens)
                row.update({f"raw_{k}": v for k, v in raw.items()})
            rows.append(row)

    answered = [r for r in rows if "raw_total_ms" in r]
    summary = {
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "questions": len(QUESTIONS), "repeat": args.repeat, "model_load_and_ingest_s": load_s,
        "answer_total_ms_p50": statistics.median(r["total_ms"] for r in rows),
        "answer_total_ms_p95": pct([r["total_ms"] for r in rows], 0.95),
        "ttft_ms_p50": statistics.median(r["pipeline_ttft_ms"] for r in answered if r["pipeline_ttft_ms"]),
        "raw_ttft_ms_p50": statistics.median(r["raw_ttft_ms"] for r in answered),
        "raw_total_ms_p50": statistics.median(r["raw_total_ms"] for r in answered),
        "pipeline_tok_s_p50": statistics.median(r["pipeline_tok_s"] for r in answered if r["pipeline_tok_s"]),
        "raw_tok_s_p50": statistics.median(r["raw_tok_s"] for r in answered if r["raw_tok_s"] == r["raw_tok_s"]),
        "breakdown_ms_p50": {k: statistics.median(r.get(f"t_{k}", 0.0) for r in rows)
                             for k in ("embed_ms", "retrieve_ms", "evidence_ms", "generate_ms", "verify_ms",
                                       "short_answer_ms")},
        "modes": {m: sum(1 for r in rows if r["mode"] == m) for m in ("generated", "extractive", "abstained")},
    }
    summary["tok_s_ratio"] = summary["pipeline_tok_s_p50"] / summary["raw_tok_s_p50"]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))

    s = summary
    print(f"\nAnswer latency, local model ({s['questions']} questions x {s['repeat']}), {s['machine']['cpus']} CPUs")
    print(f"{'metric':34} {'pipeline':>10} {'raw llama.cpp':>14}")
    print(f"{'answer total p50 (ms)':34} {s['answer_total_ms_p50']:10.0f} {s['raw_total_ms_p50']:14.0f}")
    print(f"{'answer total p95 (ms)':34} {s['answer_total_ms_p95']:10.0f}")
    print(f"{'time to first token p50 (ms)':34} {s['ttft_ms_p50']:10.0f} {s['raw_ttft_ms_p50']:14.0f}")
    print(f"{'generation tokens/s p50':34} {s['pipeline_tok_s_p50']:10.1f} {s['raw_tok_s_p50']:14.1f}"
          f"   ratio {s['tok_s_ratio']:.2f}")
    print("breakdown p50 (ms): " + ", ".join(f"{k[:-3]} {v:.0f}" for k, v in s["breakdown_ms_p50"].items()))
    print(f"modes: {s['modes']}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
