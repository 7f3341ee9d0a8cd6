"""The owner's tools for appointments callers book (appointments/bookings.py), and their offline
phrases: "I take appointments weekdays 9 to 5, 30 minutes", "use my calendar at https://... ,
username sam, password is ...", "show appointments", "cancel appointment 3"."""

from __future__ import annotations

from typing import Any

from pydantic_ai import RunContext

from assistant.plugin_api import SecretNotAvailable, ToolContext, ToolResult, caller_content
from plugins.voice_call.appointments.bookings import CALDAV_SECRET, Appointments
from plugins.voice_call.appointments.calendar import CalDavCalendar, CalendarUnavailable
from plugins.voice_call.config import voice_config
from plugins.voice_call.owner_tool import Result, apply_change, tool
from plugins.voice_call.when import local_zone

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
    lines = [f"#{b.id} {b.local(zone)} with {b.caller or 'a withheld number'}" for b in booked]
    # The names are what callers said they are called: quoted as caller content, never our text.
    names = [f"#{b.id}: {b.name}" for b in booked if b.name]
    return ToolResult(
        True,
        "Appointments:\n" + "\n".join(lines) + ("\nThe names callers gave are quoted below." if names else ""),
        caller_content=caller_content("callers who booked", names) if names else None,
    ).as_dict()


async def cancel_appointment(ctx: RunContext[ToolContext], appointment_id: int) -> Result:
    """Cancel an appointment a caller booked (it is removed from the calendar too).

    Args:
        appointment_id: The appointment's number, as list_appointments shows it.
    """
    cancelled = await Appointments(ctx.deps.host).cancel(appointment_id)
    if cancelled is None:
        return ToolResult(False, f"There is no upcoming appointment #{appointment_id}.").as_dict()
    return ToolResult(True, f"Cancelled appointment #{appointment_id}; the caller was not told.").as_dict()


def new_calendar_link(ctx: RunContext[ToolContext]) -> Result:
    """Make a new link for the calendar feed of bookings; the old link stops working (for a link
    that was shared or leaked)."""
    current = voice_config(ctx.deps.host).appointments.feed_link
    return apply_change(
        ctx,
        {"appointments.feedLink": current + 1},
        lambda c: f"The old calendar link no longer works. Subscribe your calendar app to {feed_url(ctx)}",
    )


APPOINTMENT_TOOLS = [
    tool(set_appointment_hours),
    tool(set_appointment_calendar),
    tool(list_appointments, read_only=True),
    tool(cancel_appointment),
    tool(new_calendar_link),
]
