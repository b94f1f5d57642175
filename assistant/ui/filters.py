"""The Ask tab's filters as a user types them: dates read leniently, problems said plainly.

A date box accepts 2021-07-28, 2021/07/28, 2021-07, 2021, "July 2021", "Jul 2021", "28 July 2021"
and "July 28, 2021". A month or year alone means its first day in "From" and its last day in
"To", so "July 2021" in both boxes is the whole month. Anything else gets a message that says
what to type; it never reaches the filter code (whose int() parse once showed "invalid literal
for int()" to the user).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from assistant.catalog import Filters
from assistant.lexicon import MONTH_NUMBER

_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
HOW = "Type a date as YYYY-MM-DD (e.g. 2021-07-28), a month (2021-07 or July 2021) or a year."


class DateInputError(ValueError):
    pass


def parse_date(text: str | None, *, end: bool = False) -> str | None:
    """A typed date as YYYY-MM-DD (None when empty). A month or year alone is its first day,
    or its last day when ``end``. Raises DateInputError with a message for the user."""
    raw = (text or "").strip()
    if not raw:
        return None
    year = month = day = None
    if m := _ISO.match(raw):
        year, month, day = int(m.group(1)), m.group(2) and int(m.group(2)), m.group(3) and int(m.group(3))
    elif m := _MONTH_YEAR.match(raw):
        month, year = MONTH_NUMBER.get(m.group(1).lower()), int(m.group(2))
        if month is None:
            raise DateInputError(f"“{raw}” is not a date: “{m.group(1)}” is not a month. {HOW}")
    elif m := _DAY_MONTH_YEAR.match(raw):
        day, month, year = int(m.group(1)), MONTH_NUMBER.get(m.group(2).lower()), int(m.group(3))
    elif m := _MONTH_DAY_YEAR.match(raw):
        month, day, year = MONTH_NUMBER.get(m.group(1).lower()), int(m.group(2)), int(m.group(3))
    if year is None or (month is None and day is not None):
        raise DateInputError(f"“{raw}” is not a date. {HOW}")
    if month is None:
        month, day = (12, 31) if end else (1, 1)
    elif not 1 <= month <= 12:
        raise DateInputError(f"“{raw}” is not a date: there is no month {month}. {HOW}")
    if day is None:
        day = calendar.monthrange(year, month)[1] if end else 1
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise DateInputError(f"“{raw}” is not a date: {calendar.month_name[month]} {year} has no day {day}. "
                             f"{HOW}") from None


@dataclass
class AskFilters:
    """What the filter boxes say: the Filters to apply, chips to show, and problems."""

    filters: Filters | None = None
    chips: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return ", ".join(self.chips)


def read_filters(date_from: str | None, date_to: str | None, source: str | None) -> AskFilters:
    out = AskFilters()
    start = end = None
    for label, raw, is_end in (("From", date_from, False), ("To", date_to, True)):
        try:
            value = parse_date(raw, end=is_end)
        except DateInputError as exc:
            out.problems.append(f"{label}: {exc}")
            continue
        if value is None:
            continue
        shown = value if value == (raw or "").strip() else f"{value} (“{(raw or '').strip()}”)"
        out.chips.append(f"{label} {shown}")
        start, end = (start, value) if is_end else (value, end)
    if start and end and start > end:
        out.problems.append(f"The From date ({start}) is after the To date ({end}); swap them.")
    if source:
        out.chips.append(f"Source: {source}")
    if out.ok and (start or end or source):
        out.filters = Filters(date_from=start, date_to=end, source=source or None)
    return out

