"""Read a user's JSON file with errors that name the file, the line and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError, InputFileError


def read_json_file(path: Path, what: str, error: type[DslgenError]) -> Any:
    """Parsed JSON of `path`; InputFileError if unreadable, `error` (naming file:line) if not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read {what}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); fix the JSON syntax at column {exc.colno}"
        ) from exc
