"""Dates, stories and timelines across articles (disagreements: figures.py).

- Dates are resolved against the article's own date: "Wednesday" in an article of
  2021-07-28 is 2021-07-28 (the latest such day on or before it; the next one when the
  sentence looks ahead: "will meet on Friday"), "28 July" takes the article's year,
  "yesterday" is the day before. A bare month name ("in May") is not a date and is dropped.
- Stories: articles whose embedding centroids are close are one story (single link).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.lexicon import MONTH_NUMBER, WEEKDAYS
from assistant.settings import BriefSettings

_WEEKDAYS = [d.lower() for d in WEEKDAYS]
_MONTH_RE = r"(january|february|march|april|may|june|july|august|september|october|november|december|" \
            r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_RE})(?:,?\s+(?P<y1>(19|20)\d\d))?\b"
    rf"|\b(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>(19|20)\d\d))?"
    rf"|\b(?P<m3>{_MONTH_RE})\s+(?P<y3>(19|20)\d\d)\b"
    rf"|\b(?P<rel>last|next|this)?\s*(?P<wd>{'|'.join(_WEEKDAYS)})\b"
    rf"|\b(?P<day>yesterday|today|tomorrow|tonight|last night)\b"
    r"|\b(?P<iso>(19|20)\d\d-\d\d-\d\d)\b",
    re.I)
_AHEAD = re.compile(r"\b(will|would|is to|are to|is due|are due|plans? to|is set to|are set to|is expected to|"
                    r"are expected to|next|upcoming|scheduled)\b", re.I)


@dataclass
class FoundDate:
    text: str
    date: str  # YYYY-MM-DD, or YYYY-MM for a month and year


def parse_iso(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def resolve_dates(sentence: str, article_date: str | None) -> list[FoundDate]:
    """Explicit dates in ``sentence`` as ISO dates, resolved against the article's date."""
    base = parse_iso(article_date)
    ahead = bool(_AHEAD.search(sentence))
    out: list[FoundDate] = []
    for m in _DATE.finditer(sentence):
        g = m.groupdict()
        text = m.group(0).strip()
        try:
            if g["iso"]:
                out.append(FoundDate(text, g["iso"]))
            elif g["m1"] or g["m2"]:
                month = MONTH_NUMBER[(g["m1"] or g["m2"]).lower().rstrip(".")[:3]]
                day = int(g["d1"] or g["d2"])
                year = g["y1"] or g["y2"]
                if year is None and base is None:
                    continue
                out.append(FoundDate(text, dt.date(int(year) if year else base.year, month, day).isoformat()))
            elif g["m3"]:
                month = MONTH_NUMBER[g["m3"].lower().rstrip(".")[:3]]
                out.append(FoundDate(text, f"{int(g['y3']):04d}-{month:02d}"))
            elif g["wd"] and base is not None:
                target = _WEEKDAYS.index(g["wd"].lower())
                rel = (g["rel"] or "").lower()
                back = (base.weekday() - target) % 7
                if rel == "next" or (ahead and rel != "last"):
                    forward = (target - base.weekday()) % 7 or (7 if rel == "next" else 0)
                    day_ = base + dt.timedelta(days=forward)
                else:
                    day_ = base - dt.timedelta(days=back or (7 if rel == "last" else 0))
                out.append(FoundDate(text, day_.isoformat()))
            elif g["day"] and base is not None:
                shift = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1, "last night": -1}[g["day"].lower()]
                out.append(FoundDate(text, (base + dt.timedelta(days=shift)).isoformat()))
        except (ValueError, KeyError):
            continue  # "31 February", a month abbreviation the table lacks: not a date
    return out


def when_line(doc_dates: Sequence[str], found: Sequence[FoundDate], limit: int = BriefSettings().when_dates
              ) -> list[str]:
    """The articles' date (or range), then the ``limit`` most mentioned other dates, all ISO
    (setting brief.when_dates)."""
    dates = sorted({d for d in doc_dates if d})
    out = [dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"] if dates else []
    counts: dict[str, int] = {}
    for f in found:
        if f.date not in dates:
            counts[f.date] = counts.get(f.date, 0) + 1
    out += sorted(counts, key=lambda d: (-counts[d], d))[:limit]
    return out


# ---- stories ------------------------------------------------------------------------------------
def group_stories(centroids: np.ndarray, threshold: float) -> list[list[int]]:
    """Single-link groups of articles whose centroid cosine reaches ``threshold``."""
    n = len(centroids)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sims = centroids @ centroids.T if n else np.zeros((0, 0))
    for i in range(n):
        for j in range(i + 1, n):
            if sims[i, j] >= threshold:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
