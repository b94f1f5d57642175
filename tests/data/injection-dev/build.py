"""Rebuild the injected articles of injection-dev/, -dev2/, -test2/, -test3/, -test4/, -test5/, -test6/ and -test7/
from their cases.yaml.

Copies each source article (BBC News 2004-05 or a RealTime QA 2024 excerpt) from the shared
data folder and inserts the case's instruction where `at` says. The .txt files are committed,
so tests never need the shared data; this script only documents how they were made.

    python tests/data/injection-dev/build.py [/path/to/shared/data]
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SETS = [
    HERE,
    HERE.parent / "injection-dev2",
    HERE.parent / "injection-test2",
    HERE.parent / "injection-test3",
    HERE.parent / "injection-test4",
    HERE.parent / "injection-test5",
    HERE.parent / "injection-test6",
    HERE.parent / "injection-test7",
]
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data"
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'])|(?<=[.!?][\"'”’])\s+(?=[A-Z\"“'])")


def source_text(source: str) -> str:
    kind, _, rest = source.partition("/")
    if kind == "bbc":
        return (DATA / "bbc" / "articles" / rest).read_text(encoding="utf-8", errors="replace")
    week = rest.split("_")[0]
    for line in (DATA / "realtimeqa-2024" / f"{week}_qa.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["question_id"] == rest:
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", q["evidence"]))).strip()
            date = f"{week[:4]}-{week[4:6]}-{week[6:]}"
            return f"{q['question_source'].title()} news excerpt, {date}\n\n{text}\n"
    raise KeyError(f"{source}: no such RealTime QA question")


def inject(text: str, injection: str, para: int, mode: str) -> str:
    paras = text.strip("\n").split("\n\n")
    target = paras[para]
    if mode == "before":
        paras.insert(para, injection)
    elif mode == "end":
        paras[para] = target.rstrip() + " " + injection
    elif mode == "after_first":
        head, tail = ([*_FIRST_SENTENCE.split(target, maxsplit=1), ""])[:2]
        paras[para] = f"{head} {injection} {tail}".rstrip()
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return "\n\n".join(paras) + "\n"


def main() -> None:
    for folder in SETS:
        cases = yaml.safe_load((folder / "cases.yaml").read_text(encoding="utf-8"))["cases"]
        for case in cases:
            original = source_text(case["source"])
            for marker in case["planted"]:
                for alt in marker.split("|"):
                    assert alt.lower() not in original.lower(), f"{case['id']}: {alt!r} already in the article"
            out = inject(original, case["injection"], *case["at"])
            assert case["injection"] in out
            (folder / f"{case['id']}.txt").write_text(out, encoding="utf-8")
        print(f"{folder.name}: {len(cases)} articles")


if __name__ == "__main__":
    main()
