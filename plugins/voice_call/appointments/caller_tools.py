"""The caller's side of appointments: free slots, booking and cancelling their own, offered only
while the owner takes appointments; and how the offline call model reads a booking request."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic_ai import RunContext, Tool
from pydantic_ai.messages import ModelMessage, ToolReturnPart
from pydantic_ai.models.function import AgentInfo
from pydantic_ai.tools import ToolDefinition

from assistant.plugin_api import slots
from plugins.voice_call.appointments.bookings import AppointmentError, Appointments, spoken_time
from plugins.voice_call.appointments.calendar import CalendarUnavailable
from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.when import parse_when

CLOSED = "The owner does not take appointments by phone; offer to take a message."


def _booking_open(deps: CallDeps) -> bool:
    appointments = deps.feature(Appointments)
    return deps.once("booking_open", lambda: appointments is not None and appointments.open())


async def _when_booking_open(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    """The appointment tools are offered only while the owner takes appointments."""
    return tool_def if _booking_open(ctx.deps) else None


def _when(appointments: Appointments, words: str) -> datetime | None:
    _, zone = appointments.settings()
    return parse_when(words, zone, appointments.clock())


async def find_free_slots(ctx: RunContext[CallDeps], day: str | None = None) -> str:
    """The next free appointment slots the caller could book.

    Args:
        day: A day in the caller's words ("tomorrow", "friday"); leave it out for the next free slots.
    """
    appointments = ctx.deps.feature(Appointments)
    if appointments is None or not appointments.open():
        return CLOSED
    settings, zone = appointments.settings()
    part = part_of_day(day)
    named = re.sub(r"\s*\b(morning|afternoon|evening)\b", "", day or "", flags=re.I).strip()
    moment = _when(appointments, named) if named else None
    if named and moment is None:
        return f'"{day}" is not a day I can read; ask which day they mean.'
    try:
        free = await appointments.free_slots(moment.astimezone(zone).date() if moment else None, hours=part)
    except CalendarUnavailable:
        return "The calendar cannot be read just now; offer to take a message."
    if not free:
        return f"No free {settings.slot_minutes}-minute slots {('on ' + day) if day else 'soon'}."
    return f"Free {settings.slot_minutes}-minute slots: " + ", ".join(spoken_time(s, zone) for s in free) + "."


async def book_appointment(ctx: RunContext[CallDeps], when: str, name: str = "") -> str:
    """Book an appointment for the caller at a free slot.

    Args:
        when: The slot's start in the caller's words ("tomorrow at 10", "friday 14:30").
        name: The caller's name, if they gave it.
    """
    appointments = ctx.deps.feature(Appointments)
    if appointments is None or not appointments.open():
        return CLOSED
    moment = _when(appointments, when)
    if moment is None:
        return f'"{when}" is not a time I can read; ask for a day and a time.'
    try:
        booking = await appointments.book(ctx.deps.caller, moment, name)
    except (AppointmentError, CalendarUnavailable) as exc:
        return f"Not booked: {exc}. " + await find_free_slots(ctx)
    when_said = booking.local(appointments.settings()[1])  # our calendar's rendering, not their words
    ctx.deps.call.done(f"Booked an appointment for {when_said}.")
    return f"Booked: {when_said}."


async def cancel_my_appointment(ctx: RunContext[CallDeps], when: str | None = None) -> str:
    """Cancel an appointment the caller booked from this number.

    Args:
        when: Which one, in the caller's words, if they have several; leave it out for their next one.
    """
    appointments = ctx.deps.feature(Appointments)
    if appointments is None:
        return "There are no appointments to cancel."
    moment = _when(appointments, when) if when else None
    try:
        booking = await appointments.cancel_for_caller(ctx.deps.caller, moment)
    except AppointmentError as exc:
        return f"Nothing was cancelled: {exc}."
    when_said = booking.local(appointments.settings()[1])
    ctx.deps.call.done(f"Cancelled their appointment on {when_said}.")
    return f"Cancelled: {when_said}."


CALLER_TOOLS: list[Tool[CallDeps]] = [
    Tool(find_free_slots, prepare=_when_booking_open),
    Tool(book_appointment, prepare=_when_booking_open),
    Tool(cancel_my_appointment, prepare=_when_booking_open),
]

#: A caller who wants an appointment, and the words for a time in what they say.
APPOINTMENT = re.compile(
    r"\b(?:appointment|booking|book|reserve|schedule|free|slots?|available|availability|openings?|earliest|soonest"
    r"|come\s+in|bring\s+(?:my|the|it)|drop\s+(?:it|my\s+bike)\s+off|have\s+(?:any\s*thing|time|room))\b",
    re.I,
)
CANCEL = re.compile(r"\b(?:cancel|call\s+off|can'?t\s+make)\b", re.I)
TIME_WORDS = re.compile(
    r"(?:\b(?:today|tomorrow|(?:on\s+|next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b[ ,]*)?"
    r"(?:\bat\s+)?\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|o'clock)?",
    re.I,
)
DAY_WORDS = re.compile(
    r"\b(?:today|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)(?:\s+(?:morning|afternoon|evening))?\b", re.I
)
#: Parts of a day, by local hour: "Thursday afternoon" offers only the afternoon's slots.
PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
#: A bare hour a caller says for an appointment: 9 to 12 as said, 1 to 7 in the afternoon.
AFTERNOON_HOUR = re.compile(r"(?<![:\d])\b([1-7])(?::(\d{2}))?\b(?!\s*(?:a\.?m|p\.?m|:\d))", re.I)


def part_of_day(day: str | None) -> tuple[int, int] | None:
    found = re.search(r"\b(morning|afternoon|evening)\b", day or "", re.I)
    return PARTS[found.group(1).lower()] if found else None


def _offered_slots(messages: list[ModelMessage]) -> bool:
    """Whether free slots were offered earlier in this call (so "tomorrow at 10" books one)."""
    return any(
        isinstance(p, ToolReturnPart) and p.tool_name == "find_free_slots" for m in messages for p in getattr(m, "parts", [])
    )


def offline_request(text: str, messages: list[ModelMessage], info: AgentInfo) -> tuple[str, dict[str, Any]] | None:
    """For the offline call model: the appointment tool the caller's words ask for, with its
    arguments; times as people say them ("half past two", "noon") are read first."""
    if not any(t.name == "book_appointment" for t in info.function_tools):
        return None
    text = slots.clock_words(text)
    asked = APPOINTMENT.search(text) is not None
    time_words = next((m.group(0).strip(" ,.") for m in TIME_WORDS.finditer(text) if re.search(r"\d", m.group(0))), "")
    if asked and CANCEL.search(text):
        return "cancel_my_appointment", {}
    if time_words and (asked or _offered_slots(messages)) and (DAY_WORDS.search(time_words) or "at" in time_words.lower()):
        time_words = AFTERNOON_HOUR.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}pm", time_words)
        return "book_appointment", {"when": time_words}
    day = DAY_WORDS.search(text)
    if asked or (day and re.search(r"\b(?:any\s*thing|time|free)\b", text, re.I)):
        return "find_free_slots", {"day": day.group(0)} if day else {}
    return None
