"""Who may use the web page: whoever holds the login token in `$ASSISTANT_HOME/web.token` (0600).

`assistant web` prints a login link. Logging in starts a fresh session: a random id in an
HttpOnly, SameSite=Strict cookie (Secure behind HTTPS), valid for SESSION_HOURS, ended by logging
out. State-changing requests and WebSockets must come from the page's own origin: another site,
or another local port in the same browser, cannot drive the assistant.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response

log = logging.getLogger(__name__)
COOKIE = "assistant_session"
SESSION_HOURS = 12
#: A shorter token (an empty or hand-edited file) is replaced: it must never let anyone in.
MIN_TOKEN_CHARS = 16


class WebAuth:
    def __init__(self, home: Path) -> None:
        self.path = home / "web.token"
        #: Session id -> when it expires (time.monotonic()); in memory, so a new process logs everyone out.
        self._sessions: dict[str, float] = {}

    def token(self) -> str:
        """The login token, created on first use (and again when the file holds too short a one)."""
        try:
            token = self.path.read_text().strip()
        except FileNotFoundError:
            token = None
        if token is not None and len(token) >= MIN_TOKEN_CHARS:
            return token
        if token is not None:
            log.warning("%s held an unusably short token; a new one was made (`assistant web` prints it)", self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(24)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(token + "\n")
        os.chmod(self.path, 0o600)
        return token

    def check_token(self, supplied: str) -> bool:
        supplied = supplied.strip()
        return bool(supplied) and hmac.compare_digest(supplied.encode(), self.token().encode())

    # -- sessions ------------------------------------------------------------------------------------

    def start_session(self, request: HTTPConnection, response: Response) -> Response:
        """A new session id for this login (never the one the browser had), set as the cookie."""
        now = time.monotonic()
        self._sessions = {sid: until for sid, until in self._sessions.items() if until > now}
        self.end_session(request)
        session = secrets.token_urlsafe(32)
        self._sessions[session] = now + SESSION_HOURS * 3600
        response.set_cookie(
            COOKIE,
            session,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=_over_https(request),
            path="/",
        )
        return response

    def end_session(self, conn: HTTPConnection) -> None:
        self._sessions.pop(conn.cookies.get(COOKIE, ""), None)

    def logged_in(self, conn: HTTPConnection) -> bool:
        until = self._sessions.get(conn.cookies.get(COOKIE, ""))
        if until is None or until < time.monotonic():
            return False
        if conn.scope["type"] == "websocket":
            # Browsers send cookies on cross-site WebSocket handshakes; the Origin tells them apart.
            origin = urlsplit(conn.headers.get("origin", ""))
            return origin.netloc == conn.headers.get("host", "")
        return True


def same_origin(conn: HTTPConnection) -> bool:
    """For state-changing requests: a browser always sends Origin on a cross-origin POST, so one
    that names another origin (another site, another port) is refused. Clients that are not
    browsers send none and carry no cookies of the owner's."""
    origin = conn.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == conn.headers.get("host", "")


def _over_https(conn: HTTPConnection) -> bool:
    forwarded = conn.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return conn.url.scheme == "https" or forwarded == "https"
