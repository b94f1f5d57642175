"""CLI latency: whole-process wall time of `assistant ask` and `assistant docs`, as a user
meets them (a new process per question), beside `python -c pass` and `assistant --help`
measured in the same run, so the ratios carry across machines.

A library of BBC articles (a few thousand chunks) is ingested once into a temporary data
dir (or --data-dir, reused). Each command runs once as a warm-up, then --repeat times,
interleaved round-robin so a noisy neighbour hurts every command alike; the median and
max are reported. `ask` also reports the answer's own `timings.total_ms`, so start-up
(imports, opening the index, loading models) and answering can be told apart.

    python bench/cli_latency.py [--articles 600] [--repeat 7] [--runtimes onnx,sentence-transformers]
    python bench/cli_latency.py --compare-tree /tmp/old   # also `ask` from another checkout (git worktree
                                                          # add /tmp/old REV), interleaved in the same rounds

Targets (issue 19): cold `assistant ask` <= 2.0 s with the local model, `assistant docs` <= 0.8 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

QUESTIONS = [
    "What did the Bank of England decide about interest rates?",
    "Who won the Oscar for best actress?",
    "How many jobs will be cut at the car plant?",
    "What did Tony Blair say about the election?",
    "Which team won the Six Nations match?",
]


def assistant_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def run(cmd: list[str], env: dict, timeout: float = 600, cwd: Path = ROOT) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout). CPU time is what the command costs
    on an idle machine's cores; wall time is what a user waits, neighbours included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} ... failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, proc.stdout


def build_library(data_dir: Path, articles: int, env: dict) -> dict:
    from assistant.documents import find_files

    files, _ = find_files(corpus.bbc_folders())
    run(assistant_cmd("--data-dir", str(data_dir), "ingest", "--json", *map(str, files[:articles])), env, 7200)
    out = run(assistant_cmd("--data-dir", str(data_dir), "info"), env)[2]
    line = next((x for x in out.splitlines() if "documents," in x), "")
    return {"articles": articles, "library": " ".join(line.replace("│", " ").split())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=600, help="BBC articles in the library (600 ~ 2,900 chunks)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted")
    ap.add_argument("--data-dir", help="reuse this library (ingested on first use)")
    ap.add_argument("--runtimes", default="onnx,sentence-transformers",
                    help="embedding runtimes to time `ask` with (ASSISTANT_EMBEDDINGS__RUNTIME)")
    ap.add_argument("--compare-tree", help="another checkout of the project: its `ask` (first runtime) is timed "
                                           "in the same rounds, for a before/after on the same machine state")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cli_latency.json"))
    args = ap.parse_args()

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    base_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), base_env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-cli-"))
    base_env["ASSISTANT_DATA_DIR"] = str(data_dir)
    if (data_dir / "catalog.sqlite").exists():
        library = {"articles": None, "library": f"reused {data_dir}"}
    else:
        print(f"ingesting {args.articles} BBC articles into {data_dir} ...", file=sys.stderr)
        library = build_library(data_dir, args.articles, base_env)

    commands: dict[str, tuple[list[str], dict, Path]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], base_env, ROOT),
        "assistant --help": (assistant_cmd("--help"), base_env, ROOT),
        "assistant docs": (assistant_cmd("docs"), base_env, ROOT),
    }
    runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    for runtime in runtimes:
        env = {**base_env, "ASSISTANT_EMBEDDINGS__RUNTIME": runtime}
        commands[f"assistant ask --json ({runtime})"] = (assistant_cmd("ask", "--json"), env, ROOT)
    if args.compare_tree:
        other = Path(args.compare_tree).resolve()
        rev = subprocess.run(["git", "-C", str(other), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip() or other.name
        env = {**base_env, "PYTHONPATH": str(other), "ASSISTANT_EMBEDDINGS__RUNTIME": runtimes[0]}
        commands[f"assistant ask --json ({runtimes[0]}) @{rev}"] = (assistant_cmd("ask", "--json"), env, other)

    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    answer_ms: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(args.repeat + args.warmup):  # the first --warmup rounds are not counted
        for name, (cmd, env, cwd) in commands.items():
            full = [*cmd, QUESTIONS[round_ % len(QUESTIONS)]] if "ask" in name else cmd
            elapsed, cpu, out = run(full, env, cwd=cwd)
            if round_ < args.warmup:
                continue
            walls[name].append(elapsed)
            cpus[name].append(cpu)
            if "ask" in name:
                answer_ms[name].append(float(json.loads(out)["timings"]["total_ms"]))
        print(f"round {round_ + 1}/{args.repeat + args.warmup} done", file=sys.stderr)

    rows = {}
    for name, times in walls.items():
        rows[name] = {"median_s": statistics.median(times), "max_s": max(times), "runs": len(times),
                      "cpu_median_s": statistics.median(cpus[name])}
        if answer_ms[name]:
            rows[name]["answer_total_ms_median"] = statistics.median(answer_ms[name])
    summary = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_1m_at_end": os.getloadavg()[0]},
        **library, "repeat": args.repeat, "warmup": args.warmup, "commands": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    base = rows["python -c pass"]["median_s"]
    print(f"\nWhole-process wall time, median of {args.repeat} after {args.warmup} warm-up round(s) "
          f"({summary['machine']['cpus']} CPUs, "
          f"load {summary['machine']['loadavg_1m_at_end']:.1f}); library: {library['library']}")
    print(f"{'command':44} {'median':>8} {'max':>8} {'- python':>9} {'cpu':>7}  answer (timings.total_ms)")
    for name, row in rows.items():
        extra = f"{row['answer_total_ms_median']:.0f} ms" if "answer_total_ms_median" in row else ""
        print(f"{name:44} {row['median_s']:7.2f}s {row['max_s']:7.2f}s {row['median_s'] - base:8.2f}s "
              f"{row['cpu_median_s']:6.2f}s  {extra}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
