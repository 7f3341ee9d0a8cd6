"""The carriers' number settings, as their REST APIs keep them: where each sends the number's calls.

Each fake carrier holds one of these and answers its routes before its call routes. They start
with the number pointed somewhere else (the carrier's own demo), as a new number is. The shapes
follow the carriers' documents and the official SDKs' types, named in each class.
"""

from __future__ import annotations

import json
import secrets
import uuid
from urllib.parse import parse_qs

from starlette.responses import JSONResponse, Response

from tests.values import OWNER


class TwilioNumbers:
    """IncomingPhoneNumber resource (twilio.com/docs/phone-numbers/api/incomingphonenumber-resource,
    twilio.rest.api.v2010.account.incoming_phone_number): list with `PhoneNumber` filter answers a
    page `{"incoming_phone_numbers": [...]}` in snake_case; update is a form POST in PascalCase and
    answers the whole resource."""

    def __init__(self, account_sid: str) -> None:
        self.account_sid = account_sid
        self.sid = "PN" + secrets.token_hex(16)
        self.number = {
            "sid": self.sid,
            "account_sid": account_sid,
            "phone_number": OWNER,
            "voice_url": "https://demo.twilio.com/welcome/voice/",
            "voice_method": "POST",
            "status_callback": "",
            "status_callback_method": "POST",
            "voice_application_sid": None,
            "trunk_sid": None,
        }
        self.updates: list[dict[str, str]] = []

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response | None:
        base = f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers"
        if method == "GET" and path == f"{base}.json":
            wanted = query.get("PhoneNumber")
            found = [self.number] if wanted in (None, self.number["phone_number"]) else []
            return JSONResponse({"incoming_phone_numbers": found, "page": 0, "page_size": 50})
        if method == "POST" and path.startswith(f"{base}/") and path.endswith(".json"):
            if path != f"{base}/{self.sid}.json":
                return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            self.updates.append(form)
            for name, field in (
                ("VoiceUrl", "voice_url"),
                ("VoiceMethod", "voice_method"),
                ("StatusCallback", "status_callback"),
                ("StatusCallbackMethod", "status_callback_method"),
                ("VoiceApplicationSid", "voice_application_sid"),
            ):
                if name in form:
                    self.number[field] = form[name] or None
            return JSONResponse(self.number)
        return None

    @property
    def voice_url(self) -> str | None:
        return self.number["voice_url"]


class TelnyxNumbers:
    """Call Control application and phone number (Telnyx API v2; telnyx.types.CallControlApplication,
    CallControlApplicationUpdateParams with application_name and webhook_event_url required,
    PhoneNumberUpdateParams.connection_id; answers wrap the resource in `data`). A new account's
    application sends API v1 webhooks until told otherwise, and the number sits on another connection."""

    def __init__(self, application_id: str) -> None:
        self.application = {
            "id": application_id,
            "record_type": "call_control_application",
            "application_name": "my voice app",
            "webhook_event_url": "https://example.com/telnyx-webhooks",
            "webhook_api_version": "1",
            "active": True,
        }
        self.number = {
            "id": str(uuid.uuid4().int)[:19],
            "record_type": "phone_number",
            "phone_number": OWNER,
            "connection_id": "1",
        }
        self.updates: list[tuple[str, dict]] = []

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response | None:
        app_path = f"/v2/call_control_applications/{self.application['id']}"
        if path.startswith("/v2/call_control_applications/") and path != app_path:
            return JSONResponse({"errors": [{"code": "10005", "title": "Resource not found"}]}, status_code=404)
        if method == "GET" and path == app_path:
            return JSONResponse({"data": self.application})
        if method == "PATCH" and path == app_path:
            update = json.loads(body)
            missing = [k for k in ("application_name", "webhook_event_url") if k not in update]
            if missing:
                return JSONResponse({"errors": [{"code": "10015", "title": f"{missing} required"}]}, status_code=422)
            self.updates.append(("application", update))
            self.application.update(update)
            return JSONResponse({"data": self.application})
        if method == "GET" and path == "/v2/phone_numbers":
            wanted = query.get("filter[phone_number]")
            return JSONResponse({"data": [self.number] if wanted in (None, OWNER) else [], "meta": {"total_results": 1}})
        if method == "PATCH" and path == f"/v2/phone_numbers/{self.number['id']}":
            update = json.loads(body)
            self.updates.append(("number", update))
            self.number.update({k: v for k, v in update.items() if k == "connection_id"})
            return JSONResponse({"data": self.number})
        return None

    @property
    def voice_url(self) -> str | None:
        if self.number["connection_id"] != self.application["id"]:
            return None
        return str(self.application["webhook_event_url"])


