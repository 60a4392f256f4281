"""The gate in front of every route: the bearer token, then the size of the body.

A plain ASGI middleware rather than FastAPI dependencies, so both checks run before anything
reads or parses a body: an unauthenticated client learns nothing about the API's validation
rules, and an oversized body is refused before it is held in memory (Content-Length first,
then the bytes actually read, for clients that send none or lie).

The token guards `/v1/*`, where the model runs and the log is read and written. `/healthz`,
the page and its static files and the OpenAPI docs are open: they hold no data and run nothing,
and a browser cannot add a bearer header to a page load — the page asks for the token instead.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROTECTED_PREFIX = "/v1/"


class RequestGuard:
    """401 without the right bearer token on /v1/*; 413 for a body over `max_body_bytes`."""

    def __init__(self, app: ASGIApp, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._authorised(scope):
            await _reply(
                send,
                401,
                "a bearer token is required: send 'Authorization: Bearer <token>' "
                "with the token the server was started with",
                [(b"www-authenticate", b'Bearer realm="dslgen"')],
            )
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
        """True for open paths, for any path when no token is set, else for the right token."""
        if self.token is None or not scope["path"].startswith(PROTECTED_PREFIX):
            return True
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, given = header.partition(b" ")
        # compare_digest: the time taken says nothing about how much of the token was right
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)

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
