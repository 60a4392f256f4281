"""`dslgen sweep report`: the sweep as Markdown plus three PNGs.

- importance.png: each setting's fANOVA importance (Optuna) for the objective and for training
  time — which settings pay, and which only cost;
- pareto.png: objective against trial seconds, the non-dominated trials joined up;
- predicted_vs_actual.png: the last `dslgen sweep predict`'s predictions against measured figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_text
from dslgen.evals.report import write_png
from dslgen.sweep.config import SweepConfig, Value
from dslgen.sweep.points import TrialPoint, finished_points
from dslgen.sweep.study import default_storage, open_study
from dslgen.train.run import read_json

PREDICT_FILE = "predict.json"


def pareto_front(points: list[TrialPoint]) -> list[TrialPoint]:
    """The trials no other trial beats on both counts (higher objective, fewer seconds), by
    seconds."""
    front: list[TrialPoint] = []
    for point in sorted(points, key=lambda p: (p.seconds, -p.value)):
        if not front or point.value > front[-1].value:
            front.append(point)
    return front


def importances(study: Any, seed: int) -> dict[str, dict[str, float]] | str:
    """fANOVA importance of each setting for the objective and for training seconds, or why it
    cannot be computed (too few trials, or a figure that never varied)."""
    import optuna

    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    out: dict[str, dict[str, float]] = {}
    targets = {
        "objective": None,
        "train seconds": lambda t: float(t.user_attrs.get("train_seconds", 0.0)),
    }
    for label, target in targets.items():
        try:
            scores = optuna.importance.get_param_importances(
                study, evaluator=evaluator, target=target
            )
        except (RuntimeError, ValueError, ZeroDivisionError) as exc:
            return f"not computable ({exc})"
        out[label] = {name: float(v) for name, v in scores.items()}
    return out


def write_sweep_report(
    sweep: SweepConfig, folder: Path, storage_url: str | None = None, out: Path | None = None
) -> Path:
    """Write report.md and its PNGs into `out` (default: the sweep folder); returns report.md.
    `storage_url` defaults to the sweep folder's SQLite study."""
    import optuna

    out = out or folder
    storage_url = storage_url or default_storage(folder)
    out.mkdir(parents=True, exist_ok=True)
    study = open_study(sweep, storage_url, create=False)
    points = finished_points(study)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    pruned = states.count(optuna.trial.TrialState.PRUNED)
    failed = states.count(optuna.trial.TrialState.FAIL)
    varying = [name for name, values in sweep.space.dimensions().items() if len(values) > 1]
    charts: list[str] = []
    scores = (
        importances(study, sweep.seed) if len(points) >= 2 else "not computable (under 2 trials)"
    )
    if isinstance(scores, dict):
        write_png(out / "importance.png", _importance_chart(scores))
        charts.append("importance.png")
    if points:
        write_png(out / "pareto.png", _pareto_chart(points, pareto_front(points), sweep.objective))
        charts.append("pareto.png")
    predicted = read_json(folder / PREDICT_FILE)
    if predicted:
        write_png(out / "predicted_vs_actual.png", _prediction_chart(predicted, sweep.objective))
        charts.append("predicted_vs_actual.png")
    lines = [
        f"# Sweep {sweep.name} ({sweep.domain})",
        "",
        f"Objective: **{sweep.objective}** on the first {sweep.eval.limit} tasks of the "
        f"`{sweep.eval.suite}` suite (greedy, grammar on). Grid of {len(sweep.grid())} "
        f"configurations; {len(points)} finished, {pruned} pruned, {failed} failed.",
        "",
        "## Trials",
        "",
        _trials_table(points, varying, sweep.objective),
        "",
        "## Which settings pay",
        "",
        _importance_table(scores),
        "",
        "## Accuracy against time (Pareto front)",
        "",
        _front_table(pareto_front(points), varying, sweep.objective),
        "",
    ]
    if predicted:
        lines += _prediction_section(predicted, varying, sweep.objective)
    lines += [f"![{chart}]({chart})" for chart in charts]
    path = out / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path


def _settings(params: dict[str, Value], varying: list[str]) -> str:
    return ", ".join(f"{name} {params[name]}" for name in varying if name in params)


def figure(value: float | None, digits: int = 3) -> str:
    """A figure for a table; "–" where it is undefined (no trial, a constant ranking)."""
    return "–" if value is None else f"{value:.{digits}f}"


