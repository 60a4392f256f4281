"""Put several eval runs side by side: one Markdown table of the key figures per run and suite,
and a PNG of pass@1 / pass@k per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dslgen.evals.report import bar_chart, figures_table, load_results, write_png


def compare_rows(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`run / suite` -> figures, for every run's overall figures and each of its suites."""
    rows: dict[str, dict[str, Any]] = {}
    for name, results in runs.items():
        metrics = results["metrics"]
        rows[f"{name} / all"] = metrics["overall"]
        if len(metrics["by_suite"]) > 1:
            rows.update({f"{name} / {s}": f for s, f in metrics["by_suite"].items()})
    return rows


def common_k(runs: dict[str, dict[str, Any]]) -> int:
    """The largest k every run reports (pass@1 is always there)."""
    shared = set.intersection(*(set(r["ks"]) for r in runs.values()))
    return max(shared)


def compare_runs(folders: list[Path]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The comparison table of run folders (named by folder name) and the loaded results."""
    runs = {_name(folder, folders): load_results(folder) for folder in folders}
    k = common_k(runs)
    domain = next(iter(runs.values()))["config"]["domain"]
    return figures_table(compare_rows(runs), k, "run / suite", domain), runs


def _name(folder: Path, folders: list[Path]) -> str:
    """The folder's name, or its last two parts when two runs share a name."""
    clash = sum(f.name == folder.name for f in folders) > 1
    return f"{folder.parent.name}/{folder.name}" if clash else folder.name


def write_comparison_chart(runs: dict[str, dict[str, Any]], path: Path) -> None:
    k = common_k(runs)
    names = list(runs)
    series = {
        f"pass@{k_}": [runs[n]["metrics"]["overall"].get(f"pass@{k_}") or 0.0 for n in names]
        for k_ in sorted({1, k})
    }
    series["functional_rate"] = [
        runs[n]["metrics"]["overall"].get("functional_rate") or 0.0 for n in names
    ]
    write_png(path, bar_chart(names, series, "runs compared (all suites)", True))
