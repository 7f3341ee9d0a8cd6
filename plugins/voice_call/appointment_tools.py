"""The owner's tools for appointments callers book (calls/appointments.py), and their offline
phrases: "I take appointments weekdays 9 to 5, 30 minutes", "use my calendar at https://... ,
username sam, password is ...", "show appointments", "cancel appointment 3"."""

from __future__ import annotations

import re
from typing import Any

from pydantic_ai import RunContext

from assistant.chat_secrets import PLACEHOLDER, SecretNotAvailable
from assistant.offline_model import Intent, ToolCall
from assistant.tools import ToolContext, ToolResult
from plugins.voice_call.calls.appointments import CALDAV_SECRET, DAY_CODES, Appointments
from plugins.voice_call.calls.calendar import CalDavCalendar, CalendarUnavailable
from plugins.voice_call.calls.when import local_zone
from plugins.voice_call.config import voice_config
from plugins.voice_call.tools import Result, apply_change, tool

FEED_PATH = "/voice/appointments.ics"


def feed_url(ctx: RunContext[ToolContext]) -> str:
    config = voice_config(ctx.deps.host)
    base = config.public_url or f"http://127.0.0.1:{ctx.deps.host.settings.gateway_port}"
    return f"{base}{FEED_PATH}?token={Appointments(ctx.deps.host).feed_token()}"


def set_appointment_hours(ctx: RunContext[ToolContext], days: list[str], start: str, end: str, slot_minutes: int = 30) -> Result:
    """Let callers book appointments on these days and hours (an empty list of days stops bookings).

    Args:
        days: Two-letter days callers may book: MO TU WE TH FR SA SU (e.g. ["MO", "TU", "WE", "TH", "FR"]).
        start: When the first appointment may start, HH:MM in the owner's time zone (e.g. "09:00").
        end: When the last appointment must end, HH:MM (e.g. "17:00").
        slot_minutes: How long one appointment lasts, in minutes.
    """
    change = {
        "appointments.days": [d.upper()[:2] for d in days],
        "appointments.start": start,
        "appointments.end": end,
        "appointments.slotMinutes": slot_minutes,
    }

    def done(config: Any) -> str:
        hours = config.appointments
        if not hours.days:
            return "Callers can no longer book appointments."
        return (
            f"Callers can book {hours.slot_minutes}-minute appointments on {' '.join(hours.days)} from {hours.start} "
            f"to {hours.end}. Your calendar app can subscribe to the bookings at {feed_url(ctx)}"
        )

    return apply_change(ctx, change, done)


async def set_appointment_calendar(ctx: RunContext[ToolContext], url: str, username: str, password: str) -> Result:
    """Use the owner's CalDAV calendar: busy times come from it, bookings are written to it.

    Args:
        url: The calendar collection's URL, e.g. https://dav.example.com/sam/calendar/.
        username: The calendar account's user name.
        password: The secret placeholder from the owner's message, copied exactly (it is resolved from the vault).
    """
    secrets = ctx.deps.host.secrets
    try:
        value = secrets.resolve(password.strip())
    except SecretNotAvailable as exc:
        return ToolResult(False, f"Nothing was changed: {exc}.").as_dict()
    try:
        await CalDavCalendar(url.strip(), username.strip(), value).busy(*_today(ctx))
    except CalendarUnavailable as exc:
        return ToolResult(False, f"Nothing was changed: {exc}; check the URL, user name and password.").as_dict()
    change = {
        "appointments.caldavUrl": url.strip(),
        "appointments.caldavUsername": username.strip(),
        "appointments.caldavPasswordRef": CALDAV_SECRET,
    }
    result = apply_change(
        ctx,
        change,
        lambda c: f"Bookings now go to {url.strip()}, and its busy times are never offered.",
        secrets={CALDAV_SECRET: value},
    )
    if result["ok"]:
        secrets.forget(password.strip())
    return result


def _today(ctx: RunContext[ToolContext]) -> tuple[Any, Any]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now, now + timedelta(days=1)


def list_appointments(ctx: RunContext[ToolContext]) -> Result:
    """List the upcoming appointments callers booked."""
    appointments = Appointments(ctx.deps.host)
    zone = local_zone(voice_config(ctx.deps.host).timezone)
    booked = appointments.upcoming()
    if not booked:
        return ToolResult(True, f"No appointments are booked. Calendar feed: {feed_url(ctx)}").as_dict()
    lines = [f"#{b.id} {b.local(zone)} with {b.caller}" + (f" ({b.name})" if b.name else "") for b in booked]
    return ToolResult(True, "Appointments:\n" + "\n".join(lines)).as_dict()


async def cancel_appointment(ctx: RunContext[ToolContext], appointment_id: int) -> Result:
    """Cancel an appointment a caller booked (it is removed from the calendar too).

    Args:
        appointment_id: The appointment's number, as list_appointments shows it.
    """
    cancelled = await Appointments(ctx.deps.host).cancel(appointment_id)
    if cancelled is None:
        return ToolResult(False, f"There is no upcoming appointment #{appointment_id}.").as_dict()
    return ToolResult(True, f"Cancelled appointment #{appointment_id}; the caller was not told.").as_dict()


APPOINTMENT_TOOLS = [
    tool(set_appointment_hours),
    tool(set_appointment_calendar),
    tool(list_appointments),
    tool(cancel_appointment),
]

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