class PlivoNumbers:
    """Application and Number resources (Plivo API; plivo.resources.applications / numbers): JSON
    bodies, application paths in the number's `application` field, numbers without "+"."""

    def __init__(self, auth_id: str, name_filter: str = "exact") -> None:
        self.auth_id = auth_id
        #: How `app_name` narrows the list: the documents do not say, so each plausible way is tried
        #: ("exact", "contains", "ignored").
        self.name_filter = name_filter
        demo = {
            "app_id": "20372631212782780",
            "app_name": "Demo Speak",
            "answer_url": "https://s3.amazonaws.com/static.plivo.com/answer.xml",
        }
        self.applications: dict[str, dict] = {demo["app_id"]: {**demo, "answer_method": "GET", "hangup_url": ""}}
        self.number = {"number": OWNER.lstrip("+"), "application": f"/v1/Account/{auth_id}/Application/{demo['app_id']}/"}
        self.updates: list[tuple[str, dict]] = []

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response | None:
        account = f"/v1/Account/{self.auth_id}"
        number_path = f"{account}/Number/{self.number['number']}/"
        if path.startswith(f"{account}/Number/") and path != number_path:
            return JSONResponse({"error": "not found"}, status_code=404)
        if method == "GET" and path == number_path:
            return JSONResponse({**self.number, "api_id": str(uuid.uuid4())})
        if method == "POST" and path == number_path:
            update = json.loads(body)
            if update.get("app_id") not in self.applications:
                return JSONResponse({"error": "invalid app_id"}, status_code=400)
            self.updates.append(("number", update))
            self.number["application"] = f"{account}/Application/{update['app_id']}/"
            return JSONResponse({"message": "changed", "api_id": str(uuid.uuid4())}, status_code=202)
        if method == "GET" and path == f"{account}/Application/":
            return JSONResponse(self._page(account, query))
        if method == "POST" and path == f"{account}/Application/":
            create = json.loads(body)
            # A second application of the same name is made (as an owner saw happen), not refused.
            if not create.get("app_name"):
                return JSONResponse({"error": "app_name is missing"}, status_code=400)
            app_id = str(uuid.uuid4().int)[:17]
            self.applications[app_id] = {"app_id": app_id, **create}
            self.updates.append(("create", create))
            return JSONResponse({"message": "created", "app_id": app_id, "api_id": str(uuid.uuid4())}, status_code=201)
        if path.startswith(f"{account}/Application/"):
            app_id = path[len(f"{account}/Application/") :].strip("/")
            if app_id not in self.applications:
                return JSONResponse({"error": "not found"}, status_code=404)
            if method == "GET":
                return JSONResponse(self.applications[app_id])
            if method == "POST":
                update = json.loads(body)
                self.updates.append(("modify", update))
                self.applications[app_id].update(update)
                return JSONResponse({"message": "changed", "api_id": str(uuid.uuid4())}, status_code=202)
        return None

    def _page(self, account: str, query: dict[str, str]) -> dict:
        """One page as Plivo lists applications: `limit` at most 20, `offset`, and `meta` with
        total_count and the next page's path (null on the last)."""
        limit, offset = min(int(query.get("limit", 20)), 20), int(query.get("offset", 0))
        objects = list(self.applications.values())
        name = query.get("app_name")
        if name and self.name_filter == "exact":
            objects = [a for a in objects if a["app_name"] == name]
        elif name and self.name_filter == "contains":
            objects = [a for a in objects if name.lower() in a["app_name"].lower()]
        shown = objects[offset : offset + limit]
        more = offset + limit < len(objects)
        next_page = f"{account}/Application/?limit={limit}&offset={offset + limit}" if more else None
        meta = {"limit": limit, "offset": offset, "total_count": len(objects), "next": next_page, "previous": None}
        return {"api_id": str(uuid.uuid4()), "meta": meta, "objects": shown}

    @property
    def voice_url(self) -> str | None:
        app_id = self.number["application"].rstrip("/").rsplit("/", 1)[-1]
        return self.applications[app_id].get("answer_url")
