"""Writing a bench's results file when only some of its sets were run this time.

A bench that scores several sets (dev, a held-out set ...) is often re-run on one of them; the
others keep their earlier numbers, each marked with the commit it was measured on, so a
results file never mixes numbers from different code without saying so.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commit() -> str:
    """The checked-out commit, short form ("" outside a git checkout)."""
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def write(out: Path, result: dict, ran: Iterable[str], sets: Iterable[str]) -> None:
    """Write ``result`` (which holds the sets in ``ran``, and ``result["commit"]``) to ``out``,
    keeping from the earlier file every set of ``sets`` not run this time."""
    ran = list(ran)
    if out.exists():
        earlier = json.loads(out.read_text(encoding="utf-8"))
        for name in sets:
            if name not in ran and name in earlier:
                result[name] = dict(earlier[name], commit=earlier[name].get("commit", earlier.get("commit")))
    for name in ran:
        result[name]["commit"] = result["commit"]
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
