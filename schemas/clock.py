"""Time as every layer stores and compares it: aware, in UTC.

Sources send naive timestamps as often as aware ones; naive ones are taken to be UTC already
(what OParl servers that omit the offset mean), so comparing any two never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """`value` made aware; naive input is taken to be UTC."""
    if value is None or value.utcoffset() is not None:
        return value
    return value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    """Now, aware: the UTCDateTime columns refuse naive datetimes."""
    return datetime.now(UTC)
