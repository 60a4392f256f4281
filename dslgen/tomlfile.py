"""TOML config files read into pydantic models, with errors that name the file and the field.

Training, DPO and sweep configs are all TOML tables validated by a pydantic model with unknown
keys forbidden; a typo or a bad value must come back as one sentence naming the file, the key
and the problem, never as a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dslgen.errors import InputFileError

Model = TypeVar("Model", bound=BaseModel)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The table in `path`; `what` names the file's role in the error ("the training config")."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}; fix the file") from exc


def validated(model: type[Model], data: dict[str, Any], where: str, what: str) -> Model:
    """`data` as `model`; `where` is the file (or "the command line") the values came from."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise InputFileError(f"{where}: invalid {what}: {problems}") from exc
