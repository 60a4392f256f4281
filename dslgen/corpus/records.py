"""The corpus record format (JSONL) and its prompt-completion export for trl.

One record per line: {"id", "level", "instruction", "context", "output", "valid", "error_class",
"fixture", "expected_state", "metadata": {"validators_passed", "topic", "template_id", ...}}.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from dslgen.prompts import render_messages

LAYER_NAMES = ("syntax", "dsl", "policy", "semantics")


def layers_passed(report_json: dict[str, Any]) -> list[str]:
    verdicts = [
        report_json["valid_syntax"],
        report_json["valid_dsl_blocks"],
        report_json["policy_ok"],
        report_json["semantics_ok"],
    ]
    return [name for name, ok in zip(LAYER_NAMES, verdicts, strict=True) if ok]


def to_prompt_completion(domain: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record as trl's prompt-completion conversation (completion-only loss by default)."""
    return {
        "id": record["id"],
        "prompt": render_messages(
            domain, record["instruction"], record.get("context", ""), record.get("fixture")
        ),
        "completion": [{"role": "assistant", "content": record["output"]}],
    }


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


@contextlib.contextmanager
def atomic_output(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temp file in `path`'s folder, renamed over `path` when the block ends
    without an error (removed otherwise): readers never see half a file. The file gets the mode
    a plain `open` would give it (0666 less the umask), not mkstemp's private 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as out:
            yield out
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically; return how many were written."""
    count = 0
    with atomic_output(path) as handle:
        for record in records:
            handle.write(dumps(record) + "\n")
            count += 1
    return count


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically (see `atomic_output`)."""
    with atomic_output(path, binary=True) as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    write_bytes(path, text.encode("utf-8"))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
