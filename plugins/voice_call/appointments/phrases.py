"""The owner's words for appointments (hours, calendar, bookings), for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from typing import Any

from assistant.plugin_api import PLACEHOLDER, Ask, Built, Intent, Meaning, Said, ToolCall, slots
from plugins.voice_call.appointments.bookings import DAY_CODES

DAY_NAMES = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
#: A run of days: "monday to friday", "Mon-Fri", "tuesday through thursday".
_DAY = r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
DAY_RUN = re.compile(rf"{_DAY}\s*(?:to|through|thru|till|until|-|–)\s*{_DAY}", re.I)
HOUR = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"


def _clock(hour: str, minute: str | None, half: str | None, afternoon_before: int) -> str:
    """A clock time; without am or pm, an hour before `afternoon_before` is in the afternoon
    (nobody opens for bookings at 2 at night: "2 to 6" is 14:00 to 18:00)."""
    h = int(hour)
    if half == "pm" and h < 12 or (half is None and h < afternoon_before):
        h += 12
    return f"{h:02d}:{int(minute or 0):02d}"


def _stop(text: str) -> bool:
    return bool(re.search(r"\b(?:no\s+more|stop\s+(?:taking|booking)|stop\s+taking)\s+(?:appointments|bookings)\b", text, re.I))


def _hours_args(text: str) -> dict[str, Any] | Ask | None:
    """The days, hours and length in "weekdays from 9 to 5, half an hour each"; None without hours."""
    text = slots.with_digits(text)
    span = re.search(rf"\b(?:from\s+|between\s+)?{HOUR}\s*(?:to|-|until|till|and)\s*{HOUR}", text, re.I)
    if span is None:
        return None
    lowered = text.lower()
    run = DAY_RUN.search(lowered)
    if run:  # "monday through friday", "tue-thu": every day from the first to the last
        first, last = DAY_CODES.index(DAY_NAMES[run.group(1)]), DAY_CODES.index(DAY_NAMES[run.group(2)])
        days = list(DAY_CODES[first : last + 1]) if first <= last else list(DAY_CODES[first:] + DAY_CODES[: last + 1])
    elif "weekday" in lowered:
        days = list(DAY_CODES[:5])
    elif "every day" in lowered or "daily" in lowered or "7 days" in lowered:
        days = list(DAY_CODES)
    else:
        days = [code for name, code in DAY_NAMES.items() if re.search(rf"\b{name}", lowered)]
    if not days:
        return Ask("On which days may callers book?")
    start = _clock(span.group(1), span.group(2), span.group(3), afternoon_before=7)
    end = _clock(span.group(4), span.group(5), span.group(6), afternoon_before=8)
    if end <= start and span.group(6) is None and int(span.group(4)) < 12:  # "10 to 2": the end is after noon
        end = _clock(span.group(4), span.group(5), "pm", afternoon_before=0)
    args: dict[str, Any] = {"days": days, "start": start, "end": end}
    rest = text[: span.start()] + " " + text[span.end() :]
    if slots.DURATION.search(rest):
        seconds = slots.duration_seconds(rest)
        if seconds is None or seconds % 60:
            return Ask('How long is each appointment? For example "half an hour".')
        args["slot_minutes"] = seconds // 60
    return args


def _hours(text: str) -> list[ToolCall] | None:
    if _stop(text):
        return [("set_appointment_hours", {"days": [], "start": "09:00", "end": "17:00"})]
    if not re.search(r"\b(?:take|taking|book|offer)\b.*\bappointments?\b|\bappointments?\b.*\b(?:from|between)\b", text, re.I):
        return None
    args = _hours_args(text)
    return [("set_appointment_hours", args)] if isinstance(args, dict) else None


def _hours_meant(said: Said) -> Built:
    if _stop(said.text):
        return [("set_appointment_hours", {"days": [], "start": "09:00", "end": "17:00"})]
    args = _hours_args(said.text)
    if args is None:
        return Ask("Which days and hours may callers book, and how long is each appointment?")
    return args if isinstance(args, Ask) else [("set_appointment_hours", args)]


def _calendar(text: str) -> list[ToolCall] | None:
    match = re.search(r"\bcalendar\s+(?:is\s+)?(?:at\s+)?(https?://\S+?)[,;]?\s", text + " ", re.I)
    user = re.search(r"\buser(?:\s*name)?\s+(?:is\s+)?([\w.@\-]+)", text, re.I)
    secret = PLACEHOLDER.search(text)
    if match and user and secret:
        return [("set_appointment_calendar", {"url": match.group(1), "username": user.group(1), "password": secret.group(0)})]
    return None


def _list(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(?:show|list|what are)\b.*\bappointments\b|\bappointments\??$", text, re.I):
        return [("list_appointments", {})]
    return None


def _cancel(text: str) -> list[ToolCall] | None:
    match = re.search(r"\bcancel\s+(?:the\s+)?appointment\s+#?(\d+)\b", text, re.I)
    return [("cancel_appointment", {"appointment_id": int(match.group(1))})] if match else None


APPOINTMENT_INTENTS = [
    Intent("set_appointment_hours", _hours, "I take appointments weekdays 9 to 5, 30 minutes"),
    Intent(
        "set_appointment_calendar",
        _calendar,
        "my calendar is at https://dav.example.com/sam/calendar/, username sam, password is ...",
    ),
    Intent("list_appointments", _list, "show appointments / cancel appointment 3"),
    Intent("cancel_appointment", _cancel, ""),
]


def _appointment_id(said: Said) -> Built:
    number = said.count()
    if number:
        return [("cancel_appointment", {"appointment_id": number})]
    return Ask('Which appointment number? Say "show appointments" to see them.')


APPOINTMENT_MEANINGS = [
    Meaning(
        "appointment hours",
        "let callers book appointments at set hours",
        (
            "bookings tuesdays 9 to 12, 45 minutes",
            "people can book me mondays 9 to 12, half an hour each",
            "callers may book weekdays 10am to 3pm, 30 min slots",
            "appointments every day 8 to 10, 15 minutes each",
            "callers can book me mondays and wednesdays from 9 to 12, 30 minute appointments",
            "open my calendar for bookings weekdays 10 to 4",
            "people may make appointments on fridays between 1 and 5",
            "book clients with me from 8am to 11am daily, 20 minutes each",
            "take bookings on weekdays",
            "let callers book appointments",
        ),
        _hours_meant,
    ),
    Meaning(
        "stop bookings",
        "stop callers booking appointments",
        (
            "no more bookings",
            "stop booking appointments",
            "callers can't book anymore",
            "close my calendar for bookings",
            "turn off bookings",
            "I'm not taking appointments now",
        ),
        lambda said: [("set_appointment_hours", {"days": [], "start": "09:00", "end": "17:00"})],
        # A refusal anywhere, and bookings: "callers should not book appointments anymore".
        cues="(?=.*\\b(?:no|not|never|stop|off|don'?t|can'?t|cannot|shouldn'?t|anymore|no\\s+more)\\b)"
        "(?=.*\\b(?:appointments?|bookings?|book)\\b)",
    ),
    Meaning(
        "list appointments",
        "show the appointments callers booked",
        (
            "any bookings coming up",
            "do I have appointments this week",
            "show appointments",
            "what's in my calendar",
            "who booked with me",
            "list the bookings",
            "any appointments coming up",
        ),
        lambda said: [("list_appointments", {})],
        cues="\\b(show|list|what|who|any)\\b.*\\b(appointments?|bookings?|booked)\\b",
    ),
    Meaning(
        "new calendar link",
        "make a new calendar feed link and end the old one",
        (
            "new calendar link",
            "the calendar link leaked, make a new one",
            "revoke the calendar feed link",
            "change the bookings feed address",
            "stop the old calendar link from working",
            "give me a fresh link for the calendar",
        ),
        lambda said: [("new_calendar_link", {})],
        cues="\\b(link|feed|url|address)\\b",
    ),
    Meaning(
        "cancel appointment",
        "cancel an appointment a caller booked",
        (
            "cancel appointment 2",
            "drop booking number 4",
            "call off appointment 3",
            "cancel booking 4",
            "remove appointment 2",
            "delete the appointment number 1",
            "scrap booking 3",
        ),
        _appointment_id,
        cues="\\b(appointment|booking)s?\\b",
    ),
]
