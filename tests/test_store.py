"""The store: migrations, upgrades in place, and transactions that lose nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from assistant.config import ConfigError
from assistant.host import Host
from assistant.store import Database, StoreError
from assistant.store.database import alembic_config
from assistant.store.tables import Base

from .conftest import BACKENDS

#: Every store test runs on SQLite and on a real PostgreSQL (tests/postgres.py).
pytestmark = BACKENDS


def test_fresh_database_is_migrated_to_head(host: Host, backend: str) -> None:
    assert host.db.engine.dialect.name == backend
    tables = set(inspect(host.db.engine).get_table_names())
    assert {"plugin_configs", "vault_secrets", "conversations", "messages", "alembic_version"} <= tables


def test_migrations_match_the_tables(host: Host) -> None:
    # The full text index (SQLite: knowledge_fts and its shadow tables; PostgreSQL: an expression
    # index on to_tsvector) is made by its migration in SQL: no model.
    def ours(name, type_, parent) -> bool:
        return not (name and name.startswith(("knowledge_fts", "ix_knowledge_text_fts")))

    with host.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"include_name": ours}), Base.metadata)
    assert diff == [], f"tables and migrations disagree; add a migration: {diff}"


def test_existing_database_upgrades_in_place_and_keeps_data(settings, tmp_path) -> None:
    url = settings.database_url
    db = Database(url)
    with db.engine.begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")  # the host's first schema, before any plugin tables
    db.close()
    first = Host(settings)
    first.config.update("voice_call", {"inbound.policy": "open"})
    first.vault.set("example.secret", "keep-me-123")
    first.close()
    second = Host(settings)  # runs the upgrade again on an existing file
    assert second.config.get("voice_call").inbound.policy == "open"
    assert second.vault.get("example.secret") == "keep-me-123"
    second.close()


def test_downgrade_and_upgrade_round_trip(settings) -> None:
    from plugins.voice_call.plugin import plugin as voice_call

    db = Database(settings.database_url)
    db.upgrade([voice_call.migrations])
    cfg = alembic_config(settings.database_url, [voice_call.migrations])
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.upgrade([voice_call.migrations])
    assert {"messages", "calls"} <= set(inspect(db.engine).get_table_names())


def test_unreachable_database_gives_a_clear_error(tmp_path, backend) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    url = f"sqlite:///{blocker}/sub/db.sqlite"
    if backend == "postgresql":  # no server listens there; the password is not shown
        url = f"postgresql+psycopg://someone:s3cret-pw@/assistant?host={tmp_path}"
    with pytest.raises(StoreError, match="Could not open or upgrade the database") as failure:
        Database(url).upgrade()
    assert "s3cret-pw" not in str(failure.value)


def test_failure_mid_transaction_writes_nothing(host: Host) -> None:
    host.config.update("voice_call", {"inbound.policy": "open"})

    def explode(_session) -> None:
        raise RuntimeError("crash after the config and the secret were written, before commit")

    with pytest.raises(RuntimeError):
        host.config.update(
            "voice_call",
            {"inbound.policy": "disabled", "twilio.authTokenRef": "voice_call.twilio.auth_token"},
            secrets={"voice_call.twilio.auth_token": "0" * 32},
            after_write=explode,
        )
    assert host.config.get("voice_call").inbound.policy == "open"
    assert host.config.get("voice_call").twilio.auth_token_ref is None
    assert not host.vault.has("voice_call.twilio.auth_token")


def test_invalid_change_writes_nothing(host: Host) -> None:
    host.config.update("voice_call", {"maxDurationSeconds": 600})
    revision = host.config.revision("voice_call")
    with pytest.raises(ConfigError, match="maxDurationSeconds"):
        host.config.update("voice_call", {"maxDurationSeconds": -5, "inbound.policy": "open"})
    config = host.config.get("voice_call")
    assert (config.max_duration_seconds, config.inbound.policy) == (600, "disabled")
    assert host.config.revision("voice_call") == revision


WRITER = """
import sys, itertools
from assistant.host import Host
from assistant.settings import Settings
host = Host(Settings.from_env())
print("ready", flush=True)
for i in itertools.count():
    host.config.update("voice_call", {"maxDurationSeconds": 10 + i % 1000, "inbound.greeting": f"hello {i}"})
    host.vault.set("loop.secret", f"value-{i}")
"""


def test_killed_process_mid_write_loses_nothing_committed(env, settings, backend) -> None:
    seed = Host(settings)
    seed.vault.set("precious", "stored-before-the-crash")
    seed.close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    if backend == "sqlite":
        with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = Host(settings)
    config = after.config.get("voice_call")
    number = int(config.inbound.greeting.split()[-1])
    assert config.max_duration_seconds == 10 + number % 1000  # both fields from the same transaction
    assert after.vault.get("precious") == "stored-before-the-crash"
    assert after.vault.get("loop.secret").startswith("value-")
    after.close()


def test_the_assistant_works_on_the_store(host: Host) -> None:
    """Settings, secrets, concurrent updates and a chat, end to end on each database."""
    from concurrent.futures import ThreadPoolExecutor

    from .helpers import Chat

    host.config.update("voice_call", {"inbound.policy": "open"})
    host.vault.set("pg.secret", "pg-value-1")
    assert host.config.get("voice_call").inbound.policy == "open"
    assert host.vault.get("pg.secret") == "pg-value-1"
    numbers = [f"+1555000{i:04d}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: host.config.update("voice_call", lambda d: d["inbound"]["allowFrom"].append(n)), numbers))
    assert sorted(host.config.get("voice_call").inbound.allow_from) == numbers
    chat = Chat(host)
    assert "which provider" in chat.say("I want to receive phone calls").text
    assert [m.role for m in host.conversations.shown(chat.conversation_id)] == ["user", "assistant"]


def test_concurrent_updates_from_threads_all_land(host: Host) -> None:
    from concurrent.futures import ThreadPoolExecutor

    numbers = [f"+1555000{i:04d}" for i in range(12)]

    def add(number: str) -> None:
        host.config.update("voice_call", lambda data: data["inbound"]["allowFrom"].append(number))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(add, numbers))
    assert sorted(host.config.get("voice_call").inbound.allow_from) == numbers
    assert host.config.revision("voice_call") == len(numbers)


def test_notices_from_two_gateways_at_once_all_land(settings) -> None:
    """Two gateways tell the owner at the same moment: each notice lands, in one order."""
    from concurrent.futures import ThreadPoolExecutor

    first, second = Host(settings), Host(settings)
    try:
        conversation = first.conversations.latest_or_create()
        notices = [f"Call {n} ended." for n in range(16)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda n: (first if n % 2 else second).tell_owner(notices[n]), range(16)))
        shown = [m.text for m in first.conversations.shown(conversation)]
        assert sorted(shown) == sorted(notices), shown
    finally:
        first.close()
        second.close()
