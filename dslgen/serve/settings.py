"""What a server is started with: one dataclass whose fields are the `dslgen serve` flags.

The bind rule lives here, not in the CLI, so every way of starting a server obeys it: a server
reachable from other machines runs generations and writes the log for anyone who can connect,
so binding anything but loopback needs a bearer token.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dslgen.errors import DslgenError

DEFAULT_MAX_BODY_BYTES = 1_000_000  # a finance fixture of a few hundred facts is ~100 kB


class ServeConfigError(DslgenError, ValueError):
    """A server cannot start with these settings (an exposed bind without a token, a queue of
    size 0); the message names the flag and the fix."""


@dataclass(frozen=True)
class ServeSettings:
    """How to serve: the model and domain to load, the log to write, the limits to enforce.

    `queue_size` counts requests waiting for the single generation worker (the one being
    generated is not counted); `deadline_s` is per request, counted from its arrival, queue time
    included; `max_body_bytes` bounds every request body (413 beyond it). Without `model` and
    `adapter` the domain's promoted registry version is served; `ab` adds a candidate version
    (see ab.py).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    domain: str = "pdflow"
    catalog: str | None = None
    model: str | None = None
    adapter: str | None = None
    db: str | None = None
    token: str | None = None
    queue_size: int = 8
    deadline_s: float = 120.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retrieval: bool = True
    runtime: str = "auto"  # decoding runtime (dslgen.decode.session.RUNTIMES)
    registry: str | None = None  # the model registry file; None: $DSLGEN_REGISTRY or the default
    ab: str | None = None  # "VERSION:SHARE": a share of clients goes to a candidate version

    def __post_init__(self) -> None:
        if self.queue_size < 1:
            raise ServeConfigError(f"--queue must be 1 or more, not {self.queue_size}")
        if not self.deadline_s > 0:
            raise ServeConfigError(f"--deadline must be more than 0 seconds, not {self.deadline_s}")
        if self.max_body_bytes < 1024:
            raise ServeConfigError(
                f"--max-body must be at least 1024 bytes, not {self.max_body_bytes}"
            )
        if self.token is not None and not self.token.strip():
            raise ServeConfigError("--token is empty; give a long random string")
        check_bind(self.host, self.token)
        if self.ab is not None:
            from dslgen.serve.ab import parse_ab

            parse_ab(self.ab)


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_bind(host: str, token: str | None) -> None:
    """Refuse to expose the server without a token (ServeConfigError naming the fix)."""
    if token is None and not is_loopback(host):
        raise ServeConfigError(
            f"binding {host} makes the server reachable from other machines: give --token "
            "(or DSLGEN_SERVE_TOKEN) so clients must send 'Authorization: Bearer <token>', "
            "or bind 127.0.0.1"
        )
