"""What the call agent's tools get on a call: the hooks into the call they run in, the caller's
number, and the features the owner offers callers, by kind.

Each feature folder's `caller_tools.py` defines its tools over `CallDeps`; `calls/caller_tools.py`
puts them together. None of them can reach config, the vault, dialling or the owner's own tools,
whatever the caller says: the deps hold nothing that could.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class CallHooks(Protocol):
    """What the call agent's tools may do to the call they run in."""

    def request_hangup(self, reason: str) -> None: ...

    def note(self, text: str) -> None: ...

    def done(self, text: str) -> None:
        """Record something done for the caller, in our own words ("Booked an appointment for Tue 8
        Dec 15:00."): the owner's summary of the call lists it. Never the caller's own words."""
        ...

    async def press(self, keys: str) -> None:
        """Press keys on the call (0-9, * and #): by the carrier's own command, or as tones."""
        ...

    def request_transfer(self, reason: str) -> str | None:
        """Put the caller through to the owner once the reply is spoken; None when it will be
        done, else why it cannot be."""
        ...


@dataclass
class CallDeps:
    call: CallHooks
    #: The caller's number: whose bookings these are.
    caller: str = ""
    #: What the owner offers callers on this call (facts, lookups, bookings), by class.
    features: Mapping[type, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: What the owner asked a call we placed to do (its message); empty on calls that came in.
    errand: str = ""
    #: What the tools offered on this call depend on, read once per call (not once per turn):
    #: changes the owner makes apply from the next call, like every other call setting.
    _offer: dict[str, Any] = field(default_factory=dict, repr=False)

    def feature(self, kind: type[T]) -> T | None:
        """The feature of this kind on this call, if the owner offers it."""
        found = self.features.get(kind)
        return found if isinstance(found, kind) else None

    def call_over(self) -> None:
        """The call has ended: a feature that waits on someone for it (the owner's decision) stops."""
        for feature in self.features.values():
            if callable(over := getattr(feature, "call_over", None)):
                over()

    def once(self, key: str, read: Callable[[], T]) -> T:
        """`read()` the first time a call asks for `key`; the same answer for the rest of the call."""
        if key not in self._offer:
            self._offer[key] = read()
        value: T = self._offer[key]
        return value
