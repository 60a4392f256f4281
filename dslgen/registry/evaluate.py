"""The gate's eval: one `EvalConfig` for every version (only model and adapter differ), run
through `dslgen.evals.runner.run_eval`, scored per suite as `SuiteScore`s.

Greedy decoding, one sample per task and a task limit by default, so a gate runs on a CPU in
minutes; the eval's sample cache makes evaluating the promoted version again nearly free.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from dslgen.evals.config import EvalConfig
from dslgen.evals.metrics import summarize
from dslgen.evals.records import SampleRecord
from dslgen.evals.runner import Progress, run_eval
from dslgen.registry.records import ModelVersion, SuiteScore

DEFAULT_LIMIT = 24  # tasks per suite: a few minutes per version on two CPU cores
DEFAULT_MAX_TOKENS = 512


def gate_config(
    domain: str,
    suites: tuple[str, ...] | None = None,
    heldout: tuple[str, ...] = (),
    **fields: object,
) -> EvalConfig:
    """The eval every version of a gate runs: greedy n = k = 1 unless `fields` say otherwise;
    `suites` default to the domain's headline suites; `heldout` are extra suite files."""
    from dslgen.domain import get_domain

    chosen = suites if suites is not None else get_domain(domain).headline_suites
    settings: dict[str, object] = {
        "n": 1,
        "k": 1,
        "temperature": 0.0,
        "limit": DEFAULT_LIMIT,
        "max_tokens": DEFAULT_MAX_TOKENS,
    }
    settings.update({k: v for k, v in fields.items() if v is not None})
    config = EvalConfig(
        domain=domain,
        suites=tuple(chosen),
        extra_suites=tuple(str(Path(p).resolve()) for p in heldout),
        **settings,  # type: ignore[arg-type]
    )
    config.check()
    return config


def eval_settings(config: EvalConfig) -> dict[str, object]:
    """The settings recorded with each score (what makes two scores comparable)."""
    from dslgen.models.wheel import sha256

    out: dict[str, object] = {
        name: getattr(config, name)
        for name in ("n", "temperature", "top_p", "limit", "max_tokens", "seed")
    }
    out |= {"grammar": config.use_grammar, "retrieval": config.use_retrieval}
    if config.extra_suites:
        out["suite_files"] = {path: sha256(Path(path)) for path in config.extra_suites}
    return out


def scores_of(samples: list[SampleRecord], settings: dict[str, object]) -> dict[str, SuiteScore]:
    """Each suite's pass@1 and valid rate, in the order the suites' samples come."""
    by_suite: dict[str, list[SampleRecord]] = defaultdict(list)
    for sample in samples:
        by_suite[sample.suite].append(sample)
    scores = {}
    for suite, group in by_suite.items():
        figures = summarize(group, [1])
        scores[suite] = SuiteScore(
            tasks=figures["tasks"],
            samples=figures["samples"],
            scored_tasks=len({s.task_id for s in group if s.functional is not None}),
            pass_at_1=figures["pass@1"],
            valid_rate=figures["valid_rate"],
            settings=settings,
        )
    return scores


def evaluate_version(
    version: ModelVersion, config: EvalConfig, progress: Progress | None = None
) -> dict[str, SuiteScore]:
    """Run the gate's eval on `version` (its base model and adapter); raises DslgenError (bad
    suite, missing model) before sampling starts."""
    run = run_eval(config.with_changes(model=version.base_model, adapter=version.adapter), progress)
    return scores_of(run.samples, eval_settings(run.config))
