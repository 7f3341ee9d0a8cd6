"""Shared fixtures: every test gets its own data folder and a real SQLite file (or PostgreSQL database)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.host import Host
from assistant.settings import Settings
from tests.values import (  # noqa: F401 - the tests import these from here
    FRIEND,
    OWNER,
    PLIVO_ID,
    PLIVO_TOKEN,
    TELNYX_KEY,
    TELNYX_PUBLIC_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


#: The store every test runs on unless it asks for both: "sqlite" (a file in the data folder), or
#: "postgresql" (a database of its own on the PostgreSQL the tests start, tests/postgres.py) to run
#: the whole suite there.
DEFAULT_BACKEND = os.environ.get("ASSISTANT_TEST_BACKEND", "sqlite")
#: `pytestmark = BACKENDS`: the module's tests that use the store run on both.
BACKENDS = pytest.mark.both_backends


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: the store tests here run on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's database kind (see BACKENDS)."""
    return str(getattr(request, "param", DEFAULT_BACKEND))


@pytest.fixture
def database_url(backend: str):
    """None (SQLite in the data folder) or a fresh PostgreSQL database, dropped afterwards."""
    if backend != "postgresql":
        yield None
        return
    from tests.postgres import drop_database, new_database

    url = new_database()
    yield url
    drop_database(url)


@pytest.fixture
def env(home: Path, database_url: str | None) -> dict[str, str]:
    """Environment for subprocesses: own data folder, free port, no real model keys."""
    result = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    result.update(ASSISTANT_HOME=str(home), ASSISTANT_GATEWAY_PORT="0", PYTHONUNBUFFERED="1")
    if database_url is not None:
        result["ASSISTANT_DATABASE_URL"] = database_url
    return result


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings.from_env(env)


@pytest.fixture
def host(settings: Settings):
    h = Host(settings)
    yield h
    h.close()


def assistant_cmd() -> list[str]:
    exe = shutil.which("assistant", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "assistant"]


def run_cli(env: dict[str, str], *args: str, input: str | None = None, check: bool = False) -> subprocess.CompletedProcess:
    result = subprocess.run([*assistant_cmd(), *args], env=env, input=input, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"assistant {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def assert_nowhere_on_disk(home: Path, *values: str) -> None:
    for file in files_under(home):
        data = file.read_bytes()
        for value in values:
            assert value.encode() not in data, f"{value[:6]}... found in {file}"


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for the web page tests (tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ensure_chromium

    path = ensure_chromium()
    with sync_playwright() as playwright:
        yield playwright.chromium, path
