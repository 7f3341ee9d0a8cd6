"""Appointments: the owner sets hours and a CalDAV calendar in chat (a real Radicale server on
127.0.0.1, password in the vault); callers are offered free slots (the calendar's busy times left
out), book on a call (caller spoken by Kokoro, what they hear checked by Whisper), the booking
appears in Radicale and in the iCalendar feed, the owner is told, and only the caller who booked
can cancel."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from plugins.voice_call.appointments.bookings import AppointmentError, Appointments
from plugins.voice_call.calls.offline_call import offline_call_model

from .conftest import FRIEND
from .voice_harness import CallLab, LiveGateway, ask

PASSWORD = "radicale-Pw-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def radicale(tmp_path):
    """Radicale (from PyPI) with htpasswd auth, and an empty calendar collection for the owner."""
    users = tmp_path / "users"
    users.write_text(f"owner:{PASSWORD}\n")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base, timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "Radicale did not start"
            time.sleep(0.1)
    from caldav.davclient import DAVClient

    client = DAVClient(url=base, username="owner", password=PASSWORD, require_tls=False, enable_rfc6764=False)
    calendar = client.principal().make_calendar(name="work", cal_id="work")
    try:
        yield calendar
    finally:
        server.terminate()
        server.wait(timeout=10)


def _tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_hours_and_calendar_in_chat_then_a_caller_books(host, radicale) -> None:
    radicale.save_event(dtstart=_tomorrow_at(9), dtend=_tomorrow_at(9, 30), summary="Dentist", uid="busy-1")
    with CallLab(host, "twilio") as lab:
        lab.set(timezone="UTC")
        reply = lab.say("I take appointments every day from 9 to 5, 30 minutes")
        assert "30-minute appointments on MO TU WE TH FR SA SU from 09:00 to 17:00" in reply, reply
        feed = reply.split("subscribe to the bookings at ")[1].split()[0]
        reply = lab.say(f"My calendar is at {radicale.url}, username owner, password is {PASSWORD}")
        assert "Bookings now go to" in reply and PASSWORD not in reply, reply
        assert host.vault.get("voice_call.appointments.caldav_password") == PASSWORD
        appointments = Appointments(host)
        # The calendar's busy half hour is never offered.
        slots = asyncio.run(appointments.free_slots(_tomorrow_at(0).date()))
        assert slots[0] == _tomorrow_at(9, 30), slots

        lab.runtime.call_model = offline_call_model()
        _, heard, _ = ask(lab, "Hello. I would like to book an appointment tomorrow at 10 a.m.")
        heard = heard.lower()
        assert "booked" in heard and "10" in heard, heard
        (booking,) = appointments.upcoming()
        assert booking.starts_at == _tomorrow_at(10) and booking.caller == FRIEND
        events = [e.icalendar_component for e in radicale.search(event=True)]
        assert {str(e["uid"]) for e in events} == {"busy-1", booking.calendar_uid}
        assert any(str(e["summary"]) == f"Appointment with {FRIEND}" for e in events)
        shown = " ".join(m.text for m in host.conversations.shown(host.conversations.latest()))
        assert "New appointment" in shown and FRIEND in shown
        # The call's summary says what was done, in our words.
        deadline = time.monotonic() + 5
        while "Done: booked an appointment for" not in shown and time.monotonic() < deadline:
            time.sleep(0.1)
            shown = " ".join(m.text for m in host.conversations.shown(host.conversations.latest()))
        assert f"Done: booked an appointment for {booking.local(UTC)}." in shown, shown
        # The feed, with its token only.
        local_feed = lab.live.url + feed[feed.index("/voice/") :]
        ics = httpx.get(local_feed, timeout=10)
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert booking.calendar_uid in ics.text and "BEGIN:VEVENT" in ics.text
        assert httpx.get(local_feed.split("?")[0] + "?token=wrong", timeout=10).status_code == 404
        # Taken and closed times are refused; another number cannot cancel this booking.
        with pytest.raises(AppointmentError, match="already taken"):
            asyncio.run(appointments.book("+15557770000", _tomorrow_at(10)))
        with pytest.raises(AppointmentError, match="already taken"):
            asyncio.run(appointments.book("+15557770000", _tomorrow_at(9)))  # busy in Radicale
        with pytest.raises(AppointmentError, match="not a time"):
            asyncio.run(appointments.book("+15557770000", _tomorrow_at(20)))
        with pytest.raises(AppointmentError, match="can't find"):
            asyncio.run(appointments.cancel_for_caller("+15557770000"))
        cancelled = asyncio.run(appointments.cancel_for_caller(FRIEND))
        assert cancelled.id == booking.id and appointments.upcoming() == []
        assert {str(e.icalendar_component["uid"]) for e in radicale.search(event=True)} == {"busy-1"}
        assert "cancelled by the caller" in " ".join(m.text for m in host.conversations.shown(host.conversations.latest()))
        assert "No appointments are booked" in lab.say("show appointments")


def test_one_number_cannot_fill_the_calendar_and_withheld_callers_cannot_book_or_cancel(host) -> None:
    """One number booked 24 of 24 free slots in a row; withheld callers ("" once read) could cancel
    each other's bookings."""
    host.config.update("voice_call", {"timezone": "UTC", "appointments.days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]})
    appointments = Appointments(host)
    asyncio.run(appointments.book(FRIEND, _tomorrow_at(9)))
    asyncio.run(appointments.book(FRIEND, _tomorrow_at(10)))
    with pytest.raises(AppointmentError, match="already has 2 appointments booked"):
        asyncio.run(appointments.book(FRIEND, _tomorrow_at(11)))
    asyncio.run(appointments.book("+15557770000", _tomorrow_at(11)))  # another caller still can
    with pytest.raises(AppointmentError, match="withheld"):
        asyncio.run(appointments.book("", _tomorrow_at(12)))
    with pytest.raises(AppointmentError, match="withheld"):
        asyncio.run(appointments.cancel_for_caller(""))
    assert len(appointments.upcoming()) == 3


def test_a_leaked_calendar_link_can_be_replaced(host) -> None:
    """The feed's token was fixed for the install: a leaked link could never be revoked."""
    from .helpers import Chat

    appointments = Appointments(host)
    old = appointments.feed_token()
    reply = Chat(host).say("the calendar link leaked, make a new one").text
    new = appointments.feed_token()
    assert new != old and f"token={new}" in reply and old not in reply, reply
    with LiveGateway(host) as live:
        feed = f"{live.url}/voice/appointments.ics"
        assert httpx.get(feed, params={"token": old}, timeout=10).status_code == 404
        assert httpx.get(feed, params={"token": new}, timeout=10).status_code == 200
