"""Date ranges a question names ("last week", "in March 2005", "yesterday"), relative to today."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_UNITS = {
    "day": 1,
    "days": 1,
    "week": 7,
    "weeks": 7,
    "month": 30,
    "months": 30,
    "year": 365,
    "years": 365,
}


@dataclass(frozen=True)
class DateRange:
    """Inclusive bounds; None means open on that side. `phrase` is the text that named it."""

    after: date | None
    before: date | None
    phrase: str
    relative: bool  # "last week" is about publication; "in 2004" may be about events in the text


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _relative(match: re.Match[str], today: date) -> tuple[date | None, date | None]:
    word = match.group(0).lower()
    if word == "today":
        return today, today
    if word == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    which, unit = match.group("which").lower(), match.group("unit").lower()
    if unit == "week":
        anchor = today if which == "this" else today - timedelta(days=7)
        return _week_of(anchor)
    if unit == "month":
        year, month = today.year, today.month
        if which == "last":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return _month_range(year, month)
    year = today.year if which == "this" else today.year - 1
    return date(year, 1, 1), date(year, 12, 31)


def _past(match: re.Match[str], today: date) -> tuple[date | None, date | None]:
    count = int(match.group("n") or 1)
    return today - timedelta(days=count * _UNITS[match.group("unit").lower()]), today


def _month_year(match: re.Match[str], today: date) -> tuple[date, date]:
    month = MONTHS[match.group("month").lower()]
    year = int(match.group("year")) if match.group("year") else _latest_year_for(month, today)
    return _month_range(year, month)


def _latest_year_for(month: int, today: date) -> int:
    """ "in March" means the most recent March that has begun."""
    return today.year if month <= today.month else today.year - 1


def _year(match: re.Match[str], today: date) -> tuple[date, date]:
    year = int(match.group("year"))
    return date(year, 1, 1), date(year, 12, 31)


def _since(match: re.Match[str], today: date) -> tuple[date | None, date | None]:
    start, end = _month_year(match, today) if match.group("month") else _year(match, today)
    if match.group("dir").lower() in ("before", "until"):
        return None, start - timedelta(days=1)
    if match.group("dir").lower() == "after":
        return end + timedelta(days=1), None
    return start, None


_PAST = r"\b(?:in\s+)?the\s+(?:past|last)\s+(?P<n>\d+\s+)?(?P<unit>days?|weeks?|months?|years?)\b"
_THIS_OR_LAST = r"\b(?P<which>this|last)\s+(?P<unit>week|month|year)\b"
_SINCE = rf"\b(?P<dir>since|after|before|until)\s+(?:(?P<month>{_MONTH})\.?\s+)?(?P<year>{_YEAR})\b"
_IN_MONTH = rf"\b(?:in|during)\s+(?P<month>{_MONTH})\.?(?:\s+(?P<year>{_YEAR}))?\b"
_MONTH_YEAR = rf"\b(?P<month>{_MONTH})\.?\s+(?P<year>{_YEAR})\b"
_IN_YEAR = rf"\b(?:in|during)\s+(?P<year>{_YEAR})\b"
_RULES = [
    (re.compile(r"\b(?:today|yesterday)\b", re.I), _relative),
    (re.compile(_PAST, re.I), _past),
    (re.compile(_THIS_OR_LAST, re.I), _relative),
    (re.compile(_SINCE, re.I), _since),
    (re.compile(_IN_MONTH, re.I), _month_year),
    (re.compile(_MONTH_YEAR, re.I), _month_year),
    (re.compile(_IN_YEAR, re.I), _year),
]


def find_date_range(question: str, today: date) -> DateRange | None:
    """The first date range the question names, or None; earlier rules are more specific."""
    for pattern, resolve in _RULES:
        match = pattern.search(question)
        if match:
            after, before = resolve(match, today)
            relative = resolve in (_relative, _past)
            return DateRange(after, before, match.group(0), relative)
    return None
