"""Twilio: the number is an IncomingPhoneNumber; its VoiceUrl/VoiceMethod announce calls and its
StatusCallback/StatusCallbackMethod get their progress.

Source: Twilio REST API, IncomingPhoneNumber resource
(https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource): read with
`GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json?PhoneNumber=+1...` (a page whose
`incoming_phone_numbers` holds the match, fields in snake_case), change with
`POST .../IncomingPhoneNumbers/{Sid}.json` and PascalCase form fields. Basic auth (SID, token).
"""

from __future__ import annotations

from typing import Any

from plugins.voice_call.carriers.wiring.base import NumberWiring, Wiring, WiringError


class TwilioWiring(NumberWiring):
    name, title = "twilio", "Twilio"

    def __init__(self, api_base_url: str, phone_number: str, account_sid: str, auth_token: str) -> None:
        super().__init__(api_base_url, phone_number, basic=(account_sid, auth_token))
        self.account_sid = account_sid

    def _numbers(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers"

    def _number(self) -> dict[str, Any]:
        page = self._send("GET", f"{self._numbers()}.json", params={"PhoneNumber": self.phone_number})
        for number in page.get("incoming_phone_numbers") or []:
            if number.get("phone_number") == self.phone_number:
                return dict(number)
        raise WiringError(f"{self.phone_number} is not a number of this Twilio account ({self.account_sid}).")

    @staticmethod
    def _wiring(number: dict[str, Any]) -> Wiring:
        problems = []
        if number.get("voice_application_sid"):
            problems.append("a TwiML App takes the number's calls (its VoiceUrl is ignored)")
        if number.get("trunk_sid"):
            problems.append("an Elastic SIP Trunk takes the number's calls; take it off the trunk in the Twilio console")
        for field, what in (("voice_method", "calls"), ("status_callback_method", "call reports")):
            if (number.get(field) or "POST").upper() != "POST":
                problems.append(f"{what} are sent with {number.get(field)}, not POST")
        return Wiring(number.get("voice_url") or None, number.get("status_callback") or None, problems)

    def read(self) -> Wiring:
        return self._wiring(self._number())

    def point_at(self, public_url: str) -> Wiring:
        want = self.expected(public_url)
        number = self._number()
        form = {
            "VoiceUrl": want.calls_to,
            "VoiceMethod": "POST",
            "StatusCallback": want.reports_to,
            "StatusCallbackMethod": "POST",
        }
        if number.get("voice_application_sid"):
            # A TwiML App wins over VoiceUrl. The document does not say how to remove one; an empty
            # value is how Twilio's console clears it. The read-back says whether it went.
            form["VoiceApplicationSid"] = ""
        sid = number["sid"]
        return self._wiring(self._send("POST", f"{self._numbers()}/{sid}.json", data=form))
