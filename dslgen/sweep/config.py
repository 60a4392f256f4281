"""What one sweep is: `SweepConfig`, read from a TOML file (`dslgen sweep run --config`).

A sweep is a grid: every `[space]` key lists the values to try, and the grid is their product.
Samplers other than `grid` (TPE, random) draw from the same grid, so `dslgen sweep predict` can
rank every configuration the sweep could have tried. `[train]` is the fixed part of every trial
(any `dslgen train` setting; relative paths are relative to the working directory, as in train
configs); `[eval]` is the fixed dev slice every trial is scored on.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dslgen.errors import DslgenError
from dslgen.tomlfile import read_toml, validated

# named target-module sets a `[space] target_modules` list may use (Llama-style projections)
DEFAULT_MODULE_SETS: dict[str, list[str]] = {
    "qv": ["q_proj", "v_proj"],
    "attn": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "attn_mlp": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}

# eval metrics a sweep can maximise, and the stage-end dev figure reported for pruning
OBJECTIVES: dict[str, str] = {
    "pass@1": "dev_functional_rate",
    "functional_rate": "dev_functional_rate",
    "valid_rate": "dev_valid_rate",
}

Value = int | float | str


class SweepError(DslgenError):
    """A sweep cannot start or go on (a storage that cannot be opened, a study made with other
    fixed settings, a sampler that needs a trial count, a trial that trained on nothing)."""


class SearchSpace(BaseModel):
    """The values to try for each LoRA setting; one value fixes a setting for every trial."""

    model_config = ConfigDict(extra="forbid")

    r: list[int] = Field([16], min_length=1)
    alpha_ratio: list[float] | None = None  # lora alpha = r x ratio (the usual way to scale)
    alpha: list[int] | None = None  # or absolute alpha values (not both)
    dropout: list[float] = Field([0.05], min_length=1)
    target_modules: list[str] = Field(["attn"], min_length=1)  # names of module sets
    learning_rate: list[float] = Field([1e-3], min_length=1)
    weight_decay: list[float] = Field([0.0], min_length=1)
    max_steps: list[int] = Field([32], min_length=1)

    @model_validator(mode="after")
    def _one_way_to_give_alpha(self) -> SearchSpace:
        if self.alpha is not None and self.alpha_ratio is not None:
            raise ValueError("give either alpha or alpha_ratio, not both")
        if self.alpha is None and self.alpha_ratio is None:
            self.alpha_ratio = [2.0]
        for name, values in self.dimensions().items():
            if len(set(values)) != len(values):
                raise ValueError(f"{name} lists a value twice")
        return self

    def dimensions(self) -> dict[str, list[Value]]:
        """Setting name -> values, in a fixed order (the grid's axes)."""
        out: dict[str, list[Value]] = {}
        for name in type(self).model_fields:
            values = getattr(self, name)
            if values is not None:
                out[name] = list(values)
        return out


class EvalSlice(BaseModel):
    """The fixed dev slice every trial is scored on: greedy, one sample, grammar on."""

    model_config = ConfigDict(extra="forbid")

    suite: str = "unit"
    limit: int = Field(12, ge=1)
    max_tokens: int = Field(192, ge=16)
    use_retrieval: bool = True
    evals_dir: str | None = None  # the suites' folder; default: `dslgen eval`'s (evals/<domain>)


class PrunerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["median", "none"] = "median"
    startup_trials: int = Field(3, ge=0)  # trials finished before any is pruned
    # curriculum stages a trial trains before it can be pruned (trials report their dev figure
    # at each stage end, so trials of different lengths are compared at the same stage)
    warmup_stages: int = Field(1, ge=0)


class SweepConfig(BaseModel):
    """One sweep. Unknown keys are errors: a typo must not silently fix a setting."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("sweep", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    domain: str = "pdflow"
    seed: int = 0  # the same training and eval seed for every trial: settings differ, luck not
    sampler: Literal["grid", "tpe", "random"] = "grid"
    objective: str = "pass@1"
    trials: int | None = Field(None, ge=1)  # finished trials to reach; None: the whole grid
    heartbeat_seconds: int = Field(60, ge=1)  # a worker silent for 3x this is taken as dead
    train: dict[str, Any] = {}
    eval: EvalSlice = Field(default_factory=EvalSlice)
    space: SearchSpace = Field(default_factory=SearchSpace)
    modules: dict[str, list[str]] = {}
    pruner: PrunerSettings = Field(default_factory=PrunerSettings)

    @model_validator(mode="after")
    def _known_names(self) -> SweepConfig:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}")
        unknown = [m for m in self.space.target_modules if m not in self.module_sets]
        if unknown:
            raise ValueError(
                f"unknown target module set {', '.join(unknown)}; define it under [modules] "
                f"or use {', '.join(self.module_sets)}"
            )
        fixed_by_space = {"lora", "learning_rate", "weight_decay", "max_steps", "domain", "seed"}
        clash = sorted(fixed_by_space & set(self.train))
        if clash:
            raise ValueError(
                f"[train] sets {', '.join(clash)}, which the sweep decides; move it to [space] "
                "(lora settings, learning_rate, weight_decay, max_steps) or the top level"
            )
        from dslgen.train.config import TrainConfig

        try:  # a bad [train] value is reported now, not when the first trial starts
            TrainConfig.model_validate(self.train | {"domain": self.domain})
        except ValidationError as exc:
            problems = "; ".join(
                f"train.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(problems) from None
        return self

    @property
    def module_sets(self) -> dict[str, list[str]]:
        return DEFAULT_MODULE_SETS | self.modules

    def grid(self) -> list[dict[str, Value]]:
        """Every configuration of the space, in a fixed order."""
        dimensions = self.space.dimensions()
        names = list(dimensions)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*dimensions.values())
        ]

    def lora_settings(self, params: dict[str, Value]) -> dict[str, Any]:
        """The `[lora]` table of a trial's training config."""
        r = int(params["r"])
        alpha = params["alpha"] if "alpha" in params else round(r * float(params["alpha_ratio"]))
        return {
            "r": r,
            "alpha": max(1, int(alpha)),
            "dropout": float(params["dropout"]),
            "target_modules": self.module_sets[str(params["target_modules"])],
        }

    def fingerprint(self) -> str:
        """What makes two sweeps the same study: the domain, the fixed parts and the objective
        (not the space, which may grow, nor the trial count)."""
        fixed = self.model_dump(
            mode="json", include={"domain", "seed", "objective", "train", "eval"}
        )
        return hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:16]


