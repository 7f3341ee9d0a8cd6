"""Telnyx: calls to the number go to the Call Control application its `connection_id` names; the
application's `webhook_event_url` gets every event, in the format `webhook_api_version` says.

Source: Telnyx API v2 and the official SDK's types (telnyx.types.CallControlApplication,
CallControlApplicationUpdateParams: `application_name` and `webhook_event_url` required;
PhoneNumberUpdateParams.connection_id; phone_number_list filter[phone_number]):
`GET/PATCH /v2/call_control_applications/{id}`, `GET /v2/phone_numbers?filter[phone_number]=+1...`,
`PATCH /v2/phone_numbers/{id}`. Bearer API key; bodies and answers are JSON with `data`.
"""

from __future__ import annotations

from typing import Any

from plugins.voice_call.carriers.wiring.base import NumberWiring, Wiring, WiringError


class TelnyxWiring(NumberWiring):
    name, title = "telnyx", "Telnyx"
    reports_separately = False

    def __init__(self, api_base_url: str, phone_number: str, api_key: str, application_id: str) -> None:
        super().__init__(api_base_url, phone_number, bearer=api_key)
        self.application_id = application_id

    def not_found(self, path: str) -> str:
        if path.startswith("/v2/call_control_applications/"):
            return f"Telnyx has no Call Control application {self.application_id}; check the connection id."
        return super().not_found(path)

    def _application(self) -> dict[str, Any]:
        return self._send("GET", f"/v2/call_control_applications/{self.application_id}").get("data") or {}

    def _number(self) -> dict[str, Any]:
        found = self._send("GET", "/v2/phone_numbers", params={"filter[phone_number]": self.phone_number}).get("data") or []
        for number in found:
            if number.get("phone_number") == self.phone_number:
                return dict(number)
        raise WiringError(f"{self.phone_number} is not a number of this Telnyx account.")

    def _wiring(self, application: dict[str, Any], number: dict[str, Any]) -> Wiring:
        problems = []
        if str(application.get("webhook_api_version", "1")) != "2":
            problems.append("the Call Control application sends webhooks in API v1; the gateway reads v2")
        if application.get("active") is False:
            problems.append("the Call Control application is not active")
        if number.get("connection_id") != self.application_id:
            held = number.get("connection_id") or "no connection"
            problems.append(f"the number belongs to {held}, not the Call Control application {self.application_id}")
        return Wiring(application.get("webhook_event_url") or None, None, problems)

    def read(self) -> Wiring:
        return self._wiring(self._application(), self._number())

    def point_at(self, public_url: str) -> Wiring:
        number = self._number()  # first: a number the account does not have changes nothing
        application = self._application()
        body = {
            "application_name": application.get("application_name") or "Phone assistant",
            "webhook_event_url": self.expected(public_url).calls_to,
            "webhook_api_version": "2",
        }
        updated = self._send("PATCH", f"/v2/call_control_applications/{self.application_id}", json=body).get("data") or {}
        if number.get("connection_id") != self.application_id:
            path = f"/v2/phone_numbers/{number['id']}"
            number = self._send("PATCH", path, json={"connection_id": self.application_id}).get("data") or number
        return self._wiring(updated, number)
