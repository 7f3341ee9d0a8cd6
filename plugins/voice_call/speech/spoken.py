"""Written text as a person would say it, for the voice: "15:00" is "three p.m.", not "fifteen,
zero zero"; "+15559876543" is said digit by digit in groups; "$45.50" is "forty-five dollars and
fifty cents".

Speech engines read digits as they find them (Kokoro's phonemizer says "09:00" as "zero nine, zero
zero"), so every engine (Kokoro, OpenAI, ElevenLabs) passes each sentence through `say_as_spoken`
before it makes it into speech. The transcript keeps the written form. Numbers become words with `num2words`; phone numbers are split
into their groups with `phonenumbers`; the rest are the rules below, in the order they run
(addresses and codes first, so their digits are not read as times or amounts).

Two conventions, from the voice: a British voice (Kokoro's `b...` voices) says "half past two in
the afternoon", "the eighth of December" and "oh" for 0 in numbers; every other voice "two thirty
p.m.", "December eighth" and "zero".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import phonenumbers
from num2words import num2words

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MONTH_OF = {m.lower(): i for i, m in enumerate(MONTHS, 1)} | {m[:3].lower(): i for i, m in enumerate(MONTHS, 1)}
MONTH_OF["sept"] = 9
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_OF = {d[:3].lower(): d for d in WEEKDAYS} | {d.lower(): d for d in WEEKDAYS}
WEEKDAY_OF |= {"tues": "Tuesday", "thur": "Thursday", "thurs": "Thursday"}
CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
              "€": ("euro", "euros", "cent", "cents")}  # fmt: skip
#: ISO 4217 codes written beside an amount ("45 USD", "EUR 12.50").
CURRENCY_CODES = {"USD": CURRENCIES["$"], "GBP": CURRENCIES["£"], "EUR": CURRENCIES["€"],
                  "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
                  "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
                  "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes")}  # fmt: skip
LETTER_WORDS = {".": "dot", "-": "dash", "_": "underscore", "/": "slash", "+": "plus", "@": "at"}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_OF, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?P<weekday>" + "|".join(sorted(WEEKDAY_OF, key=len, reverse=True)) + r")\.?,?\s+)?"


@dataclass(frozen=True)
class Conventions:
    british: bool = False

    @property
    def zero(self) -> str:
        return "oh" if self.british else "zero"


def conventions_for(voice: str) -> Conventions:
    """British conventions for Kokoro's British voices ("bf_emma", "bm_george"), else American."""
    return Conventions(british=voice[:1].lower() == "b" and voice[1:2] in ("f", "m") and voice[2:3] == "_")


def words(number: int) -> str:
    return str(num2words(number))


def ordinal(number: int) -> str:
    return str(num2words(number, to="ordinal"))


def digits(text: str, conventions: Conventions) -> str:
    """Each digit and letter said alone: "5127" -> "five one two seven"."""
    said = []
    for char in text:
        if char.isdigit():
            said.append(conventions.zero if char == "0" else words(int(char)))
        elif char.isalpha():
            said.append(char.upper())
        elif char in LETTER_WORDS:
            said.append(LETTER_WORDS[char])
    return " ".join(said)


# -- times -----------------------------------------------------------------------------------------

TIME = re.compile(
    r"(?<![\d:.])(?P<hour>[01]?\d|2[0-3])(?::(?P<minute>[0-5]\d)|(?=\s?[aApP]\.?[mM]\b))"
    r"(?:\s?(?P<half>[aApP])\.?[mM]\.?(?![a-zA-Z]))?(?![\d:])"
)


#: "9:00-17:00", "9am - 5pm": the dash between two times is "to".
TIME_RANGE = re.compile(r"(:[0-5]\d|\d\s?[aApP]\.?[mM]\.?)\s*[-–]\s*(?=[01]?\d(?::[0-5]\d|\s?[aApP]\.?[mM]\b)|2[0-3]:[0-5]\d)")


