"""The owner's words for placing a call, for the offline model: "call +1555... and remind them
about ...", "... tomorrow at 9 ...", "call me every weekday at 8 to remind me to take my pills".
A call for now goes to `realtime_call`; one for later to the scheduling tools.

The owner speaks about the callee in the third person (or of themselves, when the callee is "me");
the message is said to the callee in the second.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall, slots

I = re.IGNORECASE
CALL = re.compile(r"^\s*(?:please\s+|kindly\s+)?(?:call|phone|ring)\s+(me|\+?[\d][\d\s\-()]{5,18}\d)\b\s*(.*)$", I | re.S)
#: Where the owner's words for the time end and the call's purpose begins.
PURPOSE = re.compile(r"\b(?:and\s+|to\s+)?(?:remind|have a conversation|talk|chat|ask|tell|inform|say to)\b", I)
RECURRING = re.compile(r"\b(?:every|each|daily|weekdays|monthly)\b", I)
WHEN = re.compile(r"\b(today|tonight|tomorrow|in \d+ (?:minutes?|hours?)|at \d|on \w+day|next \w+|\w+day\b)", I)
#: Words about a time we do not read ("after lunch", "in a bit", "later"): a call is never placed now then.
UNREAD_TIME = re.compile(
    r"\b(?:after|before|later|soon|tonight|this\s+(?:morning|afternoon|evening)|in\s+a\s+(?:bit|while|few|moment)|at\s+(?:lunch|dinner)|when)\b",
    I,
)
#: Words between the number and the purpose that mean "now" (or nothing).
NOW = re.compile(r"\b(?:right\s+)?now\b|\bplease\b|\bfor\s+me\b|\bquickly\b|\basap\b|\bstraight\s+away\b|\bimmediately\b", I)
# One pass over all words, so a replacement ("my owner") is never rewritten again ("my owner's owner").
PRONOUNS = {
    "i'm": "my owner is",
    "i am": "my owner is",
    "i've": "my owner has",
    "i": "my owner",
    "my": "my owner's",
    "me": "my owner",
    "they're": "you're",
    "their": "your",
    "themselves": "yourself",
    "them": "you",
    "they": "you",
    "his": "your",
    "her": "your",
    "him": "you",
}
_PRONOUN = re.compile(r"\b(?:i'm|i am|i've|themselves|they're|their|them|they|his|her|him|my|me|i)\b", I)
#: The same, when the owner is the one called: their "my pills" are "your pills".
TO_OWNER = {"i'm": "you're", "i am": "you are", "i've": "you've", "i": "you", "my": "your", "me": "you", "myself": "yourself"}
_OWNER_PRONOUN = re.compile(r"\b(?:i'm|i am|i've|myself|my|me|i)\b", I)


def _second_person(text: str, to_owner: bool = False) -> str:
    if to_owner:
        text = _OWNER_PRONOUN.sub(lambda m: TO_OWNER[m.group(0).lower()], text)
    else:
        text = _PRONOUN.sub(lambda m: PRONOUNS[m.group(0).lower()], text)
    return text.strip().rstrip(".!")


def _purpose(text: str, to_owner: bool) -> tuple[str, str] | None:
    """(mode, what to say) from "remind them about X", "have a conversation about X", "tell them X"."""
    if m := re.search(r"\bremind (?:them|him|her|me)\s+(.+)$", text, I | re.S):
        return "notify", f"Hello! This is a friendly reminder {_second_person(m.group(1), to_owner)}."
    if m := re.search(r"\bask (?:them|him|her)\s+(.+)$", text, I | re.S):
        return (
            "conversation",
            f"Hello! I'm calling on behalf of my owner, who would like to know {_second_person(m.group(1), to_owner)}.",
        )
    if m := re.search(r"\b(?:have a conversation|talk(?: to them| with them)?|chat(?: with them)?)\s+(.+)$", text, I | re.S):
        return "conversation", f"Hello! I'm calling on behalf of my owner {_second_person(m.group(1), to_owner)}."
    if m := re.search(
        r"\b(?:(?:tell|say to) (?:them|him|her|me)|inform(?: them| him| her| me)?)\s+(?:that\s+)?(.+)$", text, I | re.S
    ):
        return "notify", f"Hello! I have a message for you: {_second_person(m.group(1), to_owner)}."
    return None


def place_call(text: str) -> list[ToolCall] | None:
    match = CALL.match(text)
    if not match:
        return None
    to_owner = match.group(1).lower() == "me"
    number = "me" if to_owner else re.sub(r"[\s\-()]", "", match.group(1))
    rest = match.group(2)
    start = PURPOSE.search(rest)
    if start is None:
        return None
    when, task = slots.with_digits(rest[: start.start()]).strip(), rest[start.start() :]
    # Words about when that are not read as a time ("in a bit", "after lunch") never make a call
    # now: the rule steps aside and the meanings ask.
    if NOW.sub("", when).strip(" ,") and not WHEN.search(when) and not RECURRING.search(when):
        return None
    purpose = _purpose(task, to_owner)
    if purpose is None:
        return None
    mode, message = purpose
    if when and RECURRING.search(when):
        return [("schedule_recurring_call", {"to": number, "message": message, "every": when, "mode": mode})]
    if when and WHEN.search(when):
        return [("schedule_call", {"to": number, "message": message, "when": when, "mode": mode})]
    return [("realtime_call", {"action": "initiate_call", "to": number, "message": message, "mode": mode})]


PLACE_CALL = Intent("place_call", place_call, "call +15559876543 and remind them about tomorrow's appointment")


# -- free phrasing ("give +1555... a call to say ...", "at 6pm tomorrow call ...") ---------------

#: The owner's own phone, as the callee.
ME = re.compile(
    r"\b(?:call|ring|phone|wake)\s+me\b|\bwake[\s-]?up\s+call\b|\bremind\s+me\b.*\b(?:by\s+phone|with\s+a\s+call|call)\b|\bmy\s+phone\b"
    r"|\ba\s+call\b.*\bto\s+remind\s+me\b",
    I,
)
#: How the owner says what the call is for, and what `place_call` reads it as (None: "tell them ...").
Rewrite = Callable[[re.Match[str], str], str] | None
PURPOSES: list[tuple[re.Pattern[str], Rewrite]] = [
    (re.compile(r"\bwake\s+me(?:\s+up)?\b|\bwake[\s-]?up\s+call\b", I), lambda m, rest: "remind me to wake up"),
    (re.compile(r"\b(?:and\s+|to\s+)?remind\s+(?:them|him|her|me)\b", I), lambda m, rest: m.group(0).strip() + rest),
    (
        re.compile(
            r"\b(?:and\s+|to\s+)?(?:let\s+(?:them|him|her|me)\s+know|say|tell\s+(?:them|him|her|me)|inform(?:\s+(?:them|him|her|me))?)\b",
            I,
        ),
        None,
    ),
    (re.compile(r"\b(?:and\s+|to\s+)?wish\s+(?:them|him|her|me)\b", I), None),
    (re.compile(r"\b(?:and\s+|to\s+)?ask\s+(?:them\s+|him\s+|her\s+)?(?=\w)", I), lambda m, rest: "ask them " + rest),
    (
        re.compile(r"\b(?:and\s+|to\s+)?(?:check\s+in|chat|talk)\b", I),
        lambda m, rest: "talk to them " + m.group(0).strip() + rest,
    ),
    # "ring +1555... about the invoice": a conversation about it (last: "remind them about" wins).
    (re.compile(r"\babout\b", I), lambda m, rest: "talk to them about" + rest),
]
RECURRENCE = re.compile(
    r"\b(?:every|each)\s+(?:\w+\s+){0,3}?(?:at\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?|\w+)(?=\W|$)|\bdaily\s+at\s+\d+", I
)
ONE_OFF = re.compile(
    r"\b(?:tomorrow|today|tonight|this\s+(?:morning|afternoon|evening)|(?:next|on|this)\s+\w+day|in\s+\d+\s+(?:minutes?|hours?)"
    r"|at\s+(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm)?)|morning|afternoon|evening|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    I,
)
AT_CLOCK = re.compile(r"\bat\s+(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm)?)(?=\W|$)", I)


def _purpose_text(rest: str) -> tuple[int, str] | None:
    """Where the call's purpose starts in `rest`, and the purpose as `place_call` reads it."""
    for pattern, rewrite in PURPOSES:
        if match := pattern.search(rest):
            after = rest[match.end() :]
            return match.start(), ("tell them " + after.strip() if rewrite is None else rewrite(match, after))
    return None


