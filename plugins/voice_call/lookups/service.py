"""Lookups callers may run: HTTP GET requests the owner registered by name ("order status:
GET https://shop.example.com/api/orders/{order_id}, say status and eta"). The call agent's
`query_api` fills only the declared parameters (checked, URL-encoded), reaches only the registered
URL's host, with a time-out and a size cap, and says only the fields the owner allowed. An auth
header's value lives in the vault and never appears in a result."""

from __future__ import annotations

import asyncio
import json
import re
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from assistant.plugin_api import Database, Vault
from plugins.voice_call.lookups.tables import CallerLookupRow

NAME = re.compile(r"^[a-z0-9][a-z0-9 _\-]{0,39}$")
PARAMETER = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
#: What a caller may put in a parameter: letters, digits and a few separators (order numbers, emails).
VALUE = re.compile(r"^[\w\-.@+ ]{1,64}$")
HEADER = re.compile(r"^[A-Za-z0-9\-]{1,64}$")
MAX_RESPONSE_BYTES = 64 * 1024
TIMEOUT_S = 5.0
MAX_FIELD_CHARS = 200


class LookupFailed(ValueError):
    """A lookup cannot be registered or run; the message says why, in words for the owner or caller."""


@dataclass(frozen=True)
class Lookup:
    id: int
    name: str
    url: str
    parameters: list[str]
    fields: list[str]
    auth_header: str

    def summary(self) -> str:
        needs = ", ".join(self.parameters) or "nothing"
        auth = f", with the {self.auth_header} header from the vault" if self.auth_header else ""
        return f"#{self.id} {self.name}: GET {self.url} (needs {needs}; says {', '.join(self.fields)}{auth})"


def _secret_name(name: str) -> str:
    return "voice_call.lookup." + re.sub(r"[^a-z0-9]+", "_", name)


def template_parameters(url: str) -> list[str]:
    """The {placeholders} of a URL template, checked: a real URL with parameters only in its path and query."""
    try:
        names = [field for _, field, _, _ in string.Formatter().parse(url) if field is not None]
    except ValueError as exc:
        raise LookupFailed(f"the URL template is malformed ({exc})") from None
    for name in names:
        if not PARAMETER.match(name):
            raise LookupFailed(f"{{{name}}} is not a parameter name (lower case letters, digits, _)")
    parts = urlsplit(url.format(**{n: "x" for n in names}))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LookupFailed("the URL must start with https:// (or http://) and name a host")
    if any("{" in piece for piece in (urlsplit(url).netloc, urlsplit(url).scheme)):
        raise LookupFailed("parameters may only appear in the URL's path or query, never its host")
    return list(dict.fromkeys(names))