def _trials_table(points: list[TrialPoint], varying: list[str], objective: str) -> str:
    rows = [
        f"| trial | settings | {objective} | valid | pass@1 | train s | tokens/s | peak MB | "
        "adapter MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for point in sorted(points, key=lambda p: (-p.value, p.seconds)):
        a = point.attrs
        rows.append(
            f"| {point.number} | {_settings(point.params, varying)} | {point.value:.3f} | "
            f"{float(a.get('valid_rate', 0)):.2f} | {float(a.get('pass_at_1', 0)):.2f} | "
            f"{point.train_seconds:.0f} | "
            f"{float(a.get('tokens_per_second', 0)):.0f} | {float(a.get('peak_memory_mb', 0)):.0f} | "
            f"{int(a.get('adapter_bytes', 0)) / 2**20:.1f} |"
        )
    return "\n".join(rows)


def _importance_table(scores: dict[str, dict[str, float]] | str) -> str:
    if isinstance(scores, str):
        return f"Setting importance: {scores}."
    names = sorted({n for target in scores.values() for n in target})
    head = "| setting | " + " | ".join(scores) + " |"
    rows = [head, "|---|" + "---|" * len(scores)]
    for name in sorted(names, key=lambda n: -scores["objective"].get(n, 0.0)):
        rows.append(
            f"| {name} | "
            + " | ".join(f"{target.get(name, 0.0):.2f}" for target in scores.values())
            + " |"
        )
    return (
        "fANOVA importance (share of the figure's variance; each column sums to 1):\n\n"
        + "\n".join(rows)
    )


def _front_table(front: list[TrialPoint], varying: list[str], objective: str) -> str:
    rows = [f"| trial | settings | {objective} | trial s |", "|---|---|---|---|"]
    rows += [
        f"| {p.number} | {_settings(p.params, varying)} | {p.value:.3f} | {p.seconds:.0f} |"
        for p in front
    ]
    return "\n".join(rows)


def _prediction_section(predicted: dict[str, Any], varying: list[str], objective: str) -> list[str]:
    held = predicted["heldout"]
    minutes = predicted["seconds_spent"] / 60
    exhaustive = predicted["seconds_exhaustive"] / 60
    how = (
        "measured" if predicted["seconds_exhaustive_measured"] else "estimated from the mean trial"
    )
    lines = [
        "## Prediction",
        "",
        f"Predictor **{predicted['predictor']}** (cross-validated MAE: "
        + ", ".join(f"{k} {v:.3f}" for k, v in predicted["cv_mae"].items())
        + f"), fitted on {predicted['fit_trials']} trials of {predicted['grid_size']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| top-{len(predicted['top_k'])} MAE | {figure(predicted['top_k_mae'])} |",
        f"| top-{len(predicted['top_k'])} Spearman | {figure(predicted['top_k_spearman'])} |",
        f"| held-out MAE ({held['trials']} trials not fitted on) | {figure(held['mae'])} |",
        f"| held-out Spearman | {figure(held['spearman'])} |",
        f"| best found (fitted + top-k) | {figure(predicted['best_found'])} |",
        f"| best known{' (exhaustive truth)' if predicted['exhaustive'] else ''} | "
        f"{figure(predicted['best_known'])} |",
        f"| regret | {figure(predicted['regret'])} |",
        f"| time spent (fitted + top-k trials) | {minutes:.1f} min |",
        f"| time of the whole grid ({how}) | {exhaustive:.1f} min |",
        f"| speed-up | {figure(predicted.get('speedup'), 2)}x |",
        "",
        f"| rank | settings | predicted {objective} | actual | source |",
        "|---|---|---|---|---|",
    ]
    for rank, row in enumerate(predicted["top_k"], 1):
        lines.append(
            f"| {rank} | {_settings(row['params'], varying)} | {row['predicted']:.3f} | "
            f"{figure(row['actual'])} | {row['source']} |"
        )
    transfer = predicted.get("transfer") or {}
    if transfer:
        lines += [
            "",
            f"### Transfer to {transfer['domain']} ({transfer['study']})",
            "",
            f"The same predictor on {transfer['trials']} {transfer['domain']} trials: MAE "
            f"{figure(transfer['mae'])}, Spearman {figure(transfer['spearman'])}.",
        ]
    return [*lines, ""]


def _importance_chart(scores: dict[str, dict[str, float]]) -> Any:
    from dslgen.evals.report import bar_chart

    names = sorted({n for target in scores.values() for n in target})
    series = {label: [target.get(n, 0.0) for n in names] for label, target in scores.items()}
    return bar_chart(names, series, "setting importance (fANOVA)", horizontal=True)


def _pareto_chart(points: list[TrialPoint], front: list[TrialPoint], objective: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.scatter(
        [p.seconds / 60 for p in points], [p.value for p in points], label="trial", alpha=0.6
    )
    axes.plot(
        [p.seconds / 60 for p in front],
        [p.value for p in front],
        "o-",
        color="C3",
        label="Pareto front",
    )
    for p in front:
        axes.annotate(
            str(p.number),
            (p.seconds / 60, p.value),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    axes.set_xlabel("trial minutes (train + score)")
    axes.set_ylabel(objective)
    axes.set_title("accuracy against training time")
    axes.legend(fontsize=8)
    return figure


def _prediction_chart(predicted: dict[str, Any], objective: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 5))
    groups: dict[str, list[tuple[float, float]]] = {}
    for row in predicted["ranking"]:
        if row["actual"] is not None:
            groups.setdefault(row["source"], []).append((row["predicted"], row["actual"]))
    for source, pairs in sorted(groups.items()):
        axes.scatter([p for p, _ in pairs], [a for _, a in pairs], label=source, alpha=0.7)
    for point in (predicted.get("transfer") or {}).get("points", []):
        axes.scatter(point["predicted"], point["actual"], marker="x", color="k")
    values = [v for pairs in groups.values() for pair in pairs for v in pair] or [0.0, 1.0]
    low, high = min(values), max(values)
    axes.plot([low, high], [low, high], "--", color="grey", linewidth=1)
    axes.set_xlabel(f"predicted {objective}")
    axes.set_ylabel(f"actual {objective}")
    axes.set_title("predicted against actual (x: transfer trials)")
    axes.legend(fontsize=8)
    return figure
