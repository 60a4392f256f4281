"""The run's picture: training loss and dev pass rates against steps (PNG, matplotlib Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dslgen.evals.report import write_png


def plot_training(rows: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = [(r["step"], r["loss"]) for r in rows if r.get("kind") == "train" and "loss" in r]
    dev = [r for r in rows if r.get("kind") == "dev"]
    figure, loss_axis = plt.subplots(figsize=(7, 4))
    if losses:
        loss_axis.plot(*zip(*losses, strict=True), color="tab:blue", label="training loss")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("loss")
    if dev:
        rate_axis = loss_axis.twinx()
        steps = [r["step"] for r in dev]
        rate_axis.plot(
            steps, [r["dev_valid_rate"] for r in dev], "o-", color="tab:green", label="dev valid"
        )
        rate_axis.plot(
            steps,
            [r["dev_functional_rate"] for r in dev],
            "s-",
            color="tab:red",
            label="dev functional",
        )
        rate_axis.set_ylim(0, 1.05)
        rate_axis.set_ylabel("dev pass rate")
        rate_axis.legend(loc="center right")
    if losses:
        loss_axis.legend(loc="upper right")
    loss_axis.set_title("dslgen training run")
    figure.tight_layout()
    write_png(out, figure)
