"""Shapes of carrier credentials and phone numbers, each with an error that says what is wrong."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
TWILIO_AUTH_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
TELNYX_API_KEY = re.compile(r"^KEY[0-9A-Za-z_\-]{16,200}$")
TELNYX_CONNECTION_ID = re.compile(r"^[0-9A-Za-z\-]{6,64}$")
PLIVO_AUTH_ID = re.compile(r"^(MA|SA)[A-Z0-9]{18}$")
PLIVO_AUTH_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{30,64}$")


#: Words for the owner's own phone ("call me every weekday at 8"); outbound.check_number reads them.
OWNER_WORDS = frozenset(["me", "myself", "my phone", "my own phone", "owner", "the owner"])


def _hint(value: str) -> str:
    """Describe a bad value without echoing it in full (it may be a secret)."""
    return f"{len(value)} characters" if len(value) > 8 else repr(value)


def phone_number(value: str) -> str:
    cleaned = re.sub(r"[\s\-().]", "", value)
    if not E164.match(cleaned):
        raise ValueError(
            f"{value!r} is not a phone number in E.164 form: write it as + country code and number, e.g. +15550001234"
        )
    return cleaned


def caller_number(value: str) -> str:
    """A number as a carrier reports it (a caller ID, the number called), in E.164, or "" for a
    withheld or unreadable one ("anonymous", a SIP address, 60,000 characters): never the raw text,
    which a caller can choose and which ends up in our own sentences to the owner."""
    if len(value) > 40:
        return ""
    try:
        return phone_number(value)
    except ValueError:
        return ""


def twilio_account_sid(value: str) -> str:
    if not TWILIO_ACCOUNT_SID.match(value):
        raise ValueError(f"A Twilio Account SID is AC followed by 32 hex characters (got {value!r})")
    return value


def twilio_auth_token(value: str) -> str:
    if not TWILIO_AUTH_TOKEN.match(value):
        raise ValueError(f"A Twilio Auth Token is 32 hex characters (got {_hint(value)})")
    return value


def telnyx_api_key(value: str) -> str:
    if not TELNYX_API_KEY.match(value):
        raise ValueError(f"A Telnyx API key starts with KEY followed by letters, digits, '_' or '-' (got {_hint(value)})")
    return value


def telnyx_connection_id(value: str) -> str:
    if not TELNYX_CONNECTION_ID.match(value):
        raise ValueError(f"A Telnyx connection id is the Call Control application's id, e.g. 1494404757140276705 (got {value!r})")
    return value


def telnyx_public_key(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("A Telnyx public key is the base64 Ed25519 key from the portal (32 bytes once decoded)")
    return value


def plivo_auth_id(value: str) -> str:
    if not PLIVO_AUTH_ID.match(value):
        raise ValueError(f"A Plivo Auth ID is MA or SA followed by 18 capital letters or digits (got {value!r})")
    return value


def plivo_auth_token(value: str) -> str:
    if not PLIVO_AUTH_TOKEN.match(value):
        raise ValueError(f"A Plivo Auth Token is 30 to 64 letters and digits (got {_hint(value)})")
    return value


def public_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(
            f"The public URL must be an http(s) address the carrier can reach, e.g. https://calls.example.com (got {value!r})"
        )
    if parts.query or parts.fragment:
        raise ValueError("The public URL must not have a query string or fragment")
    return value.rstrip("/")


def calendar_url(value: str) -> str:
    """A CalDAV calendar collection: https, or http on this machine (a local Radicale)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"a calendar URL looks like https://dav.example.com/owner/calendar/ (got {value!r})")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("a calendar on another machine must be reached over https (its password travels with each request)")
    return value.strip()


def api_key(value: str, service: str) -> str:
    """A cloud API key: one token of at least 20 characters (OpenAI keys start with sk-)."""
    label = "OpenAI" if service == "openai" else "ElevenLabs"
    if len(value) < 20 or any(c.isspace() for c in value):
        raise ValueError(f"that does not look like an {label} API key (one word, at least 20 characters)")
    if service == "openai" and not value.startswith("sk-"):
        raise ValueError("OpenAI API keys start with sk-")
    return value
