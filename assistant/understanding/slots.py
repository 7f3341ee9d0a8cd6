"""Values read out of what people type: numbers and durations in words, phone numbers however they
are written, quoted text.

Each reader returns None when it finds nothing it can read with certainty; callers ask the owner
then, never fill in a default. Numbers in words go through `text2num` and phone numbers through
Google's `phonenumbers`; only the everyday duration idioms ("half an hour") are ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from text_to_num import alpha2digit


def _fraction_of(match: re.Match[str]) -> str:
    seconds = int(match.group(1)) * (3600 if match.group(3).lower() == "hour" else 60) / int(match.group(2))
    return f"{seconds:g} seconds"


#: Everyday durations that are not numbers to `text2num`, most specific first.
IDIOMS: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\ban?\s+hour\s+and\s+a\s+half\b|\bone\s+and\s+a\s+half\s+hours?\b", "90 minutes"),
    (r"\b(\d+)\s+and\s+a\s+half\s+hours?\b", lambda m: f"{int(m.group(1)) * 60 + 30} minutes"),
    (r"\b(?:a\s+)?half\s+(?:an\s+)?hour\b|\bhalf-hour\b", "30 minutes"),
    (r"\ban?\s+minute\s+and\s+a\s+half\b|\bone\s+and\s+a\s+half\s+minutes?\b", "90 seconds"),
    (r"\b(?:a\s+)?half\s+a\s+minute\b|\bhalf-minute\b", "30 seconds"),
    # "3/4 of an hour" is 45 minutes, never "an hour" with the fraction dropped.
    (r"\b([1-9])\s*/\s*([1-9])\s+of\s+an?\s+(hour|minute)\b", _fraction_of),
    (r"\b(?:a\s+)?quarter\s+(?:of\s+)?an\s+hour\b|\bquarter[\s-]hour\b", "15 minutes"),
    (r"\bthree\s+quarters\s+of\s+an\s+hour\b", "45 minutes"),
    (r"\ba\s+couple\s+(?:of\s+)?(?=\w)", "2 "),
    (r"\ban?\s+(?=(?:hour|minute|second)\b)", "1 "),
    # "one" alone is left as a word by text2num ("no one"); before a unit it is a number.
    (r"\bone\s+(?=(?:call|hour|minute|second|person|people|caller|slot)s?\b)", "1 "),
]

UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60}
UNITS |= {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}
DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s|minutes?|mins?|min|m|hours?|hrs?|h)\b", re.IGNORECASE)


def with_digits(text: str) -> str:
    """`text` with numbers written as words turned into digits ("thirty seconds" -> "30 seconds")."""
    for pattern, replacement in IDIOMS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    # Every number word, small ones too ("two hours"); "no one" is a person, not a number.
    text = re.sub(r"\bno\s+one\b", "nobody", text, flags=re.IGNORECASE)
    return str(alpha2digit(text, "en", threshold=0))


def duration_seconds(text: str) -> int | None:
    """The one length of time in `text`, in seconds ("half an hour" -> 1800, "1 hour 30 min" -> 5400).
    None if there is none, or several that do not add up to one ("5 minutes ... 20 seconds" apart)."""
    # "two and a half minutes": text2num reads the "two" first, so the half is added after it.
    text = re.sub(r"\b(\d+)\s+and\s+a\s+half\s+(hours?|minutes?|seconds?)\b", r"\1.5 \2", with_digits(text), flags=re.I)
    found = list(DURATION.finditer(text))
    if not found:
        return None
    if re.search(r"\d\s*(?:-|to|or)\s*$", text[: found[0].start()]):
        return None  # "5-10 minutes", "5 or 10 minutes": a range is no one length
    total = 0.0
    for index, match in enumerate(found):
        if index and text[found[index - 1].end() : match.start()].strip(" ,and") != "":
            return None  # two separate durations: which is meant is not ours to guess
        total += float(match.group(1)) * UNITS[match.group(2).lower()]
    return round(total)


ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def whole_number(text: str) -> int | None:
    """The one whole number in `text`, written in digits, words or as an ordinal ("the second");
    None if none or several."""
    for n, word in enumerate(ORDINALS, start=1):
        text = re.sub(rf"\b{word}\b", str(n), text, flags=re.IGNORECASE)
    found = re.findall(r"(?<![\d+:.])\d+(?![\d:.])", with_digits(text))
    return int(found[0]) if len(found) == 1 else None


def phone_numbers(text: str, region: str = "US") -> list[str]:
    """The phone numbers in `text` in E.164, however they are written ("(555) 987-6543",
    "+1 555 987 6543", "555.987.6543"); `region` says how to read numbers without a country code."""
    found: list[tuple[int, str]] = []
    # A number already written whole in E.164 is taken as written: "add +15559876543 2 allowlist"
    # must not read the "2" (for "to") as its last digit.
    for whole in re.finditer(r"(?<![\w+])\+\d{8,15}(?!\w)", text):
        if _possible(whole.group(0)):
            found.append((whole.start(), whole.group(0)))
            text = text[: whole.start()] + " " * len(whole.group(0)) + text[whole.end() :]
    leniency = phonenumbers.Leniency.POSSIBLE
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
        found.append((match.start, phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)))
    return list(dict.fromkeys(number for _, number in sorted(found)))


def _possible(e164: str) -> bool:
    """Whether `e164` ("+" and digits) could be a phone number ("+0..." has no country code)."""
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(e164)))
    except phonenumbers.NumberParseException:
        return False


def region_of(number: str | None) -> str:
    """The region to read local numbers in: the owner's own number's, else the US."""
    if number:
        try:
            return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or "US"
        except phonenumbers.NumberParseException:
            pass
    return "US"


def quoted(text: str) -> str | None:
    """Text in quotes, or everything after the first colon: what the owner wants said word for word."""
    if match := re.search(r"[\"“']([^\"”]{3,}?)[\"”']\s*[.!]?\s*$", text):
        return match.group(1).strip()
    if match := re.search(r"[\"“]([^\"”]{3,})[\"”]", text):
        return match.group(1).strip()
    if match := re.search(r":\s*(.{3,})$", text, re.S):
        return match.group(1).strip().strip("\"'“”")
    return None


def url(text: str) -> str | None:
    match = re.search(r"https?://[^\s,;]+", text)
    return match.group(0).rstrip(".") if match else None


#: How a greeting opens ("Hello, ...", "Thanks for calling ...", "You've reached ...").
SALUTATION = (
    r"(?:hello|hi|hiya|hey|welcome|good\s+(?:morning|afternoon|evening|day)|thanks?\s+(?:you\s+)?for\s+calling|"
    r"you'?ve\s+reached|you\s+have\s+reached)\b"
)


#: Texting shorthand and the misspellings people make most, as the words they stand for: the
#: sentence model knows "everybody" and "please", not "evrybody" and "pls". Only for comparing
#: meanings; the owner's own words (a greeting, a fact) are kept as typed.
SHORTHAND = {
    "pls": "please",
    "plz": "please",
    "plez": "please",
    "plese": "please",
    "u": "you",
    "ur": "your",
    "r": "are",
    "n": "and",
    "thx": "thanks",
    "ty": "thank you",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "evry": "every",
    "evryone": "everyone",
    "everone": "everyone",
    "evrybody": "everybody",
    "everbody": "everybody",
    "anyon": "anyone",
    "anybdy": "anybody",
    "noone": "no one",
    "nobdy": "nobody",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "shouldnt": "shouldn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "im": "I'm",
    "ive": "I've",
    "thats": "that's",
    "whats": "what's",
    "recieve": "receive",
    "recieving": "receiving",
    "calender": "calendar",
    "adress": "address",
    "messege": "message",
    "mesage": "message",
    "numbr": "number",
    "nmbr": "number",
    "untill": "until",
    "msg": "message",
    "appt": "appointment",
    "appts": "appointments",
    "mins": "minutes",
    "secs": "seconds",
    "hrs": "hours",
}
_SHORTHAND = re.compile(r"(?<![\w'-])(" + "|".join(sorted(SHORTHAND, key=len, reverse=True)) + r")(?![\w'-])", re.IGNORECASE)


#: "Why don't you let everyone through" asks for it: no refusal in it.
SUGGESTION = re.compile(r"\bwhy\s+(?:don'?t\s+you|not)\b", re.IGNORECASE)


def unabbreviated(text: str) -> str:
    """`text` with texting shorthand and common misspellings written out ("pls add" -> "please
    add"), and a suggestion put as a question ("why don't you ...") as the request it is."""
    return SUGGESTION.sub("please", _SHORTHAND.sub(lambda m: SHORTHAND[m.group(1).lower()], text))


def masked(text: str, region: str = "US") -> str:
    """`text` with its values replaced by what they are ("a phone number", "a web address"), so
    that meaning is compared on the words around them, not on the digits."""
    for number in sorted(re.findall(r"\+?\d[\d\s\-().]{5,18}\d", text), key=len, reverse=True):
        if phone_numbers(number, region):
            text = text.replace(number, "a phone number")
    text = re.sub(r"https?://\S+", "a web address", text)
    # Quoted words that open with a salutation are a greeting, whatever else the message says.
    text = re.sub(r"[\"“]\s*" + SALUTATION + r"[^\"”]*[\"”]", "a greeting", text, flags=re.I)
    text = re.sub(r"(?<=\s)'\s*" + SALUTATION + r".*'(?=[\s.!?]|$)", "a greeting", text, flags=re.I)
    text = re.sub(r"[\"“][^\"”]{3,}[\"”]|(?<=\s)'[^']{3,}'(?=[\s.!?]|$)", "these words", text)
    text = re.sub(r":\s*\S.{12,}$", ": these words", text, flags=re.S)
    # So is the answer after "if people ask (about returns), ...": the fact, not the request.
    # ("If someone asks for me, put them through" is a request: "asks for" is not masked.)
    text = re.sub(
        r"^(\s*(?:if|when(?:ever)?)\s+(?:\w+\s+){0,2}?asks?(?:\s+about\s+[^,]+)?,\s*)\S.{8,}$",
        r"\1these words",
        text,
        flags=re.S | re.I,
    )
    # What is to be said ("tell them that ...", "say ...") is content, not the request.
    return re.sub(
        r"(\b(?:tell|say|know|told|hear)\b.{0,30}?\b(?:that|them|say)\s+)\S.{12,}$", r"\1these words", text, flags=re.S | re.I
    )


#: Clock times as people say them, after `with_digits`: "half past 2" is 2:30.
CLOCK_IDIOMS: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\bhalf\s+past\s+(\d{1,2})\b", lambda m: f"{m.group(1)}:30"),
    (r"\bquarter\s+past\s+(\d{1,2})\b", lambda m: f"{m.group(1)}:15"),
    (r"\bquarter\s+to\s+(\d{1,2})\b", lambda m: f"{(int(m.group(1)) - 2) % 12 + 1}:45"),
    (r"\b(?:at\s+)?(?:noon|midday|12\s+noon)\b", "at 12:00"),
    (r"\b(\d{1,2})\s+(\d{2})\b(?!\s*(?:minutes?|mins?|seconds?|hours?))", lambda m: f"{m.group(1)}:{m.group(2)}"),
    (r"\b(\d{1,2})\s+o'?\s*clock\b", lambda m: f"{m.group(1)}:00"),
]


def clock_words(text: str) -> str:
    """`text` with spoken clock times in digits: "half past two" -> "2:30", "nine thirty" -> "9:30",
    "quarter to four" -> "3:45", "noon" -> "12:00"."""
    text = with_digits(text)
    for pattern, replacement in CLOCK_IDIOMS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text
