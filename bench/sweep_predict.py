"""The performance predictor against an exhaustive sweep: regret, speed-up and rank correlation
by the number of trials it is fitted on, over several random subsets.

Usage: .venv/bin/python bench/sweep_predict.py --config configs/sweep-cpu.toml
       [--sizes 6,8,10,12] [--seeds 5] [--top-k 5] [--out DIR]

One `dslgen sweep predict --fit-on N --subset-seed S` per size and seed, on a study in which
every grid configuration has a finished trial, so nothing is trained: the top-k are looked up in
the exhaustive truth. Prints one row per size (means over the seeds, and how often the best
configuration was found); time is the measured trial cost of the fitted and top-k trials
against the whole grid's. The baseline column is what k more trials drawn at random (instead of
the predicted top-k) would have found, from the same subsets: the predictor earns its keep only
where it beats it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="the sweep folder")
    parser.add_argument("--sizes", default="6,8,10,12")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from dslgen.sweep.config import load_sweep_config
    from dslgen.sweep.predict import run_predict

    sweep = load_sweep_config(args.config)
    folder = args.out or Path("sweeps") / sweep.name
    table = Table(title=f"predictor on {sweep.name}: top-{args.top_k}, {args.seeds} subsets each")
    for column in (
        "fitted",
        "predictor (GP/GBT)",
        "mean regret",
        "best found",
        "random k: regret",
        "fitted only: regret",
        "held-out Spearman",
        "top-k MAE",
        "time spent",
        "speed-up",
    ):
        table.add_column(column)
    for size in (int(s) for s in args.sizes.split(",")):
        reports = [
            run_predict(sweep, folder, None, args.top_k, size, subset_seed=seed)
            for seed in range(args.seeds)
        ]
        if not all(r.exhaustive for r in reports):
            sys.exit("the study is not exhaustive: run every grid configuration first")
        baseline = [_random_regret(r, args.top_k, seed) for seed, r in enumerate(reports)]
        fitted_only = [_fitted_regret(r) for r in reports]
        spearmans = [r.heldout["spearman"] for r in reports if r.heldout["spearman"] is not None]
        maes = [r.top_k_mae for r in reports if r.top_k_mae is not None]
        table.add_row(
            str(size),
            "/".join(
                str(sum(r.predictor == name for r in reports))
                for name in ("gaussian_process", "gradient_boosting")
            ),
            f"{statistics.fmean(r.regret or 0.0 for r in reports):.3f}",
            f"{sum((r.regret or 0.0) <= 1e-9 for r in reports)}/{len(reports)}",
            f"{statistics.fmean(baseline):.3f}",
            f"{statistics.fmean(fitted_only):.3f}",
            f"{statistics.fmean(spearmans):.2f}" if spearmans else "–",
            f"{statistics.fmean(maes):.3f}" if maes else "–",
            f"{statistics.fmean(r.seconds_spent for r in reports) / 60:.0f} of "
            f"{reports[0].seconds_exhaustive / 60:.0f} min",
            f"{statistics.fmean(r.speedup or 0.0 for r in reports):.2f}x",
        )
    Console(width=160).print(table)


def _random_regret(report, k: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    """The regret had k trials been drawn at random from the configurations not fitted on."""
    rest = [r.actual for r in report.ranking if r.source != "fit" and r.actual is not None]
    fitted = [r.actual for r in report.ranking if r.source == "fit"]
    drawn = random.Random(1000 + seed).sample(rest, min(k, len(rest)))
    return report.best_known - max(fitted + drawn)


def _fitted_regret(report) -> float:  # type: ignore[no-untyped-def]
    """The regret of the fitted trials alone (what the top-k added is the difference)."""
    return report.best_known - max(r.actual for r in report.ranking if r.source == "fit")


if __name__ == "__main__":
    main()
