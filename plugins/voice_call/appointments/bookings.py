"""Appointments callers book on the phone: free slots from the owner's hours (config
`appointments`), less what is booked here and what the owner's CalDAV calendar says is busy;
bookings are written to that calendar, offered as an iCalendar feed, and told to the owner.

A caller can cancel only their own bookings (the number they call from). Times are the owner's
wall-clock times in their zone; the store keeps UTC."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from assistant.plugin_api import as_utc, utcnow
from plugins.voice_call.appointments.calendar import CalDavCalendar, CalendarUnavailable
from plugins.voice_call.appointments.tables import AppointmentRow
from plugins.voice_call.config import AppointmentSettings, voice_config
from plugins.voice_call.when import local_zone

if TYPE_CHECKING:
    from assistant.plugin_api import Host

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CALDAV_SECRET = "voice_call.appointments.caldav_password"
#: Upcoming bookings one caller's number may hold (a caller who wants more is told to ask the owner).
MOST_PER_CALLER = 2


class AppointmentError(ValueError):
    """A booking cannot be made or changed; the message is said to the caller."""


@dataclass(frozen=True)
class Booking:
    id: int
    starts_at: datetime
    ends_at: datetime
    caller: str
    name: str
    status: str
    calendar_uid: str

    def local(self, zone: ZoneInfo) -> str:
        return spoken_time(self.starts_at, zone)


def spoken_time(moment: datetime, zone: ZoneInfo) -> str:
    """ "Thursday 27 November at 10:30" in the owner's zone."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def _info(row: AppointmentRow) -> Booking:
    return Booking(row.id, as_utc(row.starts_at), as_utc(row.ends_at), row.caller_number, row.name, row.status, row.calendar_uid)


