"""The registry file: read it, change it under a lock, write it atomically.

One JSON file (default `$DSLGEN_HOME/registry.json`, or `$DSLGEN_REGISTRY`, or `--registry`).
Every change is read-modify-write under an exclusive lock on a lock file beside it, and the new
file is renamed into place, so two processes registering at once never lose a version and a
reader never sees half a file. Reads take no lock: the rename makes them consistent.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from dslgen.corpus.records import atomic_output
from dslgen.errors import RegistryError
from dslgen.paths import current_user, exclusive_lock, home
from dslgen.registry.records import (
    GateRow,
    HistoryEvent,
    ModelVersion,
    RegistryBook,
    SuiteScore,
)

REGISTRY_ENV = "DSLGEN_REGISTRY"


def registry_path(path: str | Path | None = None) -> Path:
    """`path` if given, else `$DSLGEN_REGISTRY`, else `registry.json` in dslgen's home."""
    chosen = path or os.environ.get(REGISTRY_ENV) or home() / "registry.json"
    return Path(chosen).expanduser()


class ModelRegistry:
    """Versions of each domain's model in one registry file (see the module docstring)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = registry_path(path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def read(self) -> RegistryBook:
        """The registry as it is now (empty if the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return RegistryBook()
        except OSError as exc:
            raise RegistryError(f"cannot read the registry {self.path}: {exc.strerror}") from exc
        try:
            return RegistryBook.model_validate(json.loads(text))
        except (ValueError, ValidationError) as exc:
            reason = str(exc).splitlines()[0]
            raise RegistryError(
                f"{self.path} is not a readable dslgen registry ({reason}); repair the file or "
                f"move it away and register the versions again"
            ) from exc

    @contextlib.contextmanager
    def edit(self) -> Iterator[RegistryBook]:
        """The registry to change in the block; written back (atomically) if the block ends
        without an error. Other writers wait for the lock."""
        with exclusive_lock(self.lock_path):
            book = self.read()
            yield book
            with atomic_output(self.path) as out:
                out.write(json.dumps(book.model_dump(mode="json"), indent=2, sort_keys=True))
                out.write("\n")

    def promoted(self, domain: str) -> ModelVersion | None:
        return self.read().promoted(domain)

    def get(self, domain: str, name: str) -> ModelVersion:
        return self.read().find(domain, name)

    def add(self, version: ModelVersion) -> ModelVersion:
        """Register `version` under the domain's next name (its own name is ignored); refuses a
        training run that is registered already."""
        with self.edit() as book:
            if version.run is not None:
                for known in book.of_domain(version.domain):
                    if known.run == version.run:
                        raise RegistryError(
                            f"{version.run} is registered already as {version.domain} "
                            f"{known.name}; `dslgen models show {known.name}` shows it"
                        )
            named = version.model_copy(
                update={"name": book.next_name(version.domain), "status": "candidate"}
            )
            book.versions.append(named)
            return named

    def record_scores(self, domain: str, name: str, scores: dict[str, SuiteScore]) -> None:
        """Store the gate's figures of a version (each suite's latest eval replaces the last)."""
        with self.edit() as book:
            version = book.find(domain, name)
            version.scores = {**version.scores, **scores}

    def promote(
        self,
        domain: str,
        name: str,
        *,
        forced: bool = False,
        threshold: float | None = None,
        figures: list[GateRow] | None = None,
        user: str | None = None,
    ) -> HistoryEvent:
        """Make `name` the promoted version (the one before it is retired) and record it."""
        with self.edit() as book:
            version = book.find(domain, name)
            if version.status == "promoted":
                raise RegistryError(f"{domain} {name} is the promoted version already")
            previous = book.promoted(domain)
            if previous is not None:
                previous.status = "retired"
            version.status = "promoted"
            event = HistoryEvent(
                domain=domain,
                action="promote",
                version=name,
                previous=previous.name if previous else None,
                user=user or current_user(),
                forced=forced,
                threshold=threshold,
                figures=figures or [],
            )
            book.history.append(event)
            return event

    def rollback(self, domain: str, user: str | None = None) -> HistoryEvent:
        """Retire the promoted version and promote again the one it replaced; recorded."""
        with self.edit() as book:
            current = book.promoted(domain)
            if current is None:
                raise RegistryError(f"no version of {domain} is promoted; nothing to roll back")
            stack = book.promotion_stack(domain)
            if len(stack) < 2 or stack[-1] != current.name:
                raise RegistryError(
                    f"{domain} {current.name} was promoted first: there is no earlier version "
                    "to roll back to; promote another with `dslgen models promote`"
                )
            target = book.find(domain, stack[-2])
            current.status, target.status = "retired", "promoted"
            event = HistoryEvent(
                domain=domain,
                action="rollback",
                version=target.name,
                previous=current.name,
                user=user or current_user(),
            )
            book.history.append(event)
            return event


def served_version(domain: str, path: str | Path | None = None) -> ModelVersion | None:
    """The domain's promoted version, or None (no registry file, or nothing promoted): what
    `dslgen generate` and `dslgen serve` use when no --model/--adapter is given."""
    return ModelRegistry(path).promoted(domain)
