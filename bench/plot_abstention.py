"""Draw the abstention curve (abstention vs false abstention as answer.abstain_below moves).

Reads the curve that bench/qa_benchmark.py stored (bench/results/qa_benchmark.json, test weeks
unless run otherwise) and, when present, the near-miss curve from bench/train_judge.py
(bench/results/judge.json), and writes docs/abstention_curve.png. Needs the bench extra
(pip install -e ".[bench]").

    python bench/plot_abstention.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assistant.settings import AnswerSettings

    qa = json.loads((ROOT / "bench" / "results" / "qa_benchmark.json").read_text())
    curve = qa["abstention_curve"]
    chosen = AnswerSettings().abstain_below
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    fa = [p["false_abstention"] for p in curve]
    for key, label in (("abstention_written", "hand-written unanswerable"),
                       ("abstention_no_excerpt", "quiz questions whose news is missing")):
        ax.plot(fa, [p[key] for p in curve], marker=".", label=label)
    judge_path = ROOT / "bench" / "results" / "judge.json"
    if judge_path.exists():
        judge = json.loads(judge_path.read_text())
        test_curve = judge.get("test", {}).get("abstention_curve")
        if test_curve:
            ax.plot([p["false_abstention"] for p in test_curve], [p["abstention_near_miss"] for p in test_curve],
                    marker=".", linestyle="--", label="near misses (answer sentences removed; judge level)")
    at = min(curve, key=lambda p: abs(p["threshold"] - chosen))
    ax.axvline(at["false_abstention"], color="grey", linewidth=0.8)
    ax.annotate(f"shipped: abstain below {chosen:.2f}", (at["false_abstention"], 0.05), rotation=90,
                fontsize=8, color="grey", ha="right")
    ax.set_xlabel("false abstention (answerable questions declined)")
    ax.set_ylabel("abstention on unanswerable questions")
    ax.set_xlim(0, 0.5)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"Abstention vs false abstention, RealTime QA 2024 {qa.get('split', '')} weeks", fontsize=10)
    out = ROOT / "docs" / "abstention_curve.png"
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
