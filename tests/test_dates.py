"""Date phrases in questions become published-date ranges relative to today."""

from __future__ import annotations

from datetime import date

import pytest

from index.search.dates import find_date_range

TODAY = date(2005, 3, 16)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "after", "before"),
    [
        ("What happened yesterday in parliament?", date(2005, 3, 15), date(2005, 3, 15)),
        ("news today", TODAY, TODAY),
        ("What did the Bank of England say last week?", date(2005, 3, 7), date(2005, 3, 13)),
        ("Any deals this week?", date(2005, 3, 14), date(2005, 3, 20)),
        ("Who won last month?", date(2005, 2, 1), date(2005, 2, 28)),
        ("profits last year", date(2004, 1, 1), date(2004, 12, 31)),
        ("What happened in March 2005?", date(2005, 3, 1), date(2005, 3, 31)),
        ("results in Feb. 2004", date(2004, 2, 1), date(2004, 2, 29)),
        ("sales in December", date(2004, 12, 1), date(2004, 12, 31)),
        ("sales in January", date(2005, 1, 1), date(2005, 1, 31)),
        ("How did shares do in 2004?", date(2004, 1, 1), date(2004, 12, 31)),
        ("What has changed since 2004?", date(2004, 1, 1), None),
        ("strikes before March 2005", None, date(2005, 2, 28)),
        ("deals after 2004", date(2005, 1, 1), None),
        ("in the past 3 days", date(2005, 3, 13), TODAY),
        ("over the last week", date(2005, 3, 9), TODAY),
    ],
)
def test_phrases(question: str, after: date | None, before: date | None) -> None:
    found = find_date_range(question, TODAY)
    assert found is not None and (found.after, found.before) == (after, before)
    assert found.phrase.lower() in question.lower()


@pytest.mark.parametrize(
    "question",
    ["Who is the chancellor?", "What did May say?", "Why did 2004000 shares change hands?"],
)
def test_no_date_named(question: str) -> None:
    assert find_date_range(question, TODAY) is None


def test_january_rolls_back_a_year() -> None:
    found = find_date_range("What happened last month?", date(2005, 1, 10))
    assert found is not None and (found.after, found.before) == (
        date(2004, 12, 1),
        date(2004, 12, 31),
    )
