"""`assistant doctor`: what is set up, what is missing, and what to do about it."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from sqlalchemy import text

from assistant.plugins import Check
from assistant.vault import KEY_FILE_NAME

if TYPE_CHECKING:
    from assistant.host import Host

__all__ = ["Check", "format_checks", "run_checks"]


def host_checks(host: Host) -> list[Check]:
    settings = host.settings
    checks = [Check("data folder", "ok", str(settings.home))]
    try:
        with host.db.reader() as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        checks.append(Check("database", "ok", f"{host.db.url_for_display()} (schema {revision})"))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("database", "fail", f"{host.db.url_for_display()}: {exc}"))
    if settings.vault_key:
        checks.append(Check("vault key", "ok", "from ASSISTANT_VAULT_KEY"))
    else:
        path = settings.home / KEY_FILE_NAME
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
        if mode is None:
            checks.append(Check("vault key", "fail", f"{path} is missing"))
        elif mode & 0o077:
            checks.append(Check("vault key", "fail", f"{path} has mode {mode:o}; run chmod 600 {path}"))
        else:
            checks.append(Check("vault key", "ok", f"{path} (mode 600)"))
    unreadable = []
    for name in host.vault.names():
        try:
            host.vault.get(name)
        except Exception:  # noqa: BLE001 - VaultError says why; doctor only counts
            unreadable.append(name)
    if unreadable:
        checks.append(Check("vault secrets", "fail", f"cannot decrypt: {', '.join(unreadable)} (wrong key or altered data)"))
    else:
        checks.append(Check("vault secrets", "ok", f"{len(host.vault.names())} stored, all readable"))
    if settings.llm_base_url:
        checks.append(Check("language model", "ok", f"{settings.llm_model} at {settings.llm_base_url}"))
    elif settings.openai_api_key:
        checks.append(Check("language model", "ok", f"OpenAI {settings.llm_model}"))
    else:
        checks.append(
            Check(
                "language model",
                "warn",
                "offline model (setup requests only); set OPENAI_API_KEY or ASSISTANT_LLM_BASE_URL for open chat",
            )
        )
    return checks


def run_checks(host: Host) -> list[Check]:
    checks = host_checks(host)
    for plugin in host.plugins.values():
        if plugin.doctor is not None:
            checks.extend(plugin.doctor(host))
    return checks


def format_checks(checks: list[Check]) -> str:
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    return "\n".join(f"[{marks[c.status]}] {c.name}: {c.detail}" for c in checks)
