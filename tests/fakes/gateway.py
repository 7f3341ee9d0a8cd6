"""A stand-in for the running gateway (the host's `RunningGateway`, by shape) that only counts
restarts: for agent tests and the eval, where a restart is recorded, not done."""

from __future__ import annotations

from typing import Any


class FakeGateway:
    running = True
    url = "http://127.0.0.1:9"

    def __init__(self, host: Any) -> None:
        self.restarts = 0
        self.generation = 1
        self.config_snapshot = {n: host.config.get(n).model_dump(mode="json", by_alias=True) for n in host.plugins}

    async def start(self) -> str:
        return "http://127.0.0.1:9"

    async def restart(self) -> int:
        self.restarts += 1
        self.generation += 1
        return self.generation

    async def stop(self) -> None:
        pass
