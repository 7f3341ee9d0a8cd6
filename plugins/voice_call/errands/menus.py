"""Phone menus heard on a call we placed: "For appointments, press 2. Press 3 for billing." read
into options, and the option that fits what the owner asked the call to do.

Offline, this is the whole of menu handling: the common forms ("for X, press N", "to X, press N",
"press N for X", "press N to X") and the owner's words for the errand pick the key. The menu's
words are only matched against the owner's, never obeyed.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "star": "*", "pound": "#", "hash": "#",
}  # fmt: skip
_KEY = r"(?P<key>[0-9]|zero|oh|one|two|three|four|five|six|seven|eight|nine|star|pound|hash)\b"
#: "For appointments, press 2" / "To speak to a nurse, press 5" / "If you'd like billing, press 3".
OPTION_FIRST = re.compile(
    r"(?:\bfor|\bto|\bif you(?:'d| would) like(?: to)?|\bif you want(?: to)?)\s+(?P<what>[^.,;!?]{2,60}?)[,\s]+(?:please\s+)?"
    r"(?:press|dial|select)\s+" + _KEY,
    re.I,
)
#: "Press 2 for appointments" / "Press 3 to hear your balance".
KEY_FIRST = re.compile(r"\b(?:press|dial|select)\s+" + _KEY + r"\s+(?:for|to)\s+(?P<what>[^.,;!?]{2,60})", re.I)
#: What a menu says for "none of the above" (the owner's goal matched nothing else).
ANYTHING_ELSE = re.compile(
    r"\b(operator|representative|receptionist|agent|someone|a person|all other|anything else|other (?:questions|enquiries|inquiries))\b",
    re.I,
)
STOP_WORDS = frozenset({
    "a", "an", "the", "to", "for", "of", "and", "or", "on", "in", "at", "with", "your", "my", "our", "me", "you",
    "i", "we", "is", "are", "be", "please", "call", "calls", "ask", "book", "about", "speak", "talk", "hear", "if",
    "like", "would", "want", "this", "that", "it",
})  # fmt: skip


def menu_options(heard: str) -> dict[str, str]:
    """The options a menu just listed: key -> what it is for, in the menu's words."""
    options: dict[str, str] = {}
    for pattern in (OPTION_FIRST, KEY_FIRST):
        for match in pattern.finditer(heard):
            key = NUMBER_WORDS.get(match["key"].lower(), match["key"])
            options.setdefault(key, match["what"].strip())
    return options


#: What an errand's words usually mean on a menu ("book a cleaning" is an appointment).
RELATED = {"book": "appointment", "booking": "appointment", "schedule": "appointment", "reschedule": "appointment",
           "pay": "billing", "bill": "billing", "invoice": "billing", "refill": "prescription"}  # fmt: skip


def _words(text: str) -> set[str]:
    found = re.findall(r"[a-z]+", text.lower())
    words = {w for w in found if w not in STOP_WORDS and len(w) > 1} | {RELATED[w] for w in found if w in RELATED}
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}  # "appointments" meets "appointment"


def pick(options: dict[str, str], goal: str) -> str | None:
    """The key whose option shares the most words with the owner's `goal`; else the menu's way to
    a person or "anything else"; None when neither is there (listen on: menus repeat)."""
    wanted = _words(goal)
    scored = sorted(((len(wanted & _words(what)), key) for key, what in options.items()), reverse=True)
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return next((key for key, what in options.items() if ANYTHING_ELSE.search(what)), None)
