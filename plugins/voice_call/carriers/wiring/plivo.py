"""Plivo: calls to the number go to the Application the number names; the application's
answer_url announces a call and its hangup_url gets the end.

Source: Plivo's API (Application and Number resources) and the official SDK
(plivo.resources.applications / numbers): `GET /v1/Account/{auth_id}/Number/{number}/` (the number
without "+"; its `application` is the application's resource path), `POST .../Number/{number}/`
with `app_id`; `GET .../Application/` (a page of at most 20 `objects`, `meta` with
total_count and next; `app_name` filters), `POST .../Application/` (create: app_name,
answer_url, answer_method, hangup_url, hangup_method; answers `app_id`), `POST .../Application/{app_id}/`
(modify). Basic auth (Auth ID, Auth Token). We keep an application of our own, by name, so no
other application the owner has is changed.
"""

from __future__ import annotations

from typing import Any

from plugins.voice_call.carriers.wiring.base import NumberWiring, Wiring

APP_NAME = "Phone assistant"
#: Plivo's largest page of applications, and how many pages we read at most (1,000 applications).
PAGE = 20
MAX_PAGES = 50


class PlivoWiring(NumberWiring):
    name, title = "plivo", "Plivo"

    def __init__(self, api_base_url: str, phone_number: str, auth_id: str, auth_token: str) -> None:
        super().__init__(api_base_url, phone_number, basic=(auth_id, auth_token))
        self.auth_id = auth_id

    def _account(self) -> str:
        return f"/v1/Account/{self.auth_id}"

    def _number_path(self) -> str:
        return f"{self._account()}/Number/{self.phone_number.lstrip('+')}/"

    def not_found(self, path: str) -> str:
        if "/Number/" in path:
            return f"{self.phone_number} is not a number of this Plivo account ({self.auth_id})."
        return super().not_found(path)

    def _application_of(self, number: dict[str, Any]) -> dict[str, Any]:
        path = str(number.get("application") or "")
        app_id = path.rstrip("/").rsplit("/", 1)[-1] if path else ""
        return self._send("GET", f"{self._account()}/Application/{app_id}/") if app_id else {}

    def read(self) -> Wiring:
        application = self._application_of(self._send("GET", self._number_path()))
        problems = []
        if not application:
            problems.append("the number has no application")
        for field, what in (("answer_method", "calls"), ("hangup_method", "call reports")):
            if application and (application.get(field) or "POST").upper() != "POST":
                problems.append(f"{what} are sent with {application.get(field)}, not POST")
        return Wiring(application.get("answer_url") or None, application.get("hangup_url") or None, problems)

    def _own_application(self) -> str | None:
        """Our application's id, looked for on every page (Plivo pages hold at most 20): asked by
        name (the SDK's `app_name` filter; how strictly Plivo applies it is not documented, so the
        name is checked here too), following `meta` until the last page."""
        offset = 0
        for _ in range(MAX_PAGES):
            params = {"app_name": APP_NAME, "limit": PAGE, "offset": offset}
            page = self._send("GET", f"{self._account()}/Application/", params=params)
            objects = page.get("objects") or []
            for application in objects:
                if application.get("app_name") == APP_NAME:
                    return str(application["app_id"])
            meta = page.get("meta") or {}
            offset += PAGE
            total = meta.get("total_count")
            if not objects or (isinstance(total, int) and offset >= total) or (total is None and not meta.get("next")):
                return None
        return None

    def point_at(self, public_url: str) -> Wiring:
        want = self.expected(public_url)
        self._send("GET", self._number_path())  # first: a number the account does not have changes nothing
        urls = {"answer_url": want.calls_to, "answer_method": "POST", "hangup_url": want.reports_to, "hangup_method": "POST"}
        app_id = self._own_application()
        if app_id is None:
            app_id = str(self._send("POST", f"{self._account()}/Application/", json={"app_name": APP_NAME, **urls})["app_id"])
        else:
            self._send("POST", f"{self._account()}/Application/{app_id}/", json=urls)
        self._send("POST", self._number_path(), json={"app_id": app_id})
        return self.read()
