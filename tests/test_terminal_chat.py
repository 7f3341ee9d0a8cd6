"""Drive `assistant chat` in a pseudo-terminal as a user would, then check the stored config."""

from __future__ import annotations

import json
import sys

import pexpect

from .conftest import FRIEND, OWNER, TWILIO_SID, TWILIO_TOKEN, assert_nowhere_on_disk, assistant_cmd, run_cli


def test_user_sets_up_calls_in_the_terminal(env, home) -> None:
    cmd = assistant_cmd()
    child = pexpect.spawn(cmd[0], [*cmd[1:], "chat"], env=env, encoding="utf-8", timeout=30)
    child.logfile_read = sys.stdout
    try:
        child.expect("Gateway listening on http://127.0.0.1:")
        child.expect("You: ")
        child.sendline("I want to receive phone calls")
        child.expect("which provider")
        child.expect("You: ")
        child.sendline("Twilio")
        child.expect("Auth Token")
        child.expect("You: ")
        child.sendline(f"Twilio Account SID is {TWILIO_SID}, Auth Token is {TWILIO_TOKEN}, my number is {OWNER}")
        child.expect("encrypted vault")
        child.expect("You: ")
        child.sendline(f"only accept calls from {FRIEND}")
        child.expect("I need your yes")  # widening who may call waits for the owner's own yes
        child.expect("Reply yes or no")
        child.expect("You: ")
        child.sendline("yes")
        child.expect(f"only from \\{FRIEND}")
        child.expect("You: ")
        child.sendline("restart the gateway")
        child.expect("Restart the gateway now\\?")
        child.expect("You: ")
        child.sendline("no")
        child.expect("Not done")
        child.expect("You: ")
        child.sendline("restart the gateway")
        child.expect("You: ")
        child.sendline("yes")
        child.expect("Gateway restarted")
        child.expect("You: ")
        child.sendline("/quit")
        child.expect("Bye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    config = json.loads(run_cli(env, "config", "show", "voice_call", check=True).stdout)["voice_call"]
    assert config["provider"] == "twilio" and config["twilio"]["accountSid"] == TWILIO_SID
    assert config["inbound"] == {**config["inbound"], "policy": "allowlist", "allowFrom": [FRIEND]}
    assert run_cli(env, "vault", "list", check=True).stdout.split() == ["voice_call.twilio.auth_token"]
    history = run_cli(env, "history", check=True).stdout
    assert "Auth Token is ••••••" in history and TWILIO_TOKEN not in history
    assert_nowhere_on_disk(home, TWILIO_TOKEN)


def test_piped_input_works_too(env) -> None:
    cmd = assistant_cmd()
    import subprocess

    result = subprocess.run(
        [*cmd, "chat", "--no-gateway"],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        input="accept calls from anyone\nyes\nuse Kokoro for voice call speech\n",
    )
    assert "accepted from anyone" in result.stdout and "kokoro" in result.stdout
    config = json.loads(run_cli(env, "config", "show", "voice_call", check=True).stdout)["voice_call"]
    assert config["inbound"]["policy"] == "open"
