"""Validate script files: directories recurse, unreadable or non-UTF-8 files get a report.

Bad input never raises here: every file yields a `Report`, so `dslgen validate` in CI lists all
problems at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dslgen.domain import Domain
from dslgen.errors import FixtureError
from dslgen.jsonfile import read_json_file
from dslgen.records import Error, Report


def find_scripts(paths: list[Path], suffix: str) -> Iterator[Path]:
    """The files named, and every `*suffix` file below each directory named, in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
        else:
            yield path


def read_script(path: Path) -> tuple[str | None, Error | None]:
    """The file's text, or an error naming the problem (missing, unreadable, not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Error(
            "tcl_syntax", 0, f"cannot read {path}: {exc.strerror or exc}", "check the path"
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Error(
            "tcl_syntax",
            line,
            f"byte 0x{data[exc.start]:02x} at line {line} is not UTF-8 text",
            "save the file as UTF-8 (or remove the binary data)",
        )


def load_fixture_file(path: Path | None) -> dict[str, Any] | None:
    """Read a fixture JSON file; errors name the file, line and the fix."""
    if path is None:
        return None
    data = read_json_file(path, "fixture", FixtureError)
    if not isinstance(data, dict):
        raise FixtureError(f'{path}: a fixture is a JSON object like {{"design_nets": {{...}}}}')
    return data


def validate_file(domain: Domain, path: Path, fixture: dict[str, Any] | None) -> Report:
    text, error = read_script(path)
    if text is None:
        report = Report(valid_syntax=False, errors=[error] if error else [])
    else:
        report = domain.validate(text, fixture)
    report.file = str(path)
    return report
