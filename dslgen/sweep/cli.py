"""`dslgen sweep run|predict|report`. Registered by `dslgen.cli`.

Thin: flags in, `dslgen.sweep` calls out; library errors become one sentence and exit code 1.
"""

from __future__ import annotations

from pathlib import Path

import click

from dslgen.cli_options import friendly_errors


def _say(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(message, markup=False)


config_option = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The sweep's TOML file (see docs/sweeps.md).",
)
storage_option = click.option(
    "--storage",
    help="Optuna RDB URL of the study  [default: sqlite:///<out>/study.db]; a PostgreSQL URL "
    "(postgresql+psycopg://user@host/db) lets several workers share one study.",
)
domain_option = click.option(
    "--domain", default=None, help="Run the sweep on another domain (its own study name)."
)
out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The sweep folder (trial runs, results.jsonl, reports)  [default: sweeps/<name>]",
)


def _load(config_path: Path, domain: str | None, model: str | None = None):  # type: ignore[no-untyped-def]
    from dslgen.sweep.config import for_domain, load_sweep_config

    sweep = for_domain(load_sweep_config(config_path), domain)
    if model is not None:
        sweep = sweep.model_copy(update={"train": sweep.train | {"model": model}})
    return sweep


def _folder(out: Path | None, name: str) -> Path:
    return out or Path("sweeps") / name


@click.group("sweep")
def sweep_group() -> None:
    """LoRA configuration sweeps: run trials, predict the rest of the grid, report."""


@sweep_group.command("run")
@config_option
@click.option("--trials", type=click.IntRange(min=1), help="Finished trials to reach in the study.")
@storage_option
@domain_option
@out_option
@click.option("--model", default=None, help="Base model for every trial (overrides [train]).")
@friendly_errors
def run_command(
    config_path: Path,
    trials: int | None,
    storage: str | None,
    domain: str | None,
    out: Path | None,
    model: str | None,
) -> None:
    """Train and score trials until the study has --trials finished ones (default: the whole
    grid). Re-run the same command to resume a killed sweep; run it on several machines with
    one PostgreSQL --storage to share the work."""
    from dslgen.sweep.study import run_sweep

    sweep = _load(config_path, domain, model)
    summary = run_sweep(sweep, _folder(out, sweep.name), storage, trials, say=_say)
    best = (
        f"best {sweep.objective} {summary.best_value:.3f} with {summary.best_params}"
        if summary.best_value is not None
        else "no finished trial yet"
    )
    click.echo(
        f"study {summary.study}: {summary.finished} finished trial(s), {summary.ran} run now; {best}"
    )


@sweep_group.command("predict")
@config_option
@storage_option
@domain_option
@out_option
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--fit-on",
    type=click.IntRange(min=3),
    help="Fit on a seeded random subset of N finished trials; the others are the truth it is "
    "scored against (after an exhaustive sweep: the whole grid).",
)
@click.option(
    "--subset-seed",
    type=int,
    help="With --fit-on: the seed that draws the subset  [default: the sweep's seed]",
)
@click.option(
    "--transfer",
    "transfer_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Another sweep's folder (e.g. the same grid on finance): score the predictor on its trials.",
)
@friendly_errors
def predict_command(
    config_path: Path,
    storage: str | None,
    domain: str | None,
    out: Path | None,
    top_k: int,
    fit_on: int | None,
    subset_seed: int | None,
    transfer_folder: Path | None,
) -> None:
    """Fit a performance predictor on finished trials, rank the whole grid, run the top-k not
    tried yet, and report predicted against actual, regret and time (predict.json)."""
    import json

    from dslgen.corpus.records import write_text
    from dslgen.sweep.predict import run_predict
    from dslgen.sweep.report import PREDICT_FILE

    sweep = _load(config_path, domain)
    folder = _folder(out, sweep.name)
    transfer = None
    if transfer_folder is not None:
        from dslgen.sweep.study import default_storage

        transfer = (_sweep_in(transfer_folder), default_storage(transfer_folder))
    report = run_predict(
        sweep,
        folder,
        storage,
        top_k,
        fit_on,
        transfer,
        say=_say,
        subset_seed=subset_seed,
    )
    write_text(folder / PREDICT_FILE, json.dumps(report.to_json(), indent=2) + "\n")
    _print_prediction(report)


def _sweep_in(folder: Path):  # type: ignore[no-untyped-def]
    """The sweep config a `dslgen sweep run` recorded in its folder."""
    from dslgen.errors import InputFileError
    from dslgen.sweep.config import SweepConfig

    path = folder / "sweep.json"
    try:
        return SweepConfig.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: not a sweep folder's record ({exc}); give a folder that `dslgen sweep run` made"
        ) from exc


def _print_prediction(report) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"top {len(report.top_k)} predicted ({report.predictor})")
    for column in ("rank", "settings", "predicted", "actual", "source"):
        table.add_column(column)
    varying = [
        name
        for name in report.ranking[0].params
        if len({str(r.params[name]) for r in report.ranking}) > 1
    ]  # settings the grid fixes are left out
    for rank, row in enumerate(report.top_k, 1):
        actual = "–" if row.actual is None else f"{row.actual:.3f}"
        settings = " ".join(f"{k}={row.params[k]}" for k in varying)
        table.add_row(str(rank), settings, f"{row.predicted:.3f}", actual, row.source)
    console = Console(width=160)
    console.print(table)

    from dslgen.sweep.report import figure as show

    speedup = "–" if report.speedup is None else f"{report.speedup:.2f}x"
    kind = "measured" if report.seconds_exhaustive_measured else "estimated"
    console.print(
        f"top-k MAE {show(report.top_k_mae)}, Spearman {show(report.top_k_spearman)}; held-out "
        f"MAE {show(report.heldout['mae'])}, Spearman {show(report.heldout['spearman'])} "
        f"({report.heldout['trials']} trials); regret {show(report.regret)} "
        f"({'exhaustive truth' if report.exhaustive else 'against the best known'}); time "
        f"{report.seconds_spent / 60:.1f} min vs {report.seconds_exhaustive / 60:.1f} min "
        f"({kind}) for the whole grid: {speedup}",
        markup=False,
    )
    if report.transfer:
        t = report.transfer
        console.print(
            f"transfer to {t['domain']} ({t['trials']} trials): MAE {show(t['mae'])}, "
            f"Spearman {show(t['spearman'])}",
            markup=False,
        )


@sweep_group.command("report")
@config_option
@storage_option
@domain_option
@out_option
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where report.md and its PNGs go  [default: the sweep folder]",
)
@friendly_errors
def report_command(
    config_path: Path,
    storage: str | None,
    domain: str | None,
    out: Path | None,
    report_dir: Path | None,
) -> None:
    """Markdown + PNG report: trials, setting importance, the Pareto front, predictions."""
    from dslgen.sweep.report import write_sweep_report

    sweep = _load(config_path, domain)
    folder = _folder(out, sweep.name)
    path = write_sweep_report(sweep, folder, storage, report_dir)
    click.echo(f"wrote {path}")
