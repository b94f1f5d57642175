"""Summarisation data for the brief benchmarks: BBC (fixed dev/test split) and FRANK CNN/DM dev.

- BBC test: the 200 articles bench/brief_rouge.py has always reported (the first 200 of the
  BBC pairs shuffled with seed 2026). BBC dev: every other article whose text is not also a
  test article's (the collection repeats some stories), for tuning.
- FRANK CNN/DM: 95 CNN/DailyMail articles with their human highlights; a dev set (the held-out
  FRANK test articles are not in ../shared/data and are not looked for).
Research use only; never shipped or read by tests.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import corpus

FRANK = corpus.DATA / "frank-dev" / "articles.jsonl"


@dataclass
class Article:
    key: str         # "bbc/business/001.txt" or "frank/<hash>"
    title: str
    text: str        # the body, as the library would store it
    reference: str
    path: Path | None = None  # the BBC file, for ingesting


def _bbc_body(path: Path) -> tuple[str, str]:
    from assistant.documents import load_file

    doc = load_file(path).documents[0]
    return doc.metadata.get("title", ""), doc.page_content


def bbc(which: str, n: int | None = None) -> list[Article]:
    pairs = corpus.bbc_pairs()
    rng = random.Random(2026)
    rng.shuffle(pairs)
    test = pairs[:200]
    if which == "test":
        chosen = test
    else:
        seen = {_norm(p.read_text(encoding="utf-8", errors="replace")) for p, _ in test}
        chosen = []
        for art, summ in pairs[200:]:
            body = _norm(art.read_text(encoding="utf-8", errors="replace"))
            if body in seen:
                continue
            seen.add(body)
            chosen.append((art, summ))
    out = []
    for art, summ in chosen[: n or len(chosen)]:
        title, body = _bbc_body(art)
        out.append(Article(f"bbc/{art.parent.name}/{art.name}", title, body,
                           summ.read_text(encoding="utf-8", errors="replace"), art))
    return out


def frank_dev(n: int | None = None) -> list[Article]:
    out = []
    for line in FRANK.read_text(encoding="utf-8").splitlines()[: n or None]:
        row = json.loads(line)
        out.append(Article(f"frank/{row['hash']}", frank_title(row["url"]), row["article"], row["reference"]))
    return out


def frank_title(url: str) -> str:
    """The headline words of a CNN/DailyMail URL ("...article-3057427/Man-dies-tragic-road-...html")."""
    slug = url.rstrip("/").split("/")[-1]
    if slug in {"index.html", ""}:
        slug = url.rstrip("/").split("/")[-2]
    slug = re.sub(r"\.html?$", "", slug)
    words = [w for w in re.split(r"[-_]+", slug) if w and not w.isdigit()]
    return " ".join(words).capitalize() or "Untitled"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()
