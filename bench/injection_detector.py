"""False positives of the prompt-injection detector on real news.

Sentences the detector flags are never shown to the model, so a false positive costs a
usable evidence sentence. This scans every sentence of the 2,225 BBC articles and of the
RealTime QA web-search articles (2022-24 news, many of them about AI) and lists what is
flagged, for a human to check.

    python bench/injection_detector.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import BBC, RTQA  # noqa: E402

from assistant.judge.instructions import looks_like_instruction  # noqa: E402
from assistant.text import sentences  # noqa: E402


def texts() -> dict[str, list[str]]:
    bbc = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((BBC / "articles").glob("*/*.txt"))]
    web, seen = [], set()
    for path in sorted((RTQA / "distractors").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for hit in json.loads(line).get("search_result", []):
                if hit.get("url") not in seen and hit.get("text"):
                    seen.add(hit["url"])
                    web.append(hit["text"])
    return {"bbc": bbc, "web": web}


def main() -> None:
    started = time.perf_counter()
    result = {}
    for name, docs in texts().items():
        total, flagged = 0, []
        for doc in docs:
            for s in sentences(doc):
                total += 1
                if looks_like_instruction(s.text):
                    flagged.append(s.text[:200])
        result[name] = {"articles": len(docs), "sentences": total, "flagged": len(flagged),
                        "rate": len(flagged) / max(total, 1), "examples": flagged}
        print(f"{name:4} {len(docs):5} articles {total:7} sentences  flagged {len(flagged):4} "
              f"({100 * len(flagged) / max(total, 1):.3f}%)")
        for s in flagged:
            print("   -", s[:160])
    result["seconds"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench" / "results" / "injection_detector.json"
    out.write_text(json.dumps(result, indent=2))
    print("wrote", out)


if __name__ == "__main__":
    main()
