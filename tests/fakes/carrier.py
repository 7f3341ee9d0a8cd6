"""What every fake carrier offers the conformance suite."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.media import FakeMediaCall
from tests.fakes.rest import FakeRest


@dataclass
class Ring:
    """What happened when the phone rang at our gateway."""

    call_id: str
    status_code: int
    body: str
    stream_url: str | None = None
    rejected: str | None = None  # "rejected" | "busy"
    extra: dict = field(default_factory=dict)  # the dialect's stream credentials

    @property
    def connected(self) -> bool:
        return self.stream_url is not None


@dataclass
class Dial:
    """An outbound call our server placed through the carrier's REST API."""

    call_id: str
    to: str
    from_: str
    body: dict
    extra: dict = field(default_factory=dict)


@dataclass
class Transfer:
    """A live call our server asked the carrier to put through to another phone."""

    call_id: str  # the caller's call, at the carrier
    to: str
    caller_id: str
    body: dict  # the command (or the instructions it led to), as the carrier read them
    whisper: bytes = b""  # the WAV the owner heard before being connected
    extra: dict = field(default_factory=dict)


class FakeCarrier:
    name = "carrier"

    def __init__(self, gateway_url: str, public_url: str) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        #: The number's settings at the carrier (tests/fakes/numbers.py), answered before the call routes.
        self.numbers = self.make_numbers()
        self.rest = FakeRest(self._rest).start()
        self.ended: set[str] = set()
        self.dials: list[Dial] = []
        self.transfers: list[Transfer] = []
        #: The media calls open now, by call id: the carrier ends a stream when a call is put through.
        self.streams: dict[str, FakeMediaCall] = {}
        #: Keys our server pressed on each call by the carrier's own command, in order.
        self.keys_sent: dict[str, str] = {}

    def wait_for_dial(self, count: int = 1, timeout: float = 10.0) -> Dial:
        import time

        deadline = time.monotonic() + timeout
        while len(self.dials) < count:
            assert time.monotonic() < deadline, f"expected {count} dial(s), saw {len(self.dials)}"
            time.sleep(0.05)
        return self.dials[count - 1]

    def answer_outbound(self, dial: Dial, machine_greeting: bytes | None = None) -> FakeMediaCall:
        """The callee picks up (a person, or with `machine_greeting` an answering machine that plays
        it, then beeps): the carrier reports it, opens the media stream, and delivers its machine
        detection results where and when its document says, if the dial asked for detection."""
        raise NotImplementedError

    def outbound_status(self, dial: Dial, outcome: str) -> int:
        """The attempt ends without a conversation: "busy", "no-answer", "not-found" (a dead number)."""
        raise NotImplementedError

    def wait_for_transfer(self, count: int = 1, timeout: float = 15.0) -> Transfer:
        import time

        deadline = time.monotonic() + timeout
        while len(self.transfers) < count:
            assert time.monotonic() < deadline, f"expected {count} transfer(s), saw {len(self.transfers)}"
            time.sleep(0.05)
        return self.transfers[count - 1]

    def owner_answers(self, transfer: Transfer) -> bytes:
        """The owner's phone picks up: the carrier plays the whisper (returned, a WAV) and connects them."""
        raise NotImplementedError

    def transfer_ends(self, transfer: Transfer, outcome: str) -> Ring | None:
        """The owner's leg ends: "completed" (they talked; the call is over), or "no-answer" / "busy":
        the call comes back to our server, whose new stream instructions are in the returned Ring."""
        raise NotImplementedError

    def play_whisper(self, transfer: Transfer, instructions: str) -> bytes:
        """Run `<Response><Play>URL</Play></Response>` for the owner: fetch the WAV, as carriers fetch media."""
        import xml.etree.ElementTree as ET

        import httpx

        play = ET.fromstring(instructions).find("Play")
        assert play is not None and play.text, instructions
        audio = httpx.get(self.local(play.text.strip()), timeout=60)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav", audio.text[:200]
        transfer.whisper = audio.content
        return audio.content

    def end_stream(self, call_id: str) -> Future[None] | None:
        """The carrier stops a call's media stream (its instructions changed): the socket closes.
        The future is done once the stop has gone out."""
        media = self.streams.pop(call_id, None)
        return media.stop_from_carrier() if media is not None else None

    def close(self) -> None:
        self.rest.stop()

    #: How long the carriers' detection takes to tell a person or a machine (they listen to the first words).
    DETECTION_SECONDS = 1.2

    def later(self, seconds: float, action) -> None:
        """Run `action` (a webhook post) after `seconds`, beside the call, as the carrier would."""
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        timer.start()

    def local(self, public: str) -> str:
        """Where the tunnel delivers a public URL: the same path on the local gateway."""
        parts, local = urlsplit(public), urlsplit(self.gateway_url)
        scheme = "ws" if parts.scheme in ("wss", "ws") else "http"
        return f"{scheme}://{local.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    async def _rest(self, call, request):
        refused = self.check_auth(request)
        if refused is not None:
            return refused
        answer = self.numbers.handle(request.method, call.path, dict(request.query_params), call.body)
        return answer if answer is not None else await self.handle_rest(call, request)

    # -- to implement ----------------------------------------------------------------------------

    def make_numbers(self):
        raise NotImplementedError

    def check_auth(self, request):
        """The REST API's answer to a request without this account's credentials, or None."""
        raise NotImplementedError

    def settings(self) -> tuple[dict, dict]:
        """(config changes, vault secrets) that point the assistant at this carrier."""
        raise NotImplementedError

    async def handle_rest(self, call, request):
        raise NotImplementedError

    def ring(self, caller: str, callee: str) -> Ring:
        raise NotImplementedError

    def media_call(self, ring: Ring) -> FakeMediaCall:
        raise NotImplementedError

    def post_forged(self, caller: str, callee: str, how: str):
        """A webhook that is unsigned ("unsigned") or signed with the wrong key ("wrong-key")."""
        raise NotImplementedError

    def report_hangup(self, ring: Ring) -> int:
        """The carrier tells us the caller hung up (status callback); returns the HTTP status."""
        raise NotImplementedError

    def hung_up_by_rest(self) -> list[str]:
        """Call ids our server hung up through the REST API."""
        raise NotImplementedError

    def keys_heard(self, call: FakeMediaCall) -> str:
        """The keys the other end of `call` got from us: sent by the carrier's command (Telnyx,
        Plivo), or as tones in the audio it heard (Twilio has no command for a streamed call)."""
        raise NotImplementedError
