"""Which model version answers a request: the promoted one, or an A/B candidate.

`dslgen serve --ab v4:0.2` sends a share (here 20 %) of clients to candidate v4. A client's arm
is decided by the sha256 of its client id, so one client always meets the same version and the
split needs no state; a request without a client id goes to the promoted version. Both versions
are loaded once at start-up; the one generation worker takes each job with its arm's session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dslgen.domain import Domain
from dslgen.models.shipped import ModelChoice, choose_model
from dslgen.serve.settings import ServeConfigError, ServeSettings
from dslgen.stable_hash import stable_fraction

if TYPE_CHECKING:
    from dslgen.decode.session import GenerationSession

_AB = re.compile(r"^(v[1-9][0-9]*):([0-9]*\.?[0-9]+)$")


@dataclass(frozen=True)
class ABSplit:
    """`--ab VERSION:SHARE`: the candidate version and the share of clients it gets (0..1)."""

    version: str
    share: float


def parse_ab(text: str) -> ABSplit:
    """`v4:0.2` as an ABSplit; ServeConfigError naming the form for anything else."""
    match = _AB.match(text.strip())
    share = float(match.group(2)) if match else -1.0
    if match is None or not 0 < share < 1:
        raise ServeConfigError(
            f"--ab {text!r} is not VERSION:SHARE with a share between 0 and 1 (exclusive), "
            "e.g. --ab v4:0.2 sends 20 % of clients to v4"
        )
    return ABSplit(match.group(1), share)


def client_bucket(client_id: str) -> float:
    """A number in [0, 1) fixed by the client id (the first 8 bytes of its sha256)."""
    return stable_fraction(client_id)


@dataclass(frozen=True)
class ServedModels:
    """What a server loads: the primary model, and the A/B candidate with its share."""

    primary: ModelChoice
    candidate: ModelChoice | None = None
    share: float = 0.0


def served_models(settings: ServeSettings, domain: Domain) -> ServedModels:
    """The models `settings` ask for: --model/--adapter if given, else the domain's promoted
    version, else its shipped default (`dslgen.models.shipped.choose_model`); with --ab, the
    candidate version from the registry.
    Raises RegistryError (unknown version, corrupt registry) or ServeConfigError."""
    from dslgen.registry import ModelRegistry

    registry = ModelRegistry(settings.registry)
    primary = choose_model(domain, settings.model, settings.adapter, settings.registry)
    if settings.ab is None:
        return ServedModels(primary)
    split = parse_ab(settings.ab)
    version = registry.get(settings.domain, split.version)
    if version.name == primary.version:
        raise ServeConfigError(
            f"--ab {split.version}: that is the promoted version already; name a candidate"
        )
    candidate = ModelChoice(
        version.base_model, version.adapter, f"{domain.name} {version.name}", version.name
    )
    return ServedModels(primary, candidate, split.share)


@dataclass(frozen=True)
class Arm:
    """A loaded version: its session, its version name (registry or shipped default) and what
    start-up says about it."""

    session: GenerationSession
    version: str | None
    label: str = ""
    note: str | None = None


@dataclass(frozen=True)
class ABRouter:
    """Picks the arm of a request by its client id (see the module docstring)."""

    primary: Arm
    candidate: Arm | None = None
    share: float = 0.0

    def pick(self, client_id: str | None) -> Arm:
        if self.candidate is None or not client_id:
            return self.primary
        return self.candidate if client_bucket(client_id) < self.share else self.primary
