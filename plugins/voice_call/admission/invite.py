"""An invite code typed on the keypad during a pairing call: the owner handed the caller a code
("give me an invite code"), the caller types it after the pairing prompt, and their number is
approved on the spot (the call then goes on as an accepted call)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Literal

CODE_LENGTH = 6
MAX_TRIES = 3
#: How long a pairing call stays open after its prompt (and after each key) for an invite code.
WAIT_S = 5.0
ACCEPTED = "Thank you, that code is right: your number is approved."
WRONG = "That code is not valid. Please type it again, then press the pound key."
GOODBYE = "Goodbye."


class InviteEntry:
    """Keys of one pairing call: a code is checked at "#" or its sixth digit, three tries at most."""

    def __init__(self, redeem: Callable[[str], bool]) -> None:
        self._redeem = redeem
        self._digits = ""
        self._tries = 0
        self.last_key_at = time.monotonic()
        #: Set once the code was accepted or the tries are spent.
        self.settled = asyncio.Event()
        self.accepted = False

    def key(self, digit: str) -> Literal["more", "accepted", "wrong", "spent"]:
        self.last_key_at = time.monotonic()
        if self.settled.is_set():
            return "spent"
        if digit not in ("#", "*"):
            self._digits += digit
        if digit != "#" and len(self._digits) < CODE_LENGTH:
            return "more"
        code, self._digits = self._digits, ""
        if not code:
            return "more"
        if self._redeem(code):
            self.accepted = True
            self.settled.set()
            return "accepted"
        self._tries += 1
        if self._tries >= MAX_TRIES:
            self.settled.set()
            return "spent"
        return "wrong"

    async def wait(self) -> bool:
        """Until accepted, the tries are spent, or WAIT_S pass with no key (counted from now, the end
        of the pairing prompt, or the last key): whether it was accepted."""
        self.last_key_at = max(self.last_key_at, time.monotonic())
        while not self.settled.is_set():
            left = self.last_key_at + WAIT_S - time.monotonic()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(self.settled.wait(), timeout=left)
            except TimeoutError:
                continue
        return self.accepted
