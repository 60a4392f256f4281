"""This machine as dslgen sees it: where its files live, who is using it, and the lock that
makes processes sharing a file take turns."""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from pathlib import Path


def home() -> Path:
    """dslgen's cache and data directory: `$DSLGEN_HOME` if set (and not empty), else `~/.cache/dslgen`.

    Nothing is created here; callers make the subfolders they write to (e.g. `models/`).
    """
    env = os.environ.get("DSLGEN_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dslgen"


@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `lock_path` (POSIX flock) for the block, so processes
    sharing a file (the model cache, the registry) take turns; elsewhere, no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_user() -> str:
    """The login name, for records of who decided what ("unknown" in a container without one)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