def say_time(hour: int, minute: int, half: str | None, conventions: Conventions) -> str:
    if half:  # "2:30 pm": the hour as written
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else ("midday" if conventions.british else "noon")
    twelve = hour % 12 or 12
    suffix = "a.m." if hour < 12 else "p.m."
    if conventions.british and minute in (15, 30, 45):
        part = "in the morning" if hour < 12 else "in the afternoon" if hour < 18 else "in the evening"
        if minute == 45:
            following = (hour + 1) % 24
            if following in (0, 12):
                return "quarter to midnight" if following == 0 else "quarter to twelve"
            return f"quarter to {words(following % 12 or 12)} {part}"
        return f"{'quarter' if minute == 15 else 'half'} past {words(twelve)} {part}"
    if minute == 0:
        return f"{words(twelve)} {suffix}"
    if minute < 10:
        return f"{words(twelve)} {conventions.zero} {words(minute)} {suffix}"
    return f"{words(twelve)} {words(minute)} {suffix}"


def _time(match: re.Match[str], conventions: Conventions) -> str:
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if half and not 1 <= hour <= 12:
        return match.group(0)  # "15 pm" is not a time we can read: leave it
    if match["minute"] is None and not half:
        return match.group(0)
    return say_time(hour, minute, half, conventions)


# -- dates -----------------------------------------------------------------------------------------

ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
DAY_MONTH = re.compile(
    _WEEKDAY + r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>\d{4}))?\b", re.I
)
MONTH_DAY = re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:])(?:,?\s+(?P<year>\d{4}))?\b", re.I)
WEEKDAY_ALONE = re.compile(r"\b(?P<weekday>Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?(?=,?\s+(?:\d|the\b))")


def say_date(year: int | None, month: int, day: int, weekday: str | None, conventions: Conventions, today: date) -> str:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError("not a date")
    name = MONTHS[month - 1]
    said = f"the {ordinal(day)} of {name}" if conventions.british else f"{name} {ordinal(day)}"
    if weekday:
        said = f"{WEEKDAY_OF.get(weekday.lower().rstrip('.'), weekday)}, {said}"
    if year is not None and year != today.year:
        said += f", {num2words(year, to='year')}"
    return said


def _date(match: re.Match[str], conventions: Conventions, today: date) -> str:
    month = match["month"]
    number = int(month) if month.isdigit() else MONTH_OF[month.lower().rstrip(".")]
    year = int(match["year"]) if match["year"] else None
    weekday = match.groupdict().get("weekday")
    try:
        return say_date(year, number, int(match["day"]), weekday, conventions, today)
    except ValueError:
        return match.group(0)


# -- money, durations, numbers that are codes -------------------------------------------------------

_AMOUNT = r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?(?!\d)"
_CODES = "|".join(CURRENCY_CODES)
MONEY = re.compile(r"(?P<symbol>[$£€])\s?" + _AMOUNT)
MONEY_CODE_FIRST = re.compile(rf"\b(?P<code>{_CODES})\s?{_AMOUNT}")
MONEY_CODE_AFTER = re.compile(rf"(?<![\d.,])\b{_AMOUNT}\s?(?P<code>{_CODES})\b")


def _money(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups.get("symbol"):
        one, many, small_one, small_many = CURRENCIES[match["symbol"]]
    else:
        one, many, small_one, small_many = CURRENCY_CODES[match["code"]]
    whole, cents = int(match["whole"].replace(",", "")), int(match["cents"] or 0)
    said = f"{words(whole)} {one if whole == 1 else many}"
    if cents:
        said += f" and {words(cents)} {small_one if cents == 1 else small_many}"
    return said


UNITS = {"min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute", "h": "hour", "hr": "hour",
         "hrs": "hour", "hour": "hour", "hours": "hour", "sec": "second", "secs": "second"}  # fmt: skip
DURATION = re.compile(r"\b(?P<count>\d+)\s?(?P<unit>" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")\b")


def _duration(match: re.Match[str]) -> str:
    count, unit = int(match["count"]), UNITS[match["unit"].lower()]
    return f"{words(count)} {unit}{'' if count == 1 else 's'}"


#: A code said character by character: after the word that names it, or after "#".
CODE = re.compile(
    r"(?i)\b(?P<name>order|reference|ref|confirmation|booking|ticket|invoice|account|case|tracking|policy|member)"
    r"(?P<number>\s+(?:number|no\.?|code|id))?\s*(?::\s*)?#?\s*(?P<code>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,})\b"
)
HASH_CODE = re.compile(r"(?<![\w&])#(?P<code>[A-Z0-9][A-Z0-9-]*\d[A-Z0-9-]*)\b", re.I)


def _code(match: re.Match[str], conventions: Conventions) -> str:
    return f"{match['name']}{match['number'] or ''} {digits(match['code'], conventions)}"


# -- phone numbers, e-mail and web addresses --------------------------------------------------------

PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d ()./-]{6,18}\d|\(\d{3}\)\s?\d{3}[-. ]\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4})\b")
#: A number written for dialling within the country: "555-0199" (seven digits), "020 7946 0958",
#: "07700 900123" (a leading 0 and groups). Said group by group as written.
LOCAL_PHONE = re.compile(r"(?<![\w+.,:/-])(?:\d{3}-\d{4}|0\d{2,4}(?:[ -]\d{3,6}){1,2})\b(?![.,:/-]\d)")


