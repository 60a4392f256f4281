"""Training configuration: one pydantic model, read from TOML and overridden by CLI flags.

Every field is recorded in the run folder (`config.json`), so a run can be repeated exactly.
Defaults are what works for the default 135M model on a CPU: a short plain-LoRA run over a few
hundred examples; on CUDA the same file trains QLoRA (nf4 + bf16) unless `quantize = "none"`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dslgen.tomlfile import read_toml, validated


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, le=1024)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj"]


class TrainConfig(BaseModel):
    """What one `dslgen train` run does. Unknown keys are errors (a typo must not be ignored)."""

    model_config = ConfigDict(extra="forbid")

    domain: str = "pdflow"
    model: str | None = None  # local folder or hub id; None: the fetched default model
    corpus: Path | None = None  # a `dslgen corpus build` folder; None: build one into the run
    corpus_examples: int = Field(2000, ge=10)  # positives to generate when corpus is None
    curated: list[Path] = []  # curated JSONL files (corpus record format), never dropped
    curated_weight: float = Field(1.0, ge=0.0)  # copies of each curated example per epoch of use
    # cap on the synthetic share of a stage's rows when the stage has curated examples: they
    # are repeated (beyond curated_weight) until synthetic rows are at most this share
    synthetic_share_max: float | None = Field(None, ge=0.0, le=1.0)
    runs_dir: Path = Path("runs")
    name: str | None = None  # run folder prefix; default: the domain
    seed: int = 0

    # data and prompts
    context: Literal["pack", "oracle", "none"] = "pack"
    budget: int = Field(512, ge=64)  # context-pack token budget (`pack`); also used at inference
    max_length: int = Field(1024, ge=64)
    stages: dict[str, float] | None = None  # level -> share of steps; default: the domain's mix
    repair_share: float = Field(0.1, ge=0.0, le=0.9)
    difficulty_buckets: int = Field(4, ge=1)

    # optimisation
    max_steps: int = Field(120, ge=1)
    batch_size: int = Field(4, ge=1)
    gradient_accumulation: int = Field(1, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    scheduler: str = "cosine"
    lora: LoraSettings = Field(default_factory=LoraSettings)
    quantize: Literal["auto", "nf4", "none"] = "auto"  # auto: nf4 on CUDA, none on CPU
    device: str | None = None  # cuda / cpu; None: cuda if available
    # bf16 autocast: "auto" is bf16 on CUDA and on CPUs that compute bf16 natively
    # (AVX512-BF16/AMX; 1.3x the fp32 tokens/s of bench/train.py on the project machine)
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    # the LM head only where there is a label (dslgen.train.completion_loss): the same loss,
    # a third less time per CPU step; false: trl's own loss and entropy metrics
    completion_only_head: bool = True

    # checkpoints, logging, dev evaluation
    save_steps: int = Field(20, ge=1)
    logging_steps: int = Field(5, ge=1)
    dev_tasks: int = Field(8, ge=0)  # dev tasks generated at each stage end (0: off)
    dev_max_tokens: int = Field(256, ge=16)
    online_filter: bool = False
    filter_boost: float = Field(2.0, ge=0.0)

    @field_validator("stages")
    @classmethod
    def _shares_are_positive(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return value
        if not value or any(share < 0 for share in value.values()) or sum(value.values()) <= 0:
            raise ValueError("stages need at least one level with a positive share of steps")
        return value

    @property
    def examples_needed(self) -> int:
        return self.max_steps * self.batch_size * self.gradient_accumulation

    def identity(self) -> dict[str, Any]:
        """The fields that decide what is trained (not where it is written): a run's identity."""
        return self.model_dump(mode="json", exclude={"runs_dir", "name"})


def load_train_config(path: Path | None, overrides: dict[str, Any]) -> TrainConfig:
    """The config in `path` (TOML) with `overrides` (flags; None values ignored) applied."""
    data = read_toml(path, "the training config") if path is not None else {}
    for key, value in overrides.items():
        if value is None:
            continue
        if "." in key:
            outer, inner = key.split(".", 1)
            data.setdefault(outer, {})[inner] = value
        else:
            data[key] = value
    return validated(TrainConfig, data, str(path or "the command line"), "training config")
