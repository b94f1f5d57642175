"""Benchmark corpora built from ../shared/data (research use; never shipped or used by tests).

- RealTime QA 2024: 1,488 weekly news-quiz questions; 991 carry the excerpt of the news
  article that answers them, 497 have none (mostly local DelawareOnline news).
- BBC News 2004-05: 2,225 articles, used as distractors and for ingest/brief benchmarks.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
# NEWS_BENCH_DATA, else the shared data beside the main checkout (../shared/data) or beside
# the worktrees (../../shared/data).
DATA = Path(os.environ.get("NEWS_BENCH_DATA") or next(
    (p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
    ROOT.parent / "shared" / "data"))
BBC = DATA / "bbc"
RTQA = DATA / "realtimeqa-2024"
CACHE = Path(os.environ.get("NEWS_BENCH_CACHE", ROOT / "bench" / ".cache"))


@dataclass
class Question:
    qid: str
    week: str
    question: str
    answer: str  # text of the correct choice
    choices: list[str]
    evidence: str  # plain text ("" when the quiz gave none)
    source: str


def clean(html_text: str) -> str:
    text = BeautifulSoup(html_text, "html.parser").get_text(" ")
    return re.sub(r"\s+", " ", text).strip()


def questions() -> list[Question]:
    out = []
    for path in sorted(RTQA.glob("*_qa.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            out.append(Question(
                qid=q["question_id"], week=path.name[:8], question=q["question_sentence"].strip(),
                answer=q["choices"][int(q["answer"][0])].strip(), choices=q["choices"],
                evidence=clean(q["evidence"]) if q["evidence"] else "", source=q["question_source"]))
    return out


def split(qs: list[Question], which: str) -> list[Question]:
    """'dev' = even-numbered weeks (for tuning), 'test' = odd weeks (for reporting), 'all'."""
    weeks = sorted({q.week for q in qs})
    parity = {w: i % 2 for i, w in enumerate(weeks)}
    if which == "all":
        return qs
    return [q for q in qs if parity[q.week] == (0 if which == "dev" else 1)]


def excerpt_file() -> Path:
    """The answering excerpts as a JSONL corpus, one record per distinct excerpt."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "rtqa_excerpts.jsonl"
    if not path.exists():
        seen: dict[str, dict] = {}
        for q in questions():
            if q.evidence and q.evidence not in seen:
                seen[q.evidence] = {"title": f"{q.source} news excerpt", "date": q.week,
                                    "source": q.source, "text": q.evidence}
        path.write_text("\n".join(json.dumps(r) for r in seen.values()) + "\n", encoding="utf-8")
    return path


def bbc_folders() -> list[Path]:
    return [BBC / "articles"]


def bbc_pairs() -> list[tuple[Path, Path]]:
    """(article, reference summary) pairs in a fixed order."""
    pairs = []
    for art in sorted((BBC / "articles").glob("*/*.txt")):
        summ = BBC / "summaries" / art.parent.name / art.name
        if summ.exists():
            pairs.append((art, summ))
    return pairs