class Appointments:
    def __init__(self, host: Host, clock: Callable[[], datetime] = utcnow) -> None:
        self.host, self.clock = host, clock

    # -- what is set up ------------------------------------------------------------------------------

    def settings(self) -> tuple[AppointmentSettings, ZoneInfo]:
        """The owner's appointment settings and time zone, as stored now."""
        config = voice_config(self.host)
        return config.appointments, local_zone(config.timezone)

    def open(self) -> bool:
        return bool(self.settings()[0].days)

    def calendar(self) -> CalDavCalendar | None:
        settings, _ = self.settings()
        if not settings.caldav_url:
            return None
        password = self.host.vault.get(settings.caldav_password_ref or CALDAV_SECRET) or ""
        return CalDavCalendar(settings.caldav_url, settings.caldav_username or "", password)

    # -- slots ---------------------------------------------------------------------------------------

    def _candidate_slots(self, first_day: date, days: int) -> list[datetime]:
        settings, zone = self.settings()
        length = timedelta(minutes=settings.slot_minutes)
        start, end = time.fromisoformat(settings.start), time.fromisoformat(settings.end)
        now = self.clock()
        horizon = now + timedelta(days=settings.horizon_days)
        slots = []
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if DAY_CODES[day.weekday()] not in settings.days:
                continue
            moment = datetime.combine(day, start, tzinfo=zone)
            closing = datetime.combine(day, end, tzinfo=zone)
            while moment + length <= closing:
                if now < moment.astimezone(UTC) <= horizon:
                    slots.append(moment.astimezone(UTC))
                moment += length
        return slots

    async def _taken(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self.host.db.reader() as session:
            rows = session.scalars(
                select(AppointmentRow).where(
                    AppointmentRow.status == "booked", AppointmentRow.starts_at < end, AppointmentRow.ends_at > start
                )
            )
            taken = [(as_utc(r.starts_at), as_utc(r.ends_at)) for r in rows]
        calendar = self.calendar()
        if calendar is not None:
            taken += await calendar.busy(start, end)
        return taken

    async def free_slots(self, day: date | None = None, limit: int = 6, hours: tuple[int, int] | None = None) -> list[datetime]:
        """The next free slots (on `day`, in the owner's zone, when given; starting within the local
        `hours` [from, to) when given: "Thursday afternoon"), at most `limit`."""
        settings, zone = self.settings()
        if not settings.days:
            return []
        today = self.clock().astimezone(zone).date()
        first = day or today
        span = 1 if day else settings.horizon_days + 1
        candidates = self._candidate_slots(first, span)
        if not candidates:
            return []
        length = timedelta(minutes=settings.slot_minutes)
        taken = await self._taken(candidates[0], candidates[-1] + length)
        free = [s for s in candidates if not any(b < s + length and e > s for b, e in taken)]
        if hours is not None:
            free = [s for s in free if hours[0] <= s.astimezone(zone).hour < hours[1]]
        return free[:limit]

    # -- booking -------------------------------------------------------------------------------------

    async def book(self, caller: str, when: datetime, name: str = "") -> Booking:
        """Book the slot starting at `when` for `caller`; AppointmentError says why not. A withheld
        number cannot book (nobody could tell its bookings apart), and one number holds at most
        `MOST_PER_CALLER` upcoming bookings: one caller cannot fill the calendar."""
        settings, zone = self.settings()
        if not settings.days:
            raise AppointmentError("my owner does not take appointments by phone")
        if not caller:
            raise AppointmentError("I can only book appointments for a caller whose number is not withheld")
        if sum(1 for b in self.upcoming() if b.caller == caller) >= MOST_PER_CALLER:
            raise AppointmentError(
                f"this number already has {MOST_PER_CALLER} appointments booked, the most I can book for one caller"
            )
        when = as_utc(when).astimezone(UTC).replace(second=0, microsecond=0)
        length = timedelta(minutes=settings.slot_minutes)
        if when not in self._candidate_slots(when.astimezone(zone).date(), 1):
            raise AppointmentError(f"{spoken_time(when, zone)} is not a time my owner takes appointments")
        if await self._taken(when, when + length):
            raise AppointmentError(f"{spoken_time(when, zone)} is already taken")
        uid = f"{secrets.token_hex(12)}@phone-assistant"
        with self.host.db.transaction() as session:
            clash = session.scalar(
                select(AppointmentRow).where(
                    AppointmentRow.status == "booked", AppointmentRow.starts_at < when + length, AppointmentRow.ends_at > when
                )
            )
            if clash is not None:
                raise AppointmentError(f"{spoken_time(when, zone)} is already taken")
            row = AppointmentRow(
                starts_at=when, ends_at=when + length, caller_number=caller, name=name.strip()[:100], calendar_uid=uid
            )
            session.add(row)
            session.flush()
            booking = _info(row)
        calendar = self.calendar()
        if calendar is not None:
            try:
                await calendar.add(uid, booking.starts_at, booking.ends_at, _summary(booking), f"Booked by phone from {caller}")
            except CalendarUnavailable:
                self._set_status(booking.id, "cancelled")
                raise AppointmentError("the calendar could not take the booking just now") from None
        self.host.tell_owner(
            f"New appointment {booking.local(zone)} ({settings.slot_minutes} minutes), booked by phone from {caller}.",
            [booking.name] if booking.name else [],
            caller,
        )
        return booking

    async def cancel_for_caller(self, caller: str, when: datetime | None = None) -> Booking:
        """Cancel the caller's own booking (at `when`, or their next one)."""
        _, zone = self.settings()
        if not caller:  # withheld callers are all "": one must not cancel another's booking
            raise AppointmentError("I can't cancel appointments for a withheld number")
        mine = [b for b in self.upcoming() if b.caller == caller]
        if when is not None:
            mine = [b for b in mine if b.starts_at == as_utc(when).astimezone(UTC).replace(second=0, microsecond=0)]
        if not mine:
            raise AppointmentError("I can't find an appointment booked from this number")
        booking = mine[0]
        await self._cancel(booking)
        self.host.tell_owner(f"The appointment {booking.local(zone)} was cancelled by the caller ({caller}).")
        return booking

    async def cancel(self, booking_id: int) -> Booking | None:
        """The owner cancels a booking."""
        booking = next((b for b in self.upcoming() if b.id == booking_id), None)
        if booking is not None:
            await self._cancel(booking)
        return booking

    async def _cancel(self, booking: Booking) -> None:
        self._set_status(booking.id, "cancelled")
        calendar = self.calendar()
        if calendar is not None:
            try:
                await calendar.remove(booking.calendar_uid)
            except CalendarUnavailable:
                self.host.tell_owner(
                    f"The appointment {booking.local(self.settings()[1])} is cancelled here, but the calendar could not drop it."
                )

    def _set_status(self, booking_id: int, status: str) -> None:
        with self.host.db.transaction() as session:
            row = session.get(AppointmentRow, booking_id)
            if row is not None:
                row.status = status

    def upcoming(self) -> list[Booking]:
        with self.host.db.reader() as session:
            rows = session.scalars(
                select(AppointmentRow)
                .where(AppointmentRow.status == "booked", AppointmentRow.ends_at > self.clock())
                .order_by(AppointmentRow.starts_at)
            )
            return [_info(r) for r in rows]

    # -- the iCalendar feed --------------------------------------------------------------------------

    def feed_token(self) -> str:
        """The secret in the feed's URL (calendar apps cannot send a password): stable until the
        owner asks for a new link, which ends the old one."""
        link = self.settings()[0].feed_link
        return self.host.vault.subkey("appointments-feed" + (f"-{link}" if link else "")).hex()[:32]

    def feed(self) -> bytes:
        """Upcoming bookings as an iCalendar file (RFC 5545), for calendar apps to subscribe to."""
        from icalendar import Calendar, Event

        calendar = Calendar()
        calendar.add("prodid", "-//phone-assistant//appointments//EN")
        calendar.add("version", "2.0")
        for booking in self.upcoming():
            event = Event()
            event.add("uid", booking.calendar_uid)
            event.add("dtstart", booking.starts_at)
            event.add("dtend", booking.ends_at)
            event.add("dtstamp", utcnow())
            event.add("summary", _summary(booking))
            event.add("description", f"Booked by phone from {booking.caller}")
            calendar.add_component(event)
        return bytes(calendar.to_ical())


def _summary(booking: Booking) -> str:
    return f"Appointment: {booking.name}" if booking.name else f"Appointment with {booking.caller}"
