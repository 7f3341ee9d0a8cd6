"""Values the carrier message tests share."""

from __future__ import annotations

import base64
import json

FRAME = bytes(range(160))  # one 20 ms frame of 8 kHz mu-law
PAYLOAD = base64.b64encode(FRAME).decode()
CALL_SID = "CA" + "0123456789abcdef" * 2
PLIVO_UUID = "d0b6b4c4-6b3e-4a58-9f44-3d1c9d6c2a11"


def frames(*messages: dict) -> list[str]:
    return [json.dumps(m) for m in messages]
