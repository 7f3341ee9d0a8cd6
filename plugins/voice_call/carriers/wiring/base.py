"""Where a carrier sends the calls of our number, read and changed through its REST API.

Each carrier's module alone knows its resources (Twilio's IncomingPhoneNumber, Telnyx's Call Control
application and number, Plivo's Application and Number). Synchronous httpx: the doctor is
synchronous, and the async callers run these in a thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

TIMEOUT = 10.0


class WiringError(RuntimeError):
    """The carrier's API refused or failed; the message says what to do."""


@dataclass(frozen=True)
class Wiring:
    """The number's settings at the carrier, as read back."""

    #: Where the carrier announces a call (Twilio VoiceUrl, Telnyx webhook_event_url, Plivo answer_url).
    calls_to: str | None
    #: Where it reports the call's progress and end (Twilio StatusCallback, Plivo hangup_url);
    #: None where one URL takes every event (Telnyx).
    reports_to: str | None = None
    #: What else is not as we need it, in words (another application on the number, API v1).
    problems: list[str] = field(default_factory=list)


class NumberWiring(ABC):
    name: str
    title: str

    def __init__(
        self, api_base_url: str, phone_number: str, *, basic: tuple[str, str] | None = None, bearer: str | None = None
    ) -> None:
        self.api_base_url, self.phone_number = api_base_url.rstrip("/"), phone_number
        self._basic = basic
        self._headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}

    def expected(self, public_url: str) -> Wiring:
        base = f"{public_url.rstrip('/')}/voice/{self.name}"
        return Wiring(f"{base}/webhook", f"{base}/status" if self.reports_separately else None)

    #: Whether the carrier has a URL for progress reports apart from the one for calls.
    reports_separately = True

    @abstractmethod
    def read(self) -> Wiring:
        """The number's settings at the carrier now."""

    @abstractmethod
    def point_at(self, public_url: str) -> Wiring:
        """Point the number's calls at the gateway behind `public_url`; returns what was read back."""

    def differences(self, public_url: str, wiring: Wiring | None = None) -> list[str]:
        """What is not as the gateway needs it, in words; empty when it points here."""
        now = wiring or self.read()
        want = self.expected(public_url)
        found = list(now.problems)
        if now.calls_to != want.calls_to:
            found.append(f"calls go to {now.calls_to or 'nowhere'} instead of {want.calls_to}")
        if want.reports_to and now.reports_to != want.reports_to:
            found.append(f"call reports go to {now.reports_to or 'nowhere'} instead of {want.reports_to}")
        return found

    # -- HTTP --------------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=TIMEOUT, follow_redirects=False, auth=self._basic, headers=self._headers)

    def _send(self, method: str, path: str, **kwargs: object) -> dict[str, Any]:
        try:
            with self._client() as client:
                response = client.request(method, self.api_base_url + path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise WiringError(f"{self.title}'s API could not be reached ({exc.__class__.__name__}).") from None
        if response.status_code in (401, 403):
            raise WiringError(f"{self.title} refused the stored credentials ({response.status_code}); check them.")
        if response.status_code == 404:
            raise WiringError(self.not_found(path))
        if response.status_code >= 400:
            raise WiringError(f"{self.title} answered {response.status_code}: {response.text[:200]}")
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise WiringError(f"{self.title} answered with something other than JSON.") from None

    def not_found(self, path: str) -> str:
        return f"{self.title} does not know {path}."
