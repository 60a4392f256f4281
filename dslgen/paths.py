"""Where dslgen keeps its own files on this machine."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """dslgen's cache and data directory: `$DSLGEN_HOME` if set (and not empty), else `~/.cache/dslgen`.

    Nothing is created here; callers make the subfolders they write to (e.g. `models/`).
    """
    env = os.environ.get("DSLGEN_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dslgen"
