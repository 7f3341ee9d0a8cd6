"""A Starlette app served by uvicorn on 127.0.0.1 in a background thread, for fake cloud services."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.types import ASGIApp


class LocalServer:
    def __init__(self, app: ASGIApp, name: str) -> None:
        self.name = name
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio"))
        self._thread = threading.Thread(target=self._server.run, daemon=True, name=name)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.servers[0].sockets[0].getsockname()[1]}"