def _field(data: Any, path: str) -> Any:
    """`a.b.0.c` in parsed JSON (None when absent)."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class Lookups:
    def __init__(self, db: Database, vault: Vault) -> None:
        self._db, self._vault = db, vault

    # -- the owner's side ----------------------------------------------------------------------------

    def register(self, name: str, url: str, fields: list[str], auth_header: str = "", auth_value: str = "") -> Lookup:
        name = name.strip().lower()
        if not NAME.match(name):
            raise LookupFailed("name it in a few plain words, like 'order status'")
        parameters = template_parameters(url.strip())
        fields = [f.strip() for f in fields if f.strip()]
        if not fields or any(not re.match(r"^[A-Za-z0-9_\-.]{1,80}$", f) for f in fields):
            raise LookupFailed("say which fields of the answer callers may hear, like status, eta or items.0.name")
        if bool(auth_header) != bool(auth_value):
            raise LookupFailed("an auth header needs both its name and its value")
        if auth_header and not HEADER.match(auth_header):
            raise LookupFailed(f"{auth_header!r} is not an HTTP header name")
        try:
            with self._db.transaction() as session:
                row = CallerLookupRow(
                    name=name, url=url.strip(), parameters=parameters, fields=fields, auth_header=auth_header or ""
                )
                session.add(row)
                session.flush()
                if auth_value:
                    self._vault.set(_secret_name(name), auth_value, session=session)
                return _info(row)
        except IntegrityError:
            raise LookupFailed(f"there is already a lookup named {name!r}; remove it first") from None

    def all(self) -> list[Lookup]:
        with self._db.reader() as session:
            return [_info(r) for r in session.scalars(select(CallerLookupRow).order_by(CallerLookupRow.id))]

    def get(self, name: str) -> Lookup | None:
        wanted = name.strip().lower().replace("_", " ")
        return next((lookup for lookup in self.all() if lookup.name.replace("_", " ") == wanted), None)

    def remove(self, lookup_id: int) -> bool:
        with self._db.transaction() as session:
            row = session.get(CallerLookupRow, lookup_id)
            if row is None:
                return False
            self._vault.delete(_secret_name(row.name), session=session)
            session.execute(delete(CallerLookupRow).where(CallerLookupRow.id == lookup_id))
            return True

    # -- the caller's side ---------------------------------------------------------------------------

    def url_for(self, lookup: Lookup, values: dict[str, str]) -> str:
        """The request URL: exactly the declared parameters, each checked and URL-encoded."""
        missing = [p for p in lookup.parameters if not str(values.get(p, "")).strip()]
        if missing:
            raise LookupFailed(f"{lookup.name} needs {', '.join(missing)}")
        unknown = sorted(set(values) - set(lookup.parameters))
        if unknown:
            raise LookupFailed(f"{lookup.name} takes no {', '.join(unknown)}")
        checked = {}
        for name in lookup.parameters:
            value = str(values[name]).strip()
            # "." and ".." are path steps, not values: they would climb out of the template.
            if not VALUE.match(value) or set(value) == {"."}:
                raise LookupFailed(f"{value[:30]!r} is not a usable {name}")
            checked[name] = quote(value, safe="")
        url = lookup.url.format(**checked)
        if urlsplit(url).netloc != urlsplit(lookup.url.format(**{p: "x" for p in lookup.parameters})).netloc:
            raise LookupFailed("the request would leave the registered host")
        return url

    async def run(self, name: str, values: dict[str, str]) -> str:
        """What the owner allows callers to hear from the lookup's answer, as one line."""
        lookup = self.get(name)
        if lookup is None:
            raise LookupFailed(f"there is no lookup named {name!r}")
        url = self.url_for(lookup, values)
        secret = self._vault.get(_secret_name(lookup.name)) if lookup.auth_header else None
        headers = {"Accept": "application/json"}
        if lookup.auth_header and secret:
            headers[lookup.auth_header] = secret
        body = await self._fetch(url, headers)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LookupFailed("the service did not answer with JSON") from None
        except RecursionError:
            raise LookupFailed("the service's answer was nested too deeply to read") from None
        said = []
        for path in lookup.fields:
            value = _field(data, path)
            if value is None or isinstance(value, dict | list):
                continue
            text = str(value)[:MAX_FIELD_CHARS]
            if secret and echoes(secret, text):
                continue  # a service echoing its credential is not something to say aloud
            said.append(f"{path.replace('_', ' ').replace('.', ' ')} is {text}")
        if not said:
            return f"{lookup.name}: the service had nothing to say about that."
        return f"{lookup.name}: " + "; ".join(said)

    async def _fetch(self, url: str, headers: dict[str, str]) -> bytes:
        """The answer's body, within TIMEOUT_S for the whole request (a drip-fed answer too)."""
        try:
            async with asyncio.timeout(TIMEOUT_S):
                return await self._read(url, headers)
        except TimeoutError:
            raise LookupFailed("the service did not answer in time") from None

    async def _read(self, url: str, headers: dict[str, str]) -> bytes:
        try:
            async with (
                httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                if response.status_code == 404:
                    raise LookupFailed("the service found nothing for that")
                if response.status_code >= 300:
                    raise LookupFailed(f"the service answered {response.status_code}")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise LookupFailed("the service's answer was too large")
                return body
        except httpx.TimeoutException:
            raise LookupFailed("the service did not answer in time") from None
        except httpx.HTTPError as exc:
            raise LookupFailed(f"the service could not be reached ({exc.__class__.__name__})") from None


#: The shortest piece of a credential that counts as saying it.
ECHO_CHARS = 8


def echoes(secret: str, text: str) -> bool:
    """Whether `text` holds the credential or a piece of it, in any case and with any separators
    ("SHOP-S3CRET", "shop s3cret tok", its first half): what is said aloud must not."""
    plain_secret = re.sub(r"[\W_]+", "", secret).lower()
    plain_text = re.sub(r"[\W_]+", "", text).lower()
    if len(plain_secret) <= ECHO_CHARS:
        return bool(plain_secret) and plain_secret in plain_text
    pieces = {plain_secret[i : i + ECHO_CHARS] for i in range(len(plain_secret) - ECHO_CHARS + 1)}
    return any(piece in plain_text for piece in pieces)


def _info(row: CallerLookupRow) -> Lookup:
    return Lookup(row.id, row.name, row.url, list(row.parameters), list(row.fields), row.auth_header)