def _phone(match: re.Match[str], conventions: Conventions) -> str:
    written = match.group(0)
    try:
        number = phonenumbers.parse(written, None if written.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return written
    if not phonenumbers.is_possible_number(number):
        return written
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if not written.startswith("+"):
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = re.findall(r"\+?\d+", formatted)
    said = [("plus " if g.startswith("+") else "") + digits(g.lstrip("+"), conventions) for g in groups]
    return ", ".join(said)


def _local_phone(match: re.Match[str], conventions: Conventions) -> str:
    groups = re.findall(r"\d+", match.group(0))
    if groups[0].startswith("0") and not 10 <= sum(map(len, groups)) <= 11:
        return match.group(0)  # not a national number's length: some other figures
    return ", ".join(digits(group, conventions) for group in groups)


EMAIL = re.compile(r"\b(?P<user>[\w.+-]+)@(?P<domain>[\w-]+(?:\.[\w-]+)+)\b")
URL = re.compile(
    r"\b(?:https?://)?(?P<address>(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|app|co|uk|us|de|fr|eu|info)\b(?:/[\w./-]*[\w/])?)"
)


def _spell_address(text: str) -> str:
    return re.sub(r"[./_@-]", lambda m: f" {LETTER_WORDS[m.group(0)]} ", text).replace("  ", " ").strip()


def _email(match: re.Match[str]) -> str:
    return f"{_spell_address(match['user'])} at {_spell_address(match['domain'])}"


def _url(match: re.Match[str]) -> str:
    address = match["address"]
    if address.startswith("www."):
        address = "w w w." + address[4:]
    return _spell_address(address)


# -- all together -----------------------------------------------------------------------------------


def say_as_spoken(text: str, conventions: Conventions = Conventions(), today: date | None = None) -> str:
    """`text` with its times, dates, amounts, durations, codes, phone numbers and addresses in words."""
    today = today or date.today()
    steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (EMAIL, _email),
        (URL, _url),
        (CODE, lambda m: _code(m, conventions)),
        (HASH_CODE, lambda m: f"number {digits(m['code'], conventions)}"),
        (PHONE, lambda m: _phone(m, conventions)),
        (LOCAL_PHONE, lambda m: _local_phone(m, conventions)),
        (MONEY, _money),
        (MONEY_CODE_FIRST, _money),
        (MONEY_CODE_AFTER, _money),
        (ISO_DATE, lambda m: _date(m, conventions, today)),
        (DAY_MONTH, lambda m: _date(m, conventions, today)),
        (MONTH_DAY, lambda m: _date(m, conventions, today)),
        (WEEKDAY_ALONE, lambda m: WEEKDAY_OF[m["weekday"].lower()]),
        (TIME_RANGE, lambda m: f"{m[1]} to "),
        (TIME, lambda m: _time(m, conventions)),
        (DURATION, _duration),
    ]
    for pattern, say in steps:
        text = pattern.sub(say, text)
    return re.sub(r"(?<=[ap]\.m\.)\.", "", text)  # "at 14:05." said "two oh five p.m.", one full stop
