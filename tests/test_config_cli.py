"""Config through the CLI: validated, explained, and nothing written on a bad value."""

from __future__ import annotations

import json

import pytest

from assistant.config import parse_value

from .conftest import FRIEND, run_cli


def show(env) -> dict:
    return json.loads(run_cli(env, "config", "show", "voice_call", check=True).stdout)["voice_call"]


def test_defaults_are_safe(env) -> None:
    config = show(env)
    assert config["inbound"]["policy"] == "disabled"
    assert config["maxDurationSeconds"] == 300
    assert config["streaming"]["enabled"] is True
    assert config["tts"]["engine"] == "kokoro"


def test_set_values_by_dotted_path(env) -> None:
    run_cli(env, "config", "set", "voice_call", "inbound.allowFrom", json.dumps([FRIEND]), check=True)
    live = run_cli(env, "config", "set", "voice_call", "inbound.policy", "allowlist", check=True).stdout
    assert "no gateway restart needed" in live  # who may call is read for each call
    fixed = run_cli(env, "config", "set", "voice_call", "streaming.enabled", "false", check=True).stdout
    assert "Run `assistant gateway restart`" in fixed
    run_cli(env, "config", "set", "voice_call", "maxDurationSeconds", "600", check=True)
    config = show(env)
    assert config["inbound"] == {**config["inbound"], "policy": "allowlist", "allowFrom": [FRIEND]}
    assert config["streaming"]["enabled"] is False
    assert config["maxDurationSeconds"] == 600


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        ("maxDurationSeconds", "5", "greater than or equal to 10"),
        ("twilio.accountSid", "AB123", "Account SID is AC followed by 32 hex"),
        ("phoneNumber", "5550001234", "E.164"),
        ("inbound.policy", "sometimes", "inbound.policy"),
        ("inbound.policy", "allowlist", "at least one number"),
        ("publicUrl", "ftp://x", "http(s) address"),
        ("nonsense", "1", "not a setting"),
    ],
)
def test_invalid_values_are_explained_and_change_nothing(env, path: str, value: str, says: str) -> None:
    before = show(env)
    result = run_cli(env, "config", "set", "voice_call", path, value)
    assert result.returncode != 0
    assert "Nothing was changed" in result.stderr and says in result.stderr
    assert show(env) == before


def test_unknown_plugin(env) -> None:
    result = run_cli(env, "config", "show", "fax")
    assert result.returncode != 0 and "no plugin called 'fax'" in result.stderr


def test_tools_run_is_the_chat_action_without_a_model(env) -> None:
    result = run_cli(env, "tools", "run", "set_inbound_policy", "policy=allowlist", f'allow_from=["{FRIEND}"]', check=True)
    assert f"only from {FRIEND}" in result.stdout and "gateway restart" not in result.stdout  # applies to the next call
    voice = run_cli(env, "tools", "run", "set_voice_call_recognition", "engine=openai", check=True)
    assert "Run `assistant gateway restart`" in voice.stdout, voice.stdout
    assert show(env)["inbound"]["policy"] == "allowlist"
    bad = run_cli(env, "tools", "run", "set_inbound_policy", "policy=sometimes")
    assert bad.returncode != 0 and "Bad arguments" in bad.stderr
    listed = run_cli(env, "tools", "list", check=True).stdout
    assert "set_voice_call_credentials" in listed and "restart_gateway" in listed


def test_parse_value() -> None:
    assert parse_value("600") == "600"
    assert parse_value("false") == "false"
    assert parse_value("null") is None
    assert parse_value("open") == "open"
    assert parse_value('["+15550001234"]') == ["+15550001234"]
