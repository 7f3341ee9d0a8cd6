"""Recurrence rules for repeated calls: the owner's words ("every weekday at 8") read as an RFC 5545
RRULE, and the next occurrence of a rule in the owner's time zone (dateutil's rrule does the rule
arithmetic; this module only reads words and handles the zone).

Occurrences are computed on the owner's wall clock, then placed in the zone, so "every day at 8"
stays at 8 across daylight saving changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
TIME = re.compile(r"\bat\s+(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", re.I)
ORDINAL = re.compile(r"\b(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:[:.h]\d|am|pm|a\.m|p\.m))", re.I)
#: The closest two calls of one series may be: a reminder series is not a way to flood a phone.
MIN_GAP = timedelta(hours=1)


class RecurrenceError(ValueError):
    """The words or rule do not describe a usable repetition; the message says what would."""


def _day_code(word: str) -> str:
    word = word.lower().rstrip("s") if not word.lower().endswith("ss") else word.lower()
    for name, code in DAYS.items():
        if name.startswith(word[:3]):
            return code
    raise RecurrenceError(f"{word!r} is not a day of the week")


def _time(text: str) -> tuple[int, int]:
    match = TIME.search(text)
    if match is None:
        raise RecurrenceError('say at what time, e.g. "every weekday at 8" or "every monday at 18:30"')
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = (match.group(3) or "").lower().replace(".", "")
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise RecurrenceError(f"{match.group(0).strip()!r} is not a time of day")
    return hour, minute


def rule_from_words(text: str) -> str:
    """An RRULE (without DTSTART) for "every weekday at 8", "every monday and thursday at 6pm",
    "daily at 7:30", "every 2 days at 9", "every month on the 1st at 9", "every weekend at 10";
    or a ready RRULE ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0"), checked."""
    words = text.strip()
    if re.match(r"^(?:RRULE:)?FREQ=", words, re.I):
        return check_rule(words.removeprefix("RRULE:").removeprefix("rrule:"))
    lowered = words.lower()
    hour, minute = _time(lowered)
    at = f"BYHOUR={hour};BYMINUTE={minute};BYSECOND=0"
    without_time = TIME.sub(" ", lowered)
    if m := re.search(r"\bevery\s+(\d{1,2})\s+(day|week)s?\b", without_time):
        return check_rule(f"FREQ={'DAILY' if m.group(2) == 'day' else 'WEEKLY'};INTERVAL={int(m.group(1))};{at}")
    if re.search(r"\b(?:weekdays?|work\s*days?|monday\s+to\s+friday)\b", without_time):
        return check_rule(f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;{at}")
    if re.search(r"\bweekends?\b", without_time):
        return check_rule(f"FREQ=WEEKLY;BYDAY=SA,SU;{at}")
    days = re.findall(rf"\b{_DAY}\b", without_time)
    if days:
        codes = ",".join(dict.fromkeys(_day_code(d) for d in days))
        return check_rule(f"FREQ=WEEKLY;BYDAY={codes};{at}")
    if re.search(r"\b(?:every\s+month|monthly)\b", without_time):
        day = ORDINAL.search(without_time.split("month", 1)[1])
        if day is None or not 1 <= int(day.group(1)) <= 31:
            raise RecurrenceError('say which day of the month, e.g. "every month on the 1st at 9"')
        return check_rule(f"FREQ=MONTHLY;BYMONTHDAY={int(day.group(1))};{at}")
    if re.search(r"\b(?:every\s+(?:day|morning|evening|night)|daily|each\s+day)\b", without_time):
        return check_rule(f"FREQ=DAILY;{at}")
    raise RecurrenceError(
        'I could not read how often; try "every day at 8", "every weekday at 8", "every monday at 9" or "every month on the 1st at 9"'
    )


def _parse(rule: str, start: datetime) -> rrule:
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"{rule!r} is not a recurrence rule ({exc})") from None
    if not isinstance(parsed, rrule):
        raise RecurrenceError("give one rule, not a set of rules")
    return parsed


def check_rule(rule: str) -> str:
    """The rule, normalised, when it repeats at most hourly and has occurrences ahead; else RecurrenceError."""
    rule = rule.strip().upper()
    if "DTSTART" in rule:
        raise RecurrenceError("leave DTSTART out; the series starts now")
    start = datetime(2026, 1, 1)
    parsed = _parse(rule, start)
    first = parsed.after(start, inc=True)
    second = parsed.after(first) if first else None
    if first is None:
        raise RecurrenceError("that rule never happens")
    if second is not None and second - first < MIN_GAP:
        raise RecurrenceError("calls may repeat at most once an hour")
    return rule


def series_start(now: datetime, zone: ZoneInfo) -> str:
    """A series' first moment on the owner's wall clock (its DTSTART, kept as text: it has no zone)."""
    return now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0).isoformat()


def next_occurrence(rule: str, zone: ZoneInfo, start: str, after: datetime) -> datetime | None:
    """The first occurrence of `rule` (begun at the wall-clock time `start`) strictly after the UTC
    moment `after`, in UTC; None when the rule has ended (COUNT or UNTIL)."""
    local_after = after.astimezone(zone).replace(tzinfo=None)
    moment = _parse(rule, datetime.fromisoformat(start)).after(local_after)
    return moment.replace(tzinfo=zone).astimezone(UTC) if moment else None


def describe(rule: str) -> str:
    """A short reading of a rule for lists ("weekly on MO,TU,WE,TH,FR at 08:00")."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    at = f" at {int(parts.get('BYHOUR', 0)):02d}:{int(parts.get('BYMINUTE', 0)):02d}" if "BYHOUR" in parts else ""
    every = parts.get("FREQ", "").lower()
    if parts.get("INTERVAL", "1") != "1":
        every = f"every {parts['INTERVAL']} {dict(daily='days', weekly='weeks', monthly='months').get(every, every)}"
    if "BYDAY" in parts:
        every += " on " + ("weekdays" if parts["BYDAY"] == "MO,TU,WE,TH,FR" else parts["BYDAY"])
    if "BYMONTHDAY" in parts:
        every += f" on day {parts['BYMONTHDAY']}"
    return every + at
