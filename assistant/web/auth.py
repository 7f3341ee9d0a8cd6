"""Who may use the web page: whoever holds the login token in `$ASSISTANT_HOME/web.token` (0600).

`assistant web` prints a login link. Logging in sets an HttpOnly, SameSite=Strict cookie holding a
value derived from the token (never the token itself); WebSockets must also come from the page's
own origin, so another site open in the same browser cannot drive the assistant.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

COOKIE = "assistant_session"


class WebAuth:
    def __init__(self, home: Path) -> None:
        self.path = home / "web.token"

    def token(self) -> str:
        """The login token, created on first use."""
        try:
            return self.path.read_text().strip()
        except FileNotFoundError:
            pass
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(24)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(token + "\n")
        return token

    def session_value(self) -> str:
        return hmac.new(self.token().encode(), b"web-session", hashlib.sha256).hexdigest()

    def check_token(self, supplied: str) -> bool:
        return hmac.compare_digest(supplied.strip().encode(), self.token().encode())

    def logged_in(self, conn: HTTPConnection) -> bool:
        cookie = conn.cookies.get(COOKIE, "")
        if not hmac.compare_digest(cookie.encode(), self.session_value().encode()):
            return False
        if conn.scope["type"] == "websocket":
            # Browsers send cookies on cross-site WebSocket handshakes; the Origin tells them apart.
            origin = urlsplit(conn.headers.get("origin", ""))
            return origin.netloc == conn.headers.get("host", "")
        return True
