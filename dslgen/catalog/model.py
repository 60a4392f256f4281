"""The catalog file format, as validated pydantic models.

A catalog is written by people (or extracted from Tcl sources and then edited), so every model
rejects unknown keys: a misspelt key is an error naming the key, not a silently ignored setting.
The JSON Schema in catalog/schema.json is generated from these models (`Catalog.model_json_schema`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dslgen.errors import CatalogError
from dslgen.jsonfile import read_json_file

CATALOG_FORMAT = "dslgen-catalog/1"

# Value types a flag or variable can take. `net` and `name` are identifiers; `path` is a file path
# (optionally restricted by suffix); `length` is a number with a unit (DSL only).
ArgType = Literal[
    "net",
    "name",
    "path",
    "enum",
    "float",
    "int",
    "string",
    "layer_range",
    "net_list",
    "target",
    "length",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArgSpec(_Strict):
    """One flag of a proc, e.g. `-layer` of `my::route`: its type, allowed values and range."""

    flag: str = Field(pattern=r"^-[A-Za-z][A-Za-z0-9_]*$")
    type: ArgType
    required: bool = False
    doc: str = ""
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    default: str | float | int | None = None
    suffixes: list[str] | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _enum_has_values(self) -> ArgSpec:
        if self.type == "enum" and not self.values:
            raise ValueError(f"flag {self.flag} is an enum but lists no values")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"flag {self.flag}: min {self.min} is above max {self.max}")
        return self


class Deprecation(_Strict):
    since: str
    replacement: str | None = None


class ProcSpec(_Strict):
    """A host proc: its flags, what it returns and does, examples and notes."""

    summary: str = ""
    args: list[ArgSpec] = Field(default_factory=list)
    returns: str = ""
    effects: str = ""
    requires_design: bool = False
    examples: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    deprecated: Deprecation | None = None

    def arg(self, flag: str) -> ArgSpec | None:
        return next((a for a in self.args if a.flag == flag), None)


class VariableSpec(_Strict):
    """A global variable scripts may set, e.g. `::tech::corner`."""

    type: ArgType
    doc: str = ""
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    default: str | float | int | None = None


class DslProperty(_Strict):
    """A `PROP: VALUE` pair of a DSL rule (or a statement keyword argument)."""

    type: ArgType
    doc: str = ""
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None


class DslStatement(_Strict):
    """One DSL statement kind (`rule`, `group`, `layer`) with its syntax summary and examples."""

    summary: str
    syntax: str
    examples: list[str] = Field(default_factory=list)
    properties: dict[str, DslProperty] = Field(default_factory=dict)


class Policy(_Strict):
    """What a script must contain and may not contain."""

    required_header: list[str] = Field(default_factory=list)
    header_before_prefix: str | None = None
    forbidden_commands: list[str] = Field(default_factory=list)
    allowed_commands: list[str] = Field(default_factory=list)
    proc_prefix: str = ""
    length_units: dict[str, float] = Field(default_factory=dict)


class Catalog(_Strict):
    """A domain's symbol catalog (see docs/catalog.md for the format, with examples)."""

    format: Literal["dslgen-catalog/1"] = "dslgen-catalog/1"
    domain: str
    version: str = ""
    identifier_pattern: str = r"[A-Za-z_][A-Za-z0-9_]*"
    procs: dict[str, ProcSpec] = Field(default_factory=dict)
    variables: dict[str, VariableSpec] = Field(default_factory=dict)
    dsl_command: str | None = None
    dsl: dict[str, DslStatement] = Field(default_factory=dict)
    enums: dict[str, list[str]] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)

    @property
    def sha256(self) -> str:
        """A stable hash of the catalog's content: indexes and compiled grammars are keyed by it."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_json_text(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_defaults=True), indent=2) + "\n"


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate a catalog file; errors name the file and the offending key."""
    path = Path(path)
    data = read_json_file(path, "catalog", CatalogError)
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CatalogError(f"{path}: not a valid catalog: {problems}") from exc
