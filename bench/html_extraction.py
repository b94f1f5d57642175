"""HTML extraction quality: how much of a saved page's stored text is the article.

Scores three extractors on the 91 pages of article-extraction-dev (the dev half of the
scrapinghub/Zyte article extraction benchmark; the other half is held out) with the
benchmark's own scorer, reimplemented from its description in /work/shared/data/README.md:
``\\w+`` tokens (case kept), a multiset of 4-token shingles per text (a text shorter than 4
tokens is one shingle), per-page tp/fp/fn normalised by their sum, precision and recall as
means over pages, F1 of those means.

- ``loader``: what the product stores, ``assistant.documents.load_file`` on the page saved as
  a .html file (decoding, extraction, the visible-text fallback, everything).
- ``old_loader``: the hand-written BeautifulSoup walk it replaced (copied below, verbatim in
  behaviour, so the comparison is in the same run).
- ``trafilatura_defaults``: ``trafilatura.extract(html, url=url)`` with no options.

The loader's trafilatura options were chosen on this dev set only (see
``TRAFILATURA_OPTIONS`` in assistant/documents.py). Targets: F1 >= 0.93, precision >= 0.90,
0 pages without text.

    python bench/html_extraction.py [--data /work/shared/data/article-extraction-dev]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

from assistant.documents import load_file  # noqa: E402

DEFAULT_DATA = corpus.DATA / "article-extraction-dev"
_TOKEN = re.compile(r"\w+")


# ---- the benchmark's scorer ----------------------------------------------------------------
def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(true: str, pred: str) -> tuple[float, float, float]:
    want, got = shingles(true), shingles(pred)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def aggregate(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    precision = mean([1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0])
    recall = mean([1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4)}


# ---- extractors ----------------------------------------------------------------------------
def loader(html: str, url: str | None, workdir: Path) -> tuple[str, bool]:
    """-> (stored text, fell back to visible text)"""
    page = workdir / "page.html"
    page.write_text(html, encoding="utf-8")
    result = load_file(page)
    text = result.documents[0].page_content if result.documents else ""
    return text, bool(result.notes)


def trafilatura_defaults(html: str, url: str | None, workdir: Path) -> tuple[str, bool]:
    import trafilatura

    return trafilatura.extract(html, url=url) or "", False


_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button", "figure", "menu"]
_BLOCK_TAGS = {"p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "tr", "br", "dd", "dt", "main"}


def old_loader(html: str, url: str | None, workdir: Path) -> tuple[str, bool]:
    """The BeautifulSoup walk assistant/documents.py used before trafilatura (issue 17)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    og = soup.find("meta", attrs={"property": "og:title"})
    title = (og.get("content") if og else None) or (soup.title.get_text(" ", strip=True) if soup.title else None) \
        or (soup.h1.get_text(" ", strip=True) if soup.h1 else None)
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    parts: list[str] = []
    for node in root.find_all(string=True):
        parent = node.parent.name if node.parent else ""
        piece = " ".join(str(node).split())
        if not piece:
            continue
        if parent in _BLOCK_TAGS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
        parts.append(piece + ("\n" if parent in _BLOCK_TAGS else " "))
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    body = "\n".join(line for line in lines if line)
    if title and body.startswith(title):
        body = body[len(title) :].lstrip("\n")
    return body.strip("\n"), False


EXTRACTORS: dict[str, Callable[[str, str | None, Path], tuple[str, bool]]] = {
    "loader": loader,
    "old_loader": old_loader,
    "trafilatura_defaults": trafilatura_defaults,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "html_extraction.json")
    args = ap.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
             for key in sorted(truth)}
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extract in EXTRACTORS.items():
            started = time.perf_counter()
            counts, empty, fallbacks, worst = [], [], 0, []
            for key, html in pages.items():
                text, fell_back = extract(html, truth[key].get("url"), Path(tmp))
                fallbacks += fell_back
                if not text.strip():
                    empty.append(key)
                counts.append(page_counts(truth[key].get("articleBody", ""), text))
                worst.append((round(counts[-1][0], 3), key))
            seconds = time.perf_counter() - started
            results[name] = {**aggregate(counts), "pages": len(pages), "pages_without_text": len(empty),
                             "empty_pages": empty, "visible_text_fallbacks": fallbacks,
                             "ms_per_page": round(1000 * seconds / len(pages), 1),
                             "lowest_tp_share": sorted(worst)[:5]}
            r = results[name]
            print(f"{name:<22} F1 {r['f1']:.3f}  precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
                  f"without text {r['pages_without_text']}  fallbacks {fallbacks}  {r['ms_per_page']} ms/page",
                  flush=True)
    ours = results["loader"]
    targets = {"f1": 0.93, "precision": 0.90, "pages_without_text": 0}
    passed = ours["f1"] >= targets["f1"] and ours["precision"] >= targets["precision"] \
        and ours["pages_without_text"] == 0
    report = {"data": str(args.data), "split": "dev (91 pages; options tuned on this split)",
              "command": "python bench/html_extraction.py", "targets": targets, "pass": passed,
              "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{'PASS' if passed else 'FAIL'}: loader F1 {ours['f1']:.3f} (>= 0.93), precision {ours['precision']:.3f} "
          f"(>= 0.90), {ours['pages_without_text']} pages without text; wrote {args.out}")
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
