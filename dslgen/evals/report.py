"""A run folder: `results.json` (config, figures, taxonomy), `samples.jsonl`, `report.md` and PNG
charts. Every file is written atomically (temp file + rename)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_bytes, write_jsonl, write_text
from dslgen.errors import EvalConfigError
from dslgen.evals.metrics import aggregate, failure_taxonomy
from dslgen.evals.runner import EvalRun
from dslgen.paths import home

RESULTS_VERSION = 1
RESULTS_FILE = "results.json"
# (key in the figures, column title, format) of the tables, in order.
COLUMNS = (
    ("tasks", "tasks", "{:d}"),
    ("samples", "samples", "{:d}"),
    ("tcl_parse_rate", "Tcl parse", "{:.1%}"),
    ("dsl_parse_rate", "DSL parse", "{:.1%}"),
    ("mixed_compliance", "mixed", "{:.1%}"),
    ("policy_compliance", "policy", "{:.1%}"),
    ("functional_rate", "functional", "{:.1%}"),
    ("picked@1", "pass@1 picked", "{:.3f}"),
    ("pass@1", "pass@1 sample", "{:.3f}"),
    ("pass@k", "pass@k", "{:.3f}"),
    ("latency_mean_s", "s/sample", "{:.2f}"),
    ("tokens_mean", "tokens/sample", "{:.0f}"),
)


def columns(domain: str) -> list[tuple[str, str, str]]:
    """COLUMNS with the domain's own titles (finance's "tcl_parse_rate" is JSON + schema)."""
    from dslgen.domain import get_domain

    titles = get_domain(domain).metric_titles
    return [(key, titles.get(key, title), fmt) for key, title, fmt in COLUMNS]


def default_run_dir(label: str) -> Path:
    """`<home>/evals/<timestamp>-<label>`, with a numeric suffix rather than reuse a folder."""
    base = home() / "evals" / f"{time.strftime('%Y%m%d-%H%M%S')}-{label}"
    candidate, number = base, 2
    while candidate.exists():
        candidate, number = base.with_name(f"{base.name}-{number}"), number + 1
    return candidate


def results_json(run: EvalRun, command: str = "") -> dict[str, Any]:
    """Everything about a run except the sample texts."""
    return {
        "format_version": RESULTS_VERSION,
        "config": run.config.to_json(),
        "run": {
            "command": command,
            "model_id": run.model_id,
            "adapter_id": run.adapter_id,
            "cache_id": run.cache_id,
            "cached_samples": run.cached_samples,
            "generated_samples": run.generated_samples,
            "seconds": round(run.seconds, 3),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        },
        "ks": run.config.ks,
        "metrics": aggregate(run.samples, run.config.ks, run.config.selection),
        "taxonomy": failure_taxonomy(run.samples),
    }


def write_run(run: EvalRun, out: Path, command: str = "", overwrite: bool = False) -> Path:
    """Write the run folder; refuses a folder that already holds a run unless `overwrite`."""
    if (out / RESULTS_FILE).exists() and not overwrite:
        raise EvalConfigError(f"{out} already holds an eval run; choose another --out")
    results = results_json(run, command)
    write_jsonl(out / "samples.jsonl", (s.to_json() for s in run.samples))
    charts = write_run_charts(results, out)
    write_text(out / "report.md", render_report(results, out.name, charts))
    write_text(out / RESULTS_FILE, json.dumps(results, indent=2, sort_keys=True) + "\n")
    return out


def load_results(folder: Path) -> dict[str, Any]:
    path = folder / RESULTS_FILE
    if not path.is_file():
        raise EvalConfigError(f"{folder} is not an eval run folder (no {RESULTS_FILE})")
    results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return results


def _cell(figures: dict[str, Any], key: str, fmt: str, k: int) -> str:
    value = figures.get(f"pass@{k}" if key == "pass@k" else key)
    return "–" if value is None else fmt.format(value)


def figures_table(
    rows: dict[str, dict[str, Any]], k: int, first: str, domain: str = "pdflow"
) -> str:
    """A Markdown table: one row per group, the domain's columns (pass@k shows k)."""
    chosen = columns(domain)
    titles = [title.replace("pass@k", f"pass@{k}") for _, title, _ in chosen]
    lines = [f"| {first} | " + " | ".join(titles) + " |", "|---" * (len(titles) + 1) + "|"]
    for name, figures in rows.items():
        cells = [_cell(figures, key, fmt, k) for key, _, fmt in chosen]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def taxonomy_markdown(taxonomy: dict[str, Any], top: int = 15) -> str:
    """Three small tables: first failing check, error classes, failing intents (top rows)."""
    tables = [
        ("first failing check", "samples", list(taxonomy["first_failure"].items())),
        ("error class", "samples", [(f"`{c}`", n) for c, n in taxonomy["error_classes"].items()]),
        (
            "failing intent",
            "failed / samples",
            [(r["intent"], f"{r['failed']} / {r['samples']}") for r in taxonomy["failing_intents"]],
        ),
    ]
    parts = []
    for title, unit, rows in tables:
        if not rows:
            parts.append(f"{title.capitalize()}: none (every sample passed).")
            continue
        lines = [f"| {title} | {unit} |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in rows[:top]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def render_report(results: dict[str, Any], name: str, charts: list[str]) -> str:
    """The human report of a run: settings, tables per suite/level/intent, taxonomy, charts."""
    config, run, metrics = results["config"], results["run"], results["metrics"]
    k = max(results["ks"])
    settings = ", ".join(f"{key}={config[key]}" for key in sorted(config))
    parts = [
        f"# Eval run {name}",
        "",
        f"- Command: `{run['command'] or '(library call)'}`",
        f"- Model: `{run['model_id']}`; adapter: `{run['adapter_id']}`",
        f"- Settings: {settings}",
        f"- Samples: {run['generated_samples']} generated, {run['cached_samples']} from the "
        f"cache, in {run['seconds']:.1f} s (finished {run['finished']}).",
        "",
        "## By suite",
        "",
        figures_table(
            {"all": metrics["overall"], **metrics["by_suite"]}, k, "suite", config["domain"]
        ),
        "",
        "## By level",
        "",
        figures_table(metrics["by_level"], k, "level", config["domain"]),
        "",
        "## By intent",
        "",
        figures_table(metrics["by_intent"], k, "intent", config["domain"]),
        "",
        "## Failure taxonomy",
        "",
        taxonomy_markdown(results["taxonomy"]),
        "",
    ]
    parts += [f"![{chart}]({chart})" for chart in charts]
    return "\n".join(parts).replace("\n\n\n", "\n\n") + "\n"


def write_png(path: Path, figure: Any) -> None:
    """Save a matplotlib figure atomically and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    write_bytes(path, buffer.getvalue())


def bar_chart(
    groups: list[str], series: dict[str, list[float]], title: str, horizontal: bool
) -> Any:
    """Grouped bars: one group per entry of `groups`, one bar per series (values in [0, 1])."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(3.0, 0.3 * len(groups) * max(1, len(series)) ** 0.5) if horizontal else 4.0
    figure, axes = plt.subplots(figsize=(8, height))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        positions = [g + i * width for g in range(len(groups))]
        if horizontal:
            axes.barh(positions, values, height=width, label=name)
        else:
            axes.bar(positions, values, width=width, label=name)
    ticks = [g + width * (len(series) - 1) / 2 for g in range(len(groups))]
    if horizontal:
        axes.set_yticks(ticks, groups, fontsize=7)
        axes.set_xlim(0, 1)
        axes.invert_yaxis()
    else:
        axes.set_xticks(ticks, groups, fontsize=8, rotation=20)
        axes.set_ylim(0, 1)
    axes.set_title(title)
    axes.legend(fontsize=7)
    return figure


def _values(rows: dict[str, dict[str, Any]], key: str) -> list[float]:
    return [rows[name].get(key) or 0.0 for name in rows]


def write_run_charts(results: dict[str, Any], out: Path) -> list[str]:
    """pass@1/pass@k per intent and the compliance rates per suite; returns the file names."""
    metrics, k = results["metrics"], max(results["ks"])
    intents = metrics["by_intent"]
    passes = {f"pass@{k_}": _values(intents, f"pass@{k_}") for k_ in sorted({1, k})}
    write_png(
        out / "pass_by_intent.png", bar_chart(list(intents), passes, "pass@k by intent", True)
    )
    suites = {"all": metrics["overall"], **metrics["by_suite"]}
    rates = ("tcl_parse_rate", "mixed_compliance", "policy_compliance", "functional_rate")
    series = {key: _values(suites, key) for key in rates}
    write_png(
        out / "compliance_by_suite.png", bar_chart(list(suites), series, "rates by suite", False)
    )
    return ["pass_by_intent.png", "compliance_by_suite.png"]
