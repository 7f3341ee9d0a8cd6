"""Reading "tomorrow at 9" or "in 10 minutes" as a moment in the user's time zone (dateparser)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dateparser

BARE_HOUR = re.compile(r"\bat (\d{1,2})\b(?!\s*(?::|h\b|am\b|pm\b|a\.m|p\.m|o'clock))", re.I)


def local_zone(name: str | None) -> ZoneInfo:
    if name:
        return ZoneInfo(name)
    try:
        import tzlocal

        return ZoneInfo(tzlocal.get_localzone_name() or "UTC")
    except Exception:  # noqa: BLE001 - no local zone known: UTC is a safe, stated default
        return ZoneInfo("UTC")


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The UTC moment `text` means for someone in `zone` at `now`, or None when it is not a time."""
    cleaned = BARE_HOUR.sub(lambda m: f"at {m.group(1)}:00", text.strip())
    local_now = now.astimezone(zone).replace(tzinfo=None)
    moment = dateparser.parse(
        cleaned,
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now,
            "TIMEZONE": zone.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TO_TIMEZONE": "UTC",
        },
    )
    return moment.astimezone(UTC) if moment else None