def for_domain(sweep: SweepConfig, domain: str | None) -> SweepConfig:
    """The sweep run on another domain (`--domain`): its own study name, the domain's first
    headline suite when the dev slice's suite is not one of its suites, and no `[train]` corpus
    (the configured one is the other domain's; a corpus is built for this one)."""
    if domain is None or domain == sweep.domain:
        return sweep
    from dslgen.domain import get_domain
    from dslgen.evals.config import suite_names

    target = get_domain(domain)
    suite = sweep.eval.suite
    if suite not in suite_names(domain):
        suite = target.headline_suites[0]
    return sweep.model_copy(
        update={
            "domain": domain,
            "name": f"{sweep.name}-{domain}",
            "train": {k: v for k, v in sweep.train.items() if k != "corpus"},
            "eval": sweep.eval.model_copy(update={"suite": suite}),
        }
    )


def params_key(params: dict[str, Value]) -> str:
    """A short stable name for a configuration (its trial folder prefix)."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def load_sweep_config(path: Path, overrides: dict[str, Any] | None = None) -> SweepConfig:
    """The sweep in `path` (TOML), with top-level `overrides` (None values ignored)."""
    data = read_toml(path, "the sweep config")
    data |= {k: v for k, v in (overrides or {}).items() if v is not None}
    return validated(SweepConfig, data, str(path), "sweep config")
