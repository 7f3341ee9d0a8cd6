"""What the offline phrase rules share: the pieces of a pattern and the helpers that pull values out.

Parsing reads the text the owner typed (with secrets already replaced by placeholders) and
extracts values loosely: validation and the error sentences live in the tools and the config
model, so a wrong value here still reaches the tool and gets a clear refusal.
"""

from __future__ import annotations

import re

I = re.IGNORECASE
#: "is", "=", ":" or "to" between a name and its value.
IS = r"\s*(?:is|=|:|to)?\s*"
#: One value: the next run of non-space characters, a trailing comma or period left out.
VALUE = r"([^\s,;]+?)[.,;]?(?=\s|$)"
#: A number written whole in E.164 first: the "2" in "add +15559876543 2 allowlist" is "to".
NUMBER = re.compile(r"\+\d{8,15}(?!\w)|\+?\d[\d\s\-()]{5,18}\d")


def numbers_in(text: str) -> list[str]:
    """The phone numbers written in `text`, spaces, dashes and brackets taken out."""
    return [re.sub(r"[\s\-()]", "", n) for n in NUMBER.findall(text)]


def first(pattern: str, text: str) -> str | None:
    """The first group of `pattern`'s first match in `text` (case-insensitive), if any."""
    match = re.search(pattern, text, I)
    return match.group(1) if match else None