def _call_meant(said: Said) -> Built:
    text = slots.with_digits(said.text)
    numbers = slots.phone_numbers(text, said.region)
    to_owner = not numbers and bool(ME.search(text))
    if not numbers and not to_owner:
        return Ask("Which number should I call?")
    for number in re.findall(r"\+?\d[\d\s\-().]{6,18}\d", text):
        text = text.replace(number, "them")
    recurrence = RECURRENCE.search(text)
    every = ""
    if recurrence:
        every = recurrence.group(0)
        text = text.replace(every, " ")
        if "at " not in every and (clock := AT_CLOCK.search(text)):
            every += " " + clock.group(0)
            text = text.replace(clock.group(0), " ")
    text = re.sub(r"\b(?:with\s+a\s+call|by\s+phone|a\s+call)\b", " ", text, flags=I)
    found = _purpose_text(text)
    if found is None:
        return Ask("What should I say or ask on the call?")
    start, purpose = found
    when = "" if every else " ".join(m.group(0) for m in ONE_OFF.finditer(text[:start]))
    if not every and not when and UNREAD_TIME.search(text[:start]):
        return Ask('When should I call? For example "tomorrow at 9" or "in 2 hours".')  # never "now" by default
    if not every and not when and purpose.startswith(("remind", "to remind", "and remind")):
        when = " ".join(m.group(0) for m in ONE_OFF.finditer(purpose))  # "remind them about X tomorrow at 9"
    purpose = re.sub(r"\s+", " ", purpose).strip(" ,.")
    callee = "me" if to_owner else numbers[0]
    if to_owner:
        purpose = re.sub(r"\b(them|him|her)\b", "me", purpose, count=1)
    timing = every or when
    calls = place_call(f"call {callee} {timing} {purpose}")
    return calls if calls else Ask("What should I say or ask on the call?")


