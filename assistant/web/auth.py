"""Who may use the web page: whoever holds the login token in `$ASSISTANT_HOME/web.token` (0600).

`assistant web` prints a login link. Logging in starts a fresh session: a random id in an
HttpOnly, SameSite=Strict cookie (Secure behind HTTPS), valid for SESSION_HOURS, ended by logging
out or by a new token (`assistant web --new-token`, from any process: a session belongs to the
token it was made with). Wrong tokens are limited to FAILED_LOGINS a minute. State-changing
requests and WebSockets must come from the page's own origin: another site, or another local port
in the same browser, cannot drive the assistant.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response

log = logging.getLogger(__name__)
COOKIE = "assistant_session"
SESSION_HOURS = 12
#: A shorter token (an empty or hand-edited file) is replaced: it must never let anyone in.
MIN_TOKEN_CHARS = 16
#: Wrong tokens allowed per minute (from anyone: the page is for one owner); more are refused unread.
FAILED_LOGINS = 10


@dataclass
class Session:
    #: When it expires (time.monotonic()).
    until: float
    #: A digest of the token it was logged in with: a new token ends it.
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebAuth:
    def __init__(self, home: Path) -> None:
        self.path = home / "web.token"
        #: Session id -> its session; in memory, so a new process logs everyone out.
        self._sessions: dict[str, Session] = {}
        self._failures: list[float] = []

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
        if self.locked_out():
            return False  # guessing: even the right token waits for the minute to pass
        supplied = supplied.strip()
        if bool(supplied) and hmac.compare_digest(supplied.encode(), self.token().encode()):
            return True
        self._failures.append(time.monotonic())
        return False

    def locked_out(self) -> bool:
        """Whether logins are refused for now (too many wrong tokens in the last minute)."""
        now = time.monotonic()
        self._failures = [t for t in self._failures if t > now - 60]
        return len(self._failures) >= FAILED_LOGINS

    # -- sessions ------------------------------------------------------------------------------------

    def start_session(self, request: HTTPConnection, response: Response) -> Response:
        """A new session id for this login (never the one the browser had), set as the cookie."""
        now = time.monotonic()
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.until > now}
        self.end_session(request)
        session = secrets.token_urlsafe(32)
        self._sessions[session] = Session(now + SESSION_HOURS * 3600, _digest(self.token()))
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
        session = self._sessions.get(conn.cookies.get(COOKIE, ""))
        if session is None or session.until < time.monotonic():
            return False
        if not hmac.compare_digest(session.token, _digest(self.token())):
            return False  # the token was replaced since this session logged in
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
