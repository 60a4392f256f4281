"""A number in [0, 1) fixed by a string: the same on every machine, run and Python version.

Splits that must never move — a curated example held out from training, a client routed to an
A/B arm — are decided by it rather than by `random` or `hash()` (salted per process).
"""

from __future__ import annotations

import hashlib


def stable_fraction(key: str) -> float:
    """The first 8 bytes of the SHA-256 of `key`, as a fraction of 2**64."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
