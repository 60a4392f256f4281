"""The ablations, all through `run_eval` (sharing its cache), each in one table:
- `pipeline`: one base configuration, then grammar, retrieval, the SFT adapter and a repair
  round added one at a time;
- `selection`: the grammar as it was (not grounded) with the old pick (highest summed
  log-probability), + a grammar grounded in the request, + coverage-weighted execution
  consensus. The last two share their samples: only the pick differs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_text
from dslgen.evals.config import EvalConfig
from dslgen.evals.report import (
    bar_chart,
    figures_table,
    results_json,
    taxonomy_markdown,
    write_png,
    write_run,
)
from dslgen.evals.runner import EvalRun, Progress, run_eval


@dataclass(frozen=True)
class AblationStep:
    name: str
    label: str
    config: EvalConfig


def ablation_steps(base: EvalConfig, adapter: str | None) -> tuple[list[AblationStep], list[str]]:
    """The cumulative configurations, and notes on the ones skipped.

    Without an adapter the SFT step is skipped and the repair round is added to the best
    adapter-free configuration (grammar + retrieval).
    """
    plain = base.with_changes(use_grammar=False, use_retrieval=False, adapter=None, repair_rounds=0)
    grammar = plain.with_changes(use_grammar=True)
    retrieval = grammar.with_changes(use_retrieval=True)
    steps = [
        AblationStep("base", "base model, unconstrained", plain),
        AblationStep("grammar", "+ grammar", grammar),
        AblationStep("retrieval", "+ retrieval", retrieval),
    ]
    notes = []
    last = retrieval
    if adapter is None:
        notes.append("No --adapter given: the SFT adapter row is skipped.")
    else:
        last = retrieval.with_changes(adapter=adapter)
        steps.append(AblationStep("sft", "+ SFT adapter", last))
    steps.append(AblationStep("repair", "+ repair round", last.with_changes(repair_rounds=1)))
    return steps, notes


def selection_steps(base: EvalConfig, adapter: str | None) -> tuple[list[AblationStep], list[str]]:
    """Current selection, + grounding, + coverage and consensus, on the base's grammar and
    retrieval settings with the adapter (if any)."""
    current = base.with_changes(
        use_grammar=True, grounding=False, selection="logprob", adapter=adapter, repair_rounds=0
    )
    grounded = current.with_changes(grounding=True)
    steps = [
        AblationStep("current", "current selection (summed log-prob)", current),
        AblationStep("grounding", "+ grounding", grounded),
        AblationStep(
            "consensus", "+ coverage and consensus", grounded.with_changes(selection="consensus")
        ),
    ]
    return steps, [] if adapter else ["No --adapter: the default model without an adapter."]


ABLATIONS = {"pipeline": ablation_steps, "selection": selection_steps}


def run_ablation(
    base: EvalConfig,
    adapter: str | None,
    out: Path,
    command: str,
    run: Callable[[EvalConfig, Progress | None], EvalRun] | None = None,
    progress: Callable[[str], Progress | None] = lambda step: None,
    kind: str = "pipeline",
) -> Path:
    """Run every step, write each run folder under `out/runs/` and the combined `ablation.md`,
    `ablation.json` and `ablation.png` in `out`; returns the Markdown file."""
    run = run or run_eval
    steps, notes = ABLATIONS[kind](base, adapter)
    results: dict[str, dict[str, Any]] = {}
    for step in steps:
        finished = run(step.config, progress(step.name))
        write_run(finished, out / "runs" / step.name, command, overwrite=True)
        results[step.name] = results_json(finished, command)
    markdown = render_ablation(steps, results, notes, command)
    write_text(out / "ablation.md", markdown)
    summary = {name: {"metrics": r["metrics"], "run": r["run"]} for name, r in results.items()}
    write_text(out / "ablation.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    labels = [step.label for step in steps]
    k = base.k
    series = {
        f"{suite} {key}": [
            results[s.name]["metrics"]["by_suite"].get(suite, {}).get(key) or 0.0 for s in steps
        ]
        for suite in base.suites
        for key in ["picked@1", *(f"pass@{k_}" for k_ in sorted({1, k}))]
    }
    write_png(out / "ablation.png", bar_chart(labels, series, "ablation", True))
    return out / "ablation.md"


def best_step(steps: list[AblationStep], results: dict[str, dict[str, Any]]) -> AblationStep:
    """The step with the highest overall pass@1 (the later step on a tie)."""
    return max(
        reversed(steps), key=lambda s: results[s.name]["metrics"]["overall"].get("pass@1") or 0.0
    )


def render_ablation(
    steps: list[AblationStep],
    results: dict[str, dict[str, Any]],
    notes: list[str],
    command: str,
) -> str:
    base = steps[0].config
    rows = {
        f"{step.label} / {suite}": results[step.name]["metrics"]["by_suite"][suite]
        for suite in base.suites
        for step in steps
        if suite in results[step.name]["metrics"]["by_suite"]
    }
    best = best_step(steps, results)
    run = results[steps[0].name]["run"]
    adapters = sorted({r["run"]["adapter_id"] for r in results.values() if r["run"]["adapter_id"]})
    parts = [
        "# Ablation",
        "",
        f"Command: `{command}`",
        "",
        f"Model: `{run['model_id']}`; SFT adapter: `{', '.join(adapters) or 'none'}`.",
        "",
        f"Sampling: n={base.n}, k={base.k}, temperature={base.temperature}, "
        f"top_p={base.top_p}, max_tokens={base.max_tokens}, seed={base.seed}, "
        f"limit={base.limit or 'all'} tasks per suite.",
        "",
        *[f"Note: {note}" for note in notes],
        "",
        figures_table(rows, base.k, "configuration / suite", base.domain),
        "",
        f"## Failure taxonomy of the best configuration ({best.label})",
        "",
        taxonomy_markdown(results[best.name]["taxonomy"]),
        "",
        "Run folders (per-level and per-intent tables, samples): `runs/<step>/`.",
        "",
        "![ablation](ablation.png)",
    ]
    return "\n".join(parts).replace("\n\n\n", "\n\n") + "\n"
