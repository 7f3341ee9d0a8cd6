"""One object of a kind per process: the plugin's long-lived parts (the call engine's runtime, the
scheduler, the outbound dialer, the tunnel, pairing) are made once per host and found again by
whoever needs them, so no part has to import the one that made it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from assistant.plugin_api import Host

T = TypeVar("T")


def one_per_process(host: Host, kind: type[T], make: Callable[[], T]) -> T:
    """The host's one `kind`, made by `make()` the first time it is asked for."""
    key = f"voice_call.{kind.__qualname__}"
    found = host.extensions.get(key)
    if found is None:
        found = host.extensions[key] = make()
    assert isinstance(found, kind)
    return found


def existing(host: Host, kind: type[T]) -> T | None:
    """The host's `kind` if this process made one (a gateway runs here), else None."""
    found = host.extensions.get(f"voice_call.{kind.__qualname__}")
    return found if isinstance(found, kind) else None
