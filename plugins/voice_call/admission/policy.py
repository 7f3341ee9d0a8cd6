"""Who may call in: the inbound policy applied to one caller, and a caller admitted by an invite code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from plugins.voice_call import validation
from plugins.voice_call.admission.pairing import Pairing
from plugins.voice_call.config import PLUGIN, VoiceCallConfig

if TYPE_CHECKING:
    from assistant.plugin_api import Host


@dataclass(frozen=True)
class Decision:
    action: Literal["accept", "reject", "pair"]
    reason: str
    code: str | None = None


def normalise(number: str) -> str | None:
    try:
        return validation.phone_number(number)
    except ValueError:
        return None


def decide(config: VoiceCallConfig, caller: str, pairing: Pairing, issue_codes: bool = True) -> Decision:
    """Who may call. With `issue_codes` False (the gateway is busy), a caller who would get a
    pairing code gets "pair" with no code, and no code is made for them."""
    policy = config.inbound.policy
    number = normalise(caller)
    if policy == "disabled":
        return Decision("reject", "inbound calls are disabled")
    if policy == "open":
        return Decision("accept", "policy open")
    if number is not None and number in config.inbound.allow_from:
        return Decision("accept", f"{number} is allowed")
    if policy == "allowlist" or number is None:
        return Decision("reject", "caller not on the allowlist" if number else "caller number withheld or invalid")
    if not issue_codes:
        return Decision("pair", "busy: no pairing code given")
    return Decision("pair", "pairing code sent", pairing.code_for(number))


DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


#: The pairing intro's words around the code, and each digit as it is said: every one a piece of
#: its own (a line break ends a piece), so each is made once, ahead, and a pairing call plays its
#: intro from memory instead of making ten sentences while the caller waits.
PAIRING_OPENING = ("Hello.", "This assistant only takes calls from approved numbers.", "Your pairing code is:")
PAIRING_AGAIN = "Again:"
PAIRING_CLOSING = (
    "Ask the owner to approve it, then call back.",
    "If my owner gave you an invite code, type it now, then press the pound key.",
)
DIGIT_LINES = tuple(f"{digit.capitalize()}." for digit in DIGITS)
PAIRING_LINES = (*PAIRING_OPENING, PAIRING_AGAIN, *DIGIT_LINES, *PAIRING_CLOSING)


def pairing_prompt(code: str) -> str:
    # Each digit a sentence of its own: said as a word ("one", never "one seventy-three") with a
    # pause after it. Said with commas, 1 in 16 codes lost a digit through Whisper tiny on the
    # phone line; as sentences, 57 of 57 came through (Kokoro -> 8 kHz mu-law -> Whisper tiny.en).
    digits = [DIGIT_LINES[int(d)] for d in code]
    return "\n".join([*PAIRING_OPENING, *digits, PAIRING_AGAIN, *digits, *PAIRING_CLOSING])


def admit_invited(host: Host, number: str, code: str) -> bool:
    """A pairing caller typed an invite code: when it is open, their number may call from now on."""
    normalised = normalise(number)
    if normalised is None or not Pairing.of(host).redeem(normalised, code):
        return False

    def change(data: dict[str, Any]) -> None:
        if normalised not in data["inbound"]["allowFrom"]:
            data["inbound"]["allowFrom"].append(normalised)

    host.config.update_typed(PLUGIN, VoiceCallConfig, change)
    host.tell_owner(f"{normalised} typed an invite code you gave out, and may call from now on.")
    return True
