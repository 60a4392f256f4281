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


class RegistryError(DslgenError, ValueError):
    """The model registry cannot do what was asked (an unknown version, a corrupt registry file,
    a run that is not finished, nothing to roll back to); the message names the version or file
    and the fix."""


class CurationError(DslgenError):
    """A curation step cannot go on as asked (dslgen.curate); the message names the fix."""


class ReviewInputError(CurationError, ValueError):
    """A review decision given with a value it cannot take (a score outside 1-10, an empty
    category, an unknown decision); the message names the flag."""


class ExampleRefusedError(CurationError):
    """An interaction cannot become a curated example; subclasses say why."""


class InvalidExampleError(ExampleRefusedError):
    """The gold output does not validate or does not execute with the interaction's domain and
    fixture; the message lists the report's first errors (class, line, message)."""


class EvalLeakageError(ExampleRefusedError):
    """The example is (near-)identical to an eval-suite task: training on it would leak the
    test set, so there is no override."""


class DuplicateExampleError(ExampleRefusedError):
    """The example is an exact duplicate of a training-corpus record or another curated example;
    `--force-duplicate` promotes it anyway."""
