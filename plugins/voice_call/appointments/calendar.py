"""The owner's CalDAV calendar, through the `caldav` library: busy times, and bookings written as
events. The library is synchronous, so each call runs in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TIMEOUT_S = 10


class CalendarUnavailable(RuntimeError):
    """The calendar could not be read or written; the message says why, without the password."""


@dataclass(frozen=True)
class CalDavCalendar:
    url: str
    username: str
    password: str

    def _calendar(self) -> Any:
        """The caldav Calendar (the library is imported on use: it is slow to import)."""
        from caldav.davclient import DAVClient

        local = urlsplit(self.url).hostname in LOCAL_HOSTS
        client = DAVClient(
            url=self.url,
            username=self.username,
            password=self.password,
            timeout=TIMEOUT_S,
            require_tls=not local,
            enable_rfc6764=False,
        )
        return client.calendar(url=self.url)  # type: ignore[no-untyped-call]  # caldav leaves it untyped

    async def _run(self, what: str, work: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(work)
        except Exception as exc:  # noqa: BLE001 - network, auth and server errors all mean the same to a caller
            raise CalendarUnavailable(f"the calendar could not {what} ({exc.__class__.__name__})") from None

    async def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Busy stretches between `start` and `end` (recurring events expanded), as aware datetimes."""

        def work() -> list[tuple[datetime, datetime]]:
            found = []
            for event in self._calendar().search(start=start, end=end, event=True, expand=True):
                component = event.icalendar_component
                if str(component.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
                    continue
                begins = component.get("dtstart").dt
                ends = component.get("dtend").dt if component.get("dtend") else begins + timedelta(hours=1)
                if not isinstance(begins, datetime):  # an all-day event blocks the whole day
                    begins = datetime.combine(begins, datetime.min.time(), tzinfo=start.tzinfo)
                    ends = datetime.combine(ends, datetime.min.time(), tzinfo=start.tzinfo)
                found.append(
                    (
                        begins if begins.tzinfo else begins.replace(tzinfo=start.tzinfo),
                        ends if ends.tzinfo else ends.replace(tzinfo=start.tzinfo),
                    )
                )
            return found

        return await self._run("be read", work)

    async def add(self, uid: str, start: datetime, end: datetime, summary: str, description: str) -> None:
        await self._run(
            "take the booking",
            lambda: self._calendar().save_event(dtstart=start, dtend=end, summary=summary, description=description, uid=uid),
        )

    async def remove(self, uid: str) -> None:
        await self._run("drop the booking", lambda: self._calendar().event_by_uid(uid).delete())
