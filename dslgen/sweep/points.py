"""The finished trials of a study as plain points (settings, figure, seconds) and their encoding
as feature vectors for the performance predictor."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dslgen.sweep.config import SweepConfig, Value, params_key


@dataclass
class TrialPoint:
    number: int
    params: dict[str, Value]
    value: float
    seconds: float  # the whole trial: training and scoring
    train_seconds: float
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return params_key(self.params)


def finished_points(study: Any) -> list[TrialPoint]:
    """The study's complete trials, one per configuration (the latest when one was retried)."""
    import optuna

    points: dict[str, TrialPoint] = {}
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        attrs = dict(trial.user_attrs)
        point = TrialPoint(
            number=trial.number,
            params=dict(trial.params),
            value=float(trial.value),
            seconds=float(attrs.get("seconds", 0.0)),
            train_seconds=float(attrs.get("train_seconds", 0.0)),
            attrs=attrs,
        )
        points[point.key] = point
    return sorted(points.values(), key=lambda p: p.number)


class Encoder:
    """Settings -> numbers: a setting with numeric values spanning 4x or more is taken on a log2
    scale (rank, learning rate, steps), other numbers as they are, names one-hot. Settings with
    one value are constant and left out."""

    def __init__(self, sweep: SweepConfig) -> None:
        self.columns: list[tuple[str, str, Value | None]] = []  # (setting, kind, one-hot value)
        for name, values in sweep.space.dimensions().items():
            if len(values) < 2:
                continue
            if all(isinstance(v, int | float) for v in values):
                numbers = [float(v) for v in values]
                spread = min(numbers) > 0 and max(numbers) / min(numbers) >= 4
                self.columns.append((name, "log2" if spread else "number", None))
            else:
                self.columns += [(name, "onehot", value) for value in values]

    @property
    def names(self) -> list[str]:
        return [
            f"{name}={value}" if kind == "onehot" else (f"log2({name})" if kind == "log2" else name)
            for name, kind, value in self.columns
        ]

    def encode(self, params: dict[str, Value]) -> list[float]:
        row = []
        for name, kind, value in self.columns:
            given = params[name]
            if kind == "onehot":
                row.append(1.0 if given == value else 0.0)
            elif kind == "log2":
                row.append(math.log2(float(given)))
            else:
                row.append(float(given))
        return row
