"""The vault: encrypted at rest, clear errors for a wrong key or altered data, names only in the CLI."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from sqlalchemy import update

from assistant.host import Host
from assistant.settings import Settings
from assistant.store.tables import SecretRow
from assistant.vault import Vault, VaultError, load_or_create_key

from .conftest import BACKENDS, TWILIO_TOKEN, assert_nowhere_on_disk, run_cli

#: The vault runs on SQLite and on a real PostgreSQL (tests/postgres.py).
pytestmark = BACKENDS


def test_round_trip_and_ciphertext_only_on_disk(host: Host) -> None:
    host.vault.set("voice_call.twilio.auth_token", TWILIO_TOKEN)
    assert host.vault.get("voice_call.twilio.auth_token") == TWILIO_TOKEN
    assert host.vault.names() == ["voice_call.twilio.auth_token"]
    host.close()
    assert_nowhere_on_disk(host.settings.home, TWILIO_TOKEN)


def test_key_file_is_created_owner_only(host: Host) -> None:
    key_file = host.settings.home / "vault.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(host.settings.home.stat().st_mode) == 0o700


def test_wrong_key_is_a_clear_error(host: Host, settings: Settings) -> None:
    host.vault.set("a.secret", "value-1234")
    other = Vault(host.db, os.urandom(32))
    with pytest.raises(VaultError, match="different vault key"):
        other.get("a.secret")


def test_tampered_ciphertext_is_a_clear_error(host: Host) -> None:
    host.vault.set("a.secret", "value-1234")
    with host.db.transaction() as session:
        row = session.get(SecretRow, "a.secret")
        flipped = bytes([row.ciphertext[0] ^ 1]) + row.ciphertext[1:]
        session.execute(update(SecretRow).where(SecretRow.name == "a.secret").values(ciphertext=flipped))
    with pytest.raises(VaultError, match="integrity check"):
        host.vault.get("a.secret")


def test_ciphertext_moved_to_another_name_does_not_open(host: Host) -> None:
    host.vault.set("first", "value-one-1")
    host.vault.set("second", "value-two-2")
    with host.db.transaction() as session:
        a, b = session.get(SecretRow, "first"), session.get(SecretRow, "second")
        b.nonce, b.ciphertext = a.nonce, a.ciphertext
    with pytest.raises(VaultError, match="integrity check"):
        host.vault.get("second")


def test_key_from_environment(tmp_path, env) -> None:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env["ASSISTANT_VAULT_KEY"] = key
    h = Host(Settings.from_env(env))
    h.vault.set("x", "value-from-env")
    assert not (h.settings.home / "vault.key").exists()
    h.close()
    env["ASSISTANT_VAULT_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    h2 = Host(Settings.from_env(env))
    with pytest.raises(VaultError, match="different vault key"):
        h2.vault.get("x")
    h2.close()


@pytest.mark.parametrize("bad", ["short", "!!!!", base64.urlsafe_b64encode(b"x" * 16).decode()])
def test_malformed_environment_key_is_refused(tmp_path, bad: str) -> None:
    with pytest.raises(VaultError, match="not valid"):
        load_or_create_key(tmp_path, bad)


def test_key_file_readable_by_others_is_refused(host: Host) -> None:
    key_file = host.settings.home / "vault.key"
    key_file.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        load_or_create_key(host.settings.home, None)


def test_bad_names_and_empty_values_are_refused(host: Host) -> None:
    with pytest.raises(VaultError, match="not a valid secret name"):
        host.vault.set("Bad Name!", "value")
    with pytest.raises(VaultError, match="empty"):
        host.vault.set("ok.name", "")
    assert host.vault.names() == []


def test_cli_lists_names_never_values(env, home) -> None:
    assert run_cli(env, "vault", "set", "voice_call.twilio.auth_token", "--stdin", input=TWILIO_TOKEN + "\n").returncode == 0
    listed = run_cli(env, "vault", "list", check=True)
    assert listed.stdout.split() == ["voice_call.twilio.auth_token"]
    for command in (["vault", "list"], ["config", "show"], ["doctor"]):
        result = run_cli(env, *command)
        assert TWILIO_TOKEN not in result.stdout + result.stderr
    assert run_cli(env, "vault", "delete", "voice_call.twilio.auth_token").returncode == 0
    assert run_cli(env, "vault", "list").stdout.strip() == ""
    missing = run_cli(env, "vault", "delete", "nope")
    assert missing.returncode != 0 and "no secret called nope" in missing.stderr
    assert_nowhere_on_disk(home, TWILIO_TOKEN)


def test_cli_reports_wrong_key_clearly(env, home) -> None:
    run_cli(env, "vault", "set", "a.secret", "--stdin", input="value-1234\n", check=True)
    (home / "vault.key").write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
    doctor = run_cli(env, "doctor")
    assert doctor.returncode == 1
    assert "cannot decrypt: a.secret" in doctor.stdout


def test_the_data_folder_is_owner_only_at_every_start(host, settings, backend) -> None:
    import os

    from assistant.host import Host

    # The vault key always, the database too when it is a file here (not on PostgreSQL).
    ours = [host.settings.home / "vault.key", *host.settings.home.glob("assistant.db")]
    assert len(ours) == (2 if backend == "sqlite" else 1)
    other = host.settings.home / "notes.txt"
    other.write_text("not ours")
    os.chmod(host.settings.home, 0o755)
    for path in ours:
        os.chmod(path, 0o644)
    os.chmod(other, 0o644)
    again = Host(settings)
    again.close()
    assert stat.S_IMODE(host.settings.home.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in ours), ours
    assert stat.S_IMODE(other.stat().st_mode) == 0o644, "files that are not ours are left alone"
