"""Symbol catalogs: the procs, flags, enums, variables, DSL statements and policies of a domain."""

from dslgen.catalog.model import (
    ArgSpec,
    Catalog,
    DslProperty,
    DslStatement,
    Policy,
    ProcSpec,
    VariableSpec,
    load_catalog,
)

__all__ = [
    "ArgSpec",
    "Catalog",
    "DslProperty",
    "DslStatement",
    "Policy",
    "ProcSpec",
    "VariableSpec",
    "load_catalog",
]