#: The owner's words for a call that asks for something.
CALL_CUES = r"\b(call|ring|phone)\b.*\b(say|tell|ask|remind|let\s+them\s+know|wish)\b|\bremind\s+me\b|\bwake\s+me\b"
#: Three meanings with one reading (`_call_meant` reads the time either way): split so that a
#: language model is offered only the tool the owner's words are closest to.
CALL_MEANINGS = [
    Meaning(
        "call now",
        "place a phone call for you now",
        (
            "phone +15550000000 right now and tell them the keys are here",
            "ring +15550000000 and ask if they are coming",
            "call +15550000000 to let them know dinner is ready",
            "ring +15550000000 to tell them I'm on my way",
            "call +15550000000, say the car is fixed",
            "please phone +15550000000 and ask about dinner",
            "ring +15550000000 and say dinner is ready",
            "phone +15550000000, ask them if the parcel came",
            "call +15550000000 and wish them good luck",
            "ring +15550000000 to say thanks",
            "give +15550000000 a ring and tell them the parcel came",
            "phone +15550000000 to say hi",
            "could you ring +15550000000 and let them know I'm late",
            "call +15550000000 to ask if they are free",
            "make a call to +15550000000 about the party",
            "phone someone for me",
            "ring someone for me",
            "make a call for me",
            "can you call somebody for me",
            "place a call",
            "call +15550000000",
            "call my dentist",
            "ring the garage for me",
            "phone my landlord",
            "give the school a call",
        ),
        _call_meant,
        cues=CALL_CUES,
    ),
    Meaning(
        "call later",
        "schedule a phone call for later",
        (
            "at 10 tomorrow ring +15550000000 to remind them",
            "tomorrow at noon, call +15550000000 and ask how it went",
            "this evening at 7 phone +15550000000 and say hi",
            "on friday call +15550000000 and ask about the rent",
            "tomorrow at 9 call +15550000000 to remind them about the meeting",
            "tonight at 8 ring +15550000000 to say goodnight",
            "next tuesday at 3 phone +15550000000 and ask about the bill",
            "at 5pm call +15550000000 to remind them about dinner",
            "tomorrow call +15550000000 and say happy birthday",
            "in an hour ring +15550000000 and tell them to come in",
        ),
        _call_meant,
        cues=CALL_CUES,
    ),
    Meaning(
        "call repeatedly",
        "call someone again and again on a schedule",
        (
            "every day at 9 call me to remind me to drink water",
            "remind me by phone every friday at 6 to water the plants",
            "ring +15550000000 each sunday to check in",
            "call me every morning at 6 to wake me up",
            "every monday ring +15550000000 and remind them to pay rent",
            "remind me by phone every night to take my keys",
            "every friday at 6 ring +15550000000 to check in",
            "wake me with a call at 7 every day",
            "remind me by phone every evening to lock the door",
        ),
        _call_meant,
        cues=CALL_CUES,
    ),
]
