"""Property-based fuzzing (hypothesis) of everything the outside world can send: each carrier's
webhook routes, the media parsers, the web API. Whatever arrives: a 4xx or a 2xx, never a 5xx; no
call record without a valid signature; nothing logged as an error or with a traceback.

Runs derandomized (the same examples every run, so CI is repeatable) and bounded in examples."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.voice_call.carriers.events import MediaEvent, MediaProtocolError
from plugins.voice_call.carriers.plivo import PlivoCodec
from plugins.voice_call.carriers.telnyx import TelnyxCodec
from plugins.voice_call.carriers.twilio import TwilioCodec
from plugins.voice_call.history.records import CallRecords

from .voice_harness import CARRIERS, CallLab

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# JSON-shaped values, nested a little: what a confused or hostile client sends.
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=12
)
media_keys = st.sampled_from(
    [
        "event",
        "media",
        "payload",
        "start",
        "streamSid",
        "stream_id",
        "sequenceNumber",
        "mark",
        "name",
        "dtmf",
        "digit",
        "customParameters",
        "extra_headers",
        "call_control_id",
        "callSid",
        "token",
        "track",
    ]
)
media_like = st.recursive(
    scalars,
    lambda inner: st.dictionaries(media_keys | st.text(max_size=8), inner, max_size=6),
    max_leaves=15,
)
events = st.sampled_from(["connected", "start", "media", "mark", "dtmf", "stop", "playedStream", "clearedAudio", "error"])


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, or with a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.bad.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def error_log():
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("codec", [TwilioCodec(), TelnyxCodec(), PlivoCodec()], ids=["twilio", "telnyx", "plivo"])
@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(max_size=300) | media_like.map(json.dumps), event=events, body=media_like)
def test_media_parsers_only_ever_refuse_with_a_reason(codec, text, event, body) -> None:
    for candidate in (text, json.dumps({"event": event, **body} if isinstance(body, dict) else {"event": event})):
        try:
            result = codec.parse_media(candidate)
        except MediaProtocolError:
            continue
        assert isinstance(result, MediaEvent)


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        yield lab


def test_webhooks_never_fail_and_never_record_unsigned_calls(lab, error_log) -> None:
    client = httpx.Client(base_url=lab.live.url, timeout=10)
    records = CallRecords(lab.host.db)
    name = lab.carrier_name

    @FUZZ
    @given(
        path=st.sampled_from([f"/voice/{name}/webhook", f"/voice/{name}/status"]),
        body=st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()),
        form=st.dictionaries(
            st.sampled_from(["CallSid", "AccountSid", "From", "To", "CallStatus", "CallUUID", "Direction", "Event", "AnsweredBy"])
            | st.text(max_size=8),
            st.text(max_size=40),
            max_size=6,
        ),
        headers=st.dictionaries(
            st.sampled_from(
                [
                    "X-Twilio-Signature",
                    "telnyx-signature-ed25519",
                    "telnyx-timestamp",
                    "X-Plivo-Signature-V3",
                    "X-Plivo-Signature-V3-Nonce",
                    "Content-Type",
                ]
            ),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=90),
            max_size=4,
        ),
        query=st.dictionaries(st.sampled_from(["ref", "amd"]) | st.text(max_size=5), st.text(max_size=20), max_size=3),
        use_form=st.booleans(),
    )
    def fuzz(path, body, form, headers, query, use_form) -> None:
        before = len(records.recent(1000))
        response = client.post(path, params=query, headers=headers, **({"data": form} if use_form else {"content": body}))
        assert response.status_code < 500, (path, response.status_code, response.text[:200])
        assert len(records.recent(1000)) == before, "no call is recorded without a valid signature"

    with client:
        fuzz()
    assert error_log.bad == []


def test_web_api_never_fails(lab, error_log) -> None:
    if lab.carrier_name != "twilio":
        pytest.skip("the web API is the same whatever the carrier")
    client = httpx.Client(base_url=lab.live.url, timeout=10)

    @FUZZ
    @given(
        route=st.sampled_from(
            [
                ("POST", "/web/login"),
                ("POST", "/web/logout"),
                ("GET", "/web/api/status"),
                ("GET", "/web/api/calls"),
                ("POST", "/web/api/softphone"),
                ("GET", "/login"),
                ("GET", "/healthz"),
            ]
        ),
        body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
        cookie=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';,"\\'), max_size=60),
        origin=st.none() | st.sampled_from(["http://evil.example", "http://127.0.0.1:1", "null"]),
        token=st.text(max_size=40),
    )
    def fuzz(route, body, cookie, origin, token) -> None:
        method, path = route
        headers = {"Cookie": f"assistant_session={cookie}"} if cookie else {}
        if origin:
            headers["Origin"] = origin
        response = client.request(
            method, path, content=body if method == "POST" else None, params={"token": token}, headers=headers
        )
        assert response.status_code < 500, (path, response.status_code, response.text[:200])
        if path != "/healthz" and path != "/login":
            assert response.status_code != 200 or path == "/web/logout", "nothing without a session"

    with client:
        fuzz()
    assert error_log.bad == []
