"""Every carrier's codec refuses what is not its media message, with a reason (never a crash)."""

from __future__ import annotations

import pytest

from plugins.voice_call.carriers.events import (
    MediaProtocolError,
)
from plugins.voice_call.carriers.plivo import PlivoCodec
from plugins.voice_call.carriers.telnyx import TelnyxCodec
from plugins.voice_call.carriers.twilio import TwilioCodec


@pytest.mark.parametrize("codec", [TwilioCodec(), TelnyxCodec(), PlivoCodec()], ids=["twilio", "telnyx", "plivo"])
@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"event": "media"}',
        '{"event": "media", "media": {"payload": "%%%"}}',
        '{"event": "start", "start": {}}',
        '{"event": "surprise"}',
        "null",
    ],
)
def test_malformed_media_messages_are_refused_with_a_reason(codec, text) -> None:
    with pytest.raises(MediaProtocolError):
        codec.parse_media(text)
