"""Split a backfill's date range into calendar chunks: each one a child run that can finish on its own."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


class DateRange(BaseModel):
    start_from: date
    start_to: date

    @property
    def label(self) -> str:
        return f"{self.start_from.isoformat()}..{self.start_to.isoformat()}"


def _chunk_start(day: date, months: int) -> date:
    month0 = (day.month - 1) // months * months
    return date(day.year, month0 + 1, 1)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def date_chunks(start_from: date, start_to: date, size: str) -> list[DateRange]:
    """Calendar-aligned pieces (Q1 is Jan–Mar) clipped to the range, in order.

    Aligned to the calendar rather than to `start_from`, so a backfill of 2019-02-10..2020
    and a later one of 2019 share chunk boundaries and their run names say the same quarters.
    """
    if start_to < start_from:
        raise ValueError(f"range is inverted: {start_from} is after {start_to}")
    months = MONTHS_PER[size]
    chunks: list[DateRange] = []
    begin = _chunk_start(start_from, months)
    while begin <= start_to:
        end = _add_months(begin, months) - timedelta(days=1)
        chunks.append(DateRange(start_from=max(begin, start_from), start_to=min(end, start_to)))
        begin = _add_months(begin, months)
    return chunks
