"""Rich tables of the registry's commands: the version list, the gate, a comparison."""

from __future__ import annotations

from rich.table import Table

from dslgen.registry.compare import MetricComparison
from dslgen.registry.gate import GateDecision
from dslgen.registry.records import ModelVersion
from dslgen.registry.stats import Rate, verdict


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def versions_table(versions: list[ModelVersion]) -> Table:
    table = Table(title="model versions")
    for title in ("domain", "version", "status", "created", "model", "scores", "notes"):
        table.add_column(title)
    for version in versions:
        scores = ", ".join(
            f"{suite} {_figure(score.pass_at_1)}" for suite, score in version.scores.items()
        )
        table.add_row(
            version.domain,
            version.name,
            version.status,
            version.created,
            version.describe(),
            scores or "–",
            version.notes,
        )
    return table


def gate_table(decision: GateDecision, current: str | None, candidate: str) -> Table:
    """suite | metric | current | candidate | delta, the rows that block marked."""
    table = Table(title=f"gate: {candidate} against {current or 'nothing promoted'}")
    table.add_column("suite")
    table.add_column("metric")
    table.add_column(f"current ({current or '–'})", justify="right")
    table.add_column(f"candidate ({candidate})", justify="right")
    table.add_column("delta", justify="right")
    table.add_column("")
    for row in decision.rows:
        delta = "–" if row.delta is None else f"{row.delta:+.3f}"
        blocks = "DROP" if row in decision.drops else ""
        table.add_row(
            row.suite, row.metric, _figure(row.current), _figure(row.candidate), delta, blocks
        )
    return table


def _rate(rate: Rate) -> str:
    interval = rate.interval
    if rate.value is None or interval is None:
        return "– (n=0)"
    return f"{rate.value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] (n={rate.total})"


def comparison_table(
    a: str, b: str, rows: list[MetricComparison], generations: dict[str, int]
) -> Table:
    """metric | A with 95 % CI | B with 95 % CI | Fisher p | verdict."""
    title = f"{a} ({generations[a]} generations) vs {b} ({generations[b]} generations)"
    table = Table(title=title, caption="95 % Wilson intervals; p: Fisher's exact test")
    for heading in ("source", "metric", a, b, "p", "verdict"):
        table.add_column(heading, justify="right" if heading == "p" else "left")
    for row in rows:
        p_value = row.p_value
        table.add_row(
            row.source,
            row.metric,
            _rate(row.a),
            _rate(row.b),
            "–" if p_value is None else f"{p_value:.3g}",
            verdict(p_value),
        )
    return table
