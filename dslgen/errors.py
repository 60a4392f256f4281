"""The one exception hierarchy of the library.

Validation verdicts are *values* (see `dslgen.records.Report`); these exceptions are for the cases
where the program cannot go on: a broken catalog, an unreadable input file, a grammar that does not
compile. Only `dslgen.cli` turns them into `click.ClickException`.
"""

from __future__ import annotations


class DslgenError(Exception):
    """Root of every error dslgen raises on purpose."""


class InputFileError(DslgenError, OSError):
    """A user file could not be read (missing, a directory, unreadable)."""


class CatalogError(DslgenError, ValueError):
    """A catalog file does not follow the catalog format; the message names the file and the key."""


class GrammarError(DslgenError, ValueError):
    """A grammar could not be loaded or compiled."""


class FixtureError(DslgenError, ValueError):
    """A design fixture is not of the documented form."""


class UnknownDomainError(DslgenError, KeyError):
    """No domain is registered under the requested name."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want a sentence.
        return str(self.args[0]) if self.args else "unknown domain"


class ScriptInvalidError(DslgenError):
    """A script was asked to execute but does not validate; `report` says why."""

    def __init__(self, report: object) -> None:
        super().__init__("the script does not validate")
        self.report = report


class ModelNotAvailableError(DslgenError):
    """A model, tokenizer or adapter cannot be found or loaded offline; the message says how to fix it."""


class IndexStaleError(DslgenError):
    """The retrieval index is missing, unreadable, or was built from another catalog, document set,
    embedding model or index format; the message names the folder and the rebuild command."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class EvalConfigError(DslgenError, ValueError):
    """An eval was asked for with settings that cannot work (unknown suite, k > n, a missing suite
    file, an existing run folder); the message names the setting and the fix."""


class StoreError(DslgenError):
    """The interaction log cannot be opened, migrated or written (bad URL, unreachable server, a
    schema newer than this dslgen); the message names the database (password hidden) and the fix."""


class InteractionNotFoundError(StoreError, LookupError):
    """No interaction has the requested id in the interaction log."""


class InvalidRecordError(StoreError, ValueError):
    """A record or query the interaction log cannot take as given (feedback with nothing in it,
    an unknown rating or source, a page size out of range); the message names the field."""
