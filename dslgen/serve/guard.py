"""The gate in front of every route: the bearer token, then the size of the body.

A plain ASGI middleware rather than FastAPI dependencies, so both checks run before anything
reads or parses a body: an unauthenticated client learns nothing about the API's validation
rules, and an oversized body is refused before it is held in memory (Content-Length first,
then the bytes actually read, for clients that send none or lie).

With a token set, every route but `/healthz` needs it: `Authorization: Bearer <token>`, or the
cookie a browser gets by opening `/?token=<token>` once (as Jupyter does — a browser cannot add
a bearer header to a page load). That visit answers with a redirect to `/` that sets the
cookie (HttpOnly, SameSite=Strict, so other sites cannot make the browser use it) and takes the
token out of the address bar and the history.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = frozenset({"/healthz"})
TOKEN_COOKIE = "dslgen_token"
UNAUTHORISED = (
    "a token is required: send 'Authorization: Bearer <token>' with the token the server was "
    "started with, or open /?token=<token> once in a browser"
)


class RequestGuard:
    """401 without the right token on every route but /healthz; 413 for a body over
    `max_body_bytes`."""

    def __init__(self, app: ASGIApp, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._logs_in(scope):
            await _sign_in(send, self.token or b"")
            return
        if not self._authorised(scope):
            await _reply(send, 401, UNAUTHORISED, [(b"www-authenticate", b'Bearer realm="dslgen"')])
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _reply(send, 413, self._too_large(declared))
            return
        body, complete = await self._read_body(receive)
        if not complete:
            await _reply(send, 413, self._too_large(None))
            return
        await self.app(scope, _replay(body, receive), send)

    def _authorised(self, scope: Scope) -> bool:
        """True for /healthz, for any path when no token is set, else for the right token in
        the Authorization header or the sign-in cookie."""
        if self.token is None or scope["path"] in OPEN_PATHS:
            return True
        headers = dict(scope["headers"])
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() == b"bearer" and self._matches(given.strip()):
            return True
        cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        morsel = cookie.get(TOKEN_COOKIE)
        return morsel is not None and self._matches(morsel.value.encode("latin-1"))

    def _logs_in(self, scope: Scope) -> bool:
        """A browser opening `/?token=<the token>`: answered with the cookie and a redirect."""
        if self.token is None or scope["path"] != "/" or scope["method"] != "GET":
            return False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return any(self._matches(value.encode("latin-1")) for value in query.get("token", []))

    def _matches(self, given: bytes) -> bool:
        # compare_digest: the time taken says nothing about how much of the token was right
        return self.token is not None and hmac.compare_digest(given, self.token)

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool]:
        """The whole body, or (partial, False) as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True  # disconnected: the app sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    def _too_large(self, declared: int | None) -> str:
        size = f"{declared} bytes" if declared is not None else "more than that"
        return f"the request body is too large ({size}); the limit is {self.max_body_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    value = dict(scope["headers"]).get(b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the already-read body to the app once, then defers to the
    server's (so a disconnect is still seen)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _sign_in(send: Send, token: bytes) -> None:
    """303 to `/` with the token as an HttpOnly, SameSite=Strict cookie."""
    cookie = TOKEN_COOKIE.encode() + b"=" + token + b"; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", b"/"),
                (b"set-cookie", cookie),
                (b"cache-control", b"no-store"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _reply(send: Send, status: int, detail: str, headers: list[Any] | None = None) -> None:
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
