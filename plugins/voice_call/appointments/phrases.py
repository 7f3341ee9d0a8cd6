"""The owner's words for appointments (hours, calendar, bookings), for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from typing import Any

from assistant.plugin_api import PLACEHOLDER, Intent, ToolCall
from plugins.voice_call.appointments.bookings import DAY_CODES

DAY_NAMES = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
HOUR = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"


def _clock(hour: str, minute: str | None, half: str | None, afternoon_guess: bool) -> str:
    h = int(hour)
    if half == "pm" and h < 12 or (half is None and afternoon_guess and h < 8):
        h += 12
    return f"{h:02d}:{int(minute or 0):02d}"


def _hours(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(?:no\s+more|stop\s+(?:taking|booking))\s+appointments\b", text, re.I):
        return [("set_appointment_hours", {"days": [], "start": "09:00", "end": "17:00"})]
    if not re.search(r"\b(?:take|taking|book|offer)\b.*\bappointments?\b|\bappointments?\b.*\b(?:from|between)\b", text, re.I):
        return None
    span = re.search(rf"\b(?:from\s+|between\s+)?{HOUR}\s*(?:to|-|until|and)\s*{HOUR}", text, re.I)
    if span is None:
        return None
    lowered = text.lower()
    if "weekday" in lowered or "monday to friday" in lowered:
        days = list(DAY_CODES[:5])
    elif "every day" in lowered or "daily" in lowered:
        days = list(DAY_CODES)
    else:
        days = [code for name, code in DAY_NAMES.items() if re.search(rf"\b{name}", lowered)]
    if not days:
        return None
    start = _clock(span.group(1), span.group(2), span.group(3), afternoon_guess=False)
    end = _clock(span.group(4), span.group(5), span.group(6), afternoon_guess=True)
    minutes = re.search(r"\b(\d{1,3})\s*(?:minutes?|mins?)\b", text, re.I)
    hour_slots = re.search(r"\b(?:one|1|an)\s+hour\b", text, re.I)
    args: dict[str, Any] = {"days": days, "start": start, "end": end}
    if minutes:
        args["slot_minutes"] = int(minutes.group(1))
    elif hour_slots:
        args["slot_minutes"] = 60
    return [("set_appointment_hours", args)]


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
