"""The owner's short answers to our questions: yes, no, or which of the numbered ones."""

from __future__ import annotations

import re

NO = re.compile(r"^\s*(no|n|nope|nah|cancel|stop|don'?t|do not|neither|none)\b[\s.!]*$", re.I)
YES_TO = re.compile(r"^\s*(?:yes|y|ok|okay|approve)?\s*(?:to|for)?\s*((?:#?\d+(?:\s*(?:,|and|&)?\s*))+)[\s.!]*$", re.I)
YES = re.compile(
    r"^\s*(yes|y|yeah|yep|yup|sure|ok|okay|confirm(ed)?|approve(d)?|go ahead|do it|correct|right|exactly|that'?s right)"
    r"\b(?:\s*,?\s*please)?[\s.!]*$",
    re.I,
)


def is_yes(text: str) -> bool:
    return bool(YES.match(text))


def is_no(text: str) -> bool:
    return bool(NO.match(text))


def picked(text: str, count: int) -> set[int]:
    """Which of `count` numbered questions the answer says yes to: a plain yes is all of them;
    "yes 1 3", "yes to 2" or "1 and 3" are those; anything else is none."""
    if is_yes(text):
        return set(range(1, count + 1))
    match = YES_TO.match(text)
    if match is None:
        return set()
    return {int(n) for n in re.findall(r"\d+", match.group(1)) if 1 <= int(n) <= count}
