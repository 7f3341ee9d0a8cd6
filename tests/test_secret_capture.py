"""Secrets typed in chat, whatever their shape, become keyed placeholders; known ids stay as they are."""

from __future__ import annotations

import pytest

from assistant.host import Host
from plugins.voice_call.history.records import CallRecords

from .conftest import FRIEND, OWNER


@pytest.mark.parametrize(
    ("typed", "secret"),
    [
        ("my OpenAI key is sk-proj-abcDEF1234567890abcdef12", "sk-proj-abcDEF1234567890abcdef12"),
        ("use sk-abcdefghijklmnopqrstuvwx1234 please", "sk-abcdefghijklmnopqrstuvwx1234"),
        (
            "my ElevenLabs key is sk_0123456789abcdef0123456789abcdef0123456789abcdef",
            "sk_0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
        ("Telnyx API key is KEY0123456789ABCDEF_abcdef", "KEY0123456789ABCDEF_abcdef"),
        ("Auth Token is 0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        (
            "Plivo Auth ID is MAXXXXXXXXXXXXXXXXXX, Auth Token is Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi",
        ),
        ("my password is correct-horse-battery!", "correct-horse-battery!"),
        ("the secret: pa$$w0rd&more", "pa$$w0rd&more"),
        ("password = hunter", "hunter"),
    ],
)
def test_secret_shapes_are_captured(host: Host, typed: str, secret: str) -> None:
    shown, captured = host.secrets.capture(typed)
    assert secret not in shown and captured and "<secret:" in shown
    assert host.secrets.resolve(captured[-1].placeholder) == secret


def test_prose_and_known_ids_are_left_alone(host: Host) -> None:
    call_id = CallRecords(host.db).create("twilio", "CA" + "1" * 32, "inbound", FRIEND, OWNER)
    for text in (f"what happened on call {call_id}?", "the key is to be careful", "approve pairing 4821", f"call {FRIEND}"):
        assert host.secrets.capture(text) == (text, []), text


def test_placeholders_are_keyed_per_install(host: Host, tmp_path) -> None:
    from assistant.settings import Settings

    other = Host(Settings.from_env({"ASSISTANT_HOME": str(tmp_path / "other")}))
    try:
        typed = "my password is correct-horse-battery!"
        mine, theirs = host.secrets.capture(typed)[0], other.secrets.capture(typed)[0]
        assert mine != theirs, "the same secret gets a different placeholder on another install"
        assert host.secrets.capture(typed)[0] == mine, "and the same one on this install"
    finally:
        other.close()
