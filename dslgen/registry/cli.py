"""`dslgen models register|list|show|promote|rollback|compare`. Registered by `dslgen.cli`.

Thin: flags in, registry calls out; library errors become one sentence and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from dslgen.cli_options import domain_option, format_option, friendly_errors, no_retrieval_option
from dslgen.store.cli import db_option

registry_option = click.option(
    "--registry",
    "registry",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The registry file  [default: $DSLGEN_REGISTRY, else registry.json in $DSLGEN_HOME]",
)


def _print(renderable: object) -> None:
    from rich.console import Console

    Console(width=160).print(renderable)


@click.group("models")
def models_group() -> None:
    """Versions of each domain's model: register, promote through the regression gate, roll
    back, compare. `dslgen generate` and `dslgen serve` use the promoted version."""


@models_group.command("register")
@click.option(
    "--run",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A finished training run folder (runs/<name>-NNN).",
)
@click.option("--base", is_flag=True, help="Register the base model alone (no adapter).")
@click.option("--model", help="With --base: a local model folder or hub id  [default: SmolLM2]")
@click.option("--notes", default="", help="A note kept with the version.")
@domain_option
@registry_option
@friendly_errors
def register_command(
    run: Path | None,
    base: bool,
    model: str | None,
    notes: str,
    domain: str,
    registry: Path | None,
) -> None:
    """Register a training run (or, with --base, the bare base model) as a candidate version."""
    from dslgen.registry.file import ModelRegistry
    from dslgen.registry.sources import version_from_base, version_from_run

    if (run is None) == (not base):
        raise click.UsageError("give either --run RUN or --base")
    if model is not None and not base:
        raise click.UsageError("--model goes with --base; a run records its own base model")
    version = version_from_run(run, notes) if run else version_from_base(domain, model, notes)
    added = ModelRegistry(registry).add(version)
    click.echo(f"registered {added.domain} {added.name} ({added.status}): {added.describe()}")


@models_group.command("list")
@click.option("--domain", default=None, help="Only this domain's versions.")
@format_option
@registry_option
@friendly_errors
def list_command(domain: str | None, fmt: str, registry: Path | None) -> None:
    """Every registered version, with its status and latest gate scores."""
    from dslgen.registry.file import ModelRegistry
    from dslgen.registry.render import versions_table

    book = ModelRegistry(registry).read()
    versions = book.of_domain(domain) if domain else book.versions
    if fmt == "json":
        click.echo(json.dumps([v.model_dump(mode="json") for v in versions], indent=2))
    elif not versions:
        click.echo("no versions registered yet: `dslgen train` or `dslgen models register`")
    else:
        _print(versions_table(versions))


@models_group.command("show")
@click.argument("version")
@domain_option
@registry_option
@friendly_errors
def show_command(version: str, domain: str, registry: Path | None) -> None:
    """A version as JSON: model, adapter, run, data, scores, status and its history."""
    from dslgen.registry.file import ModelRegistry

    book = ModelRegistry(registry).read()
    found = book.find(domain, version)
    history = [e.model_dump(mode="json") for e in book.events_of(domain, version)]
    click.echo(json.dumps(found.model_dump(mode="json") | {"history": history}, indent=2))


@models_group.command("promote")
@click.argument("version")
@click.option(
    "--threshold",
    default=0.05,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Refuse if any suite's pass@1 or valid rate falls by more than this (absolute).",
)
@click.option("--force", is_flag=True, help="Promote even if the gate refuses (recorded).")
@click.option("--suites", help="Comma-separated suites  [default: the domain's headline suites]")
@click.option(
    "--heldout",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Curated held-out tasks (JSONL, `dslgen curate export --heldout-out`); repeatable.",
)
@click.option("--limit", default=24, show_default=True, type=click.IntRange(min=1))
@click.option("--max-tokens", default=512, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1))
@no_retrieval_option
@click.option("--evals-dir", type=click.Path(file_okay=False), help="[default: evals/DOMAIN]")
@domain_option
@registry_option
@friendly_errors
def promote_command(
    version: str,
    threshold: float,
    force: bool,
    suites: str | None,
    heldout: tuple[str, ...],
    limit: int,
    max_tokens: int,
    seed: int,
    workers: int,
    no_retrieval: bool,
    evals_dir: str | None,
    domain: str,
    registry: Path | None,
) -> None:
    """Evaluate VERSION and the promoted version alike (greedy, one sample per task), show
    them side by side, and promote VERSION unless a suite's metric drops by more than
    --threshold. See docs/registry.md."""
    from dslgen.evals.config import parse_suites
    from dslgen.registry import evaluate
    from dslgen.registry.file import ModelRegistry
    from dslgen.registry.gate import decide
    from dslgen.registry.render import gate_table

    book = ModelRegistry(registry).read()
    candidate = book.find(domain, version)
    if candidate.status == "promoted":
        raise click.ClickException(f"{domain} {version} is the promoted version already")
    current = book.promoted(domain)
    config = evaluate.gate_config(
        domain,
        parse_suites(suites, domain) if suites else None,
        heldout,
        limit=limit,
        max_tokens=max_tokens,
        seed=seed,
        workers=workers,
        use_retrieval=not no_retrieval,
        evals_dir=evals_dir,
    )
    scores = {}
    for chosen in [candidate, current] if current else [candidate]:
        click.echo(f"dslgen: evaluating {domain} {chosen.name} ({chosen.describe()})", err=True)
        scores[chosen.name] = evaluate.evaluate_version(chosen, config)
        ModelRegistry(registry).record_scores(domain, chosen.name, scores[chosen.name])
    decision = decide(scores[current.name] if current else None, scores[version], threshold)
    _print(gate_table(decision, current.name if current else None, version))
    if not decision.passed and not force:
        raise click.ClickException(
            f"{domain} {version} not promoted: {decision.reason()}; "
            f"{current.name if current else 'the current version'} stays promoted "
            "(--force promotes anyway, recorded in the history)"
        )
    ModelRegistry(registry).promote(
        domain, version, forced=force, threshold=threshold, figures=decision.rows
    )
    forced = " (forced past the gate)" if force and not decision.passed else ""
    click.echo(f"promoted {domain} {version}{forced}")


@models_group.command("rollback")
@domain_option
@registry_option
@friendly_errors
def rollback_command(domain: str, registry: Path | None) -> None:
    """Retire the promoted version and promote again the one it replaced (recorded)."""
    from dslgen.registry.file import ModelRegistry

    event = ModelRegistry(registry).rollback(domain)
    click.echo(
        f"rolled back {domain}: {event.version} is promoted again ({event.previous} retired)"
    )


@models_group.command("compare")
@click.argument("version_a")
@click.argument("version_b")
@db_option
@domain_option
@format_option
@registry_option
@friendly_errors
def compare_command(
    version_a: str, version_b: str, db: str | None, domain: str, fmt: str, registry: Path | None
) -> None:
    """Two versions from the interaction log (valid, thumbs-up and edit rates) and their gate
    scores: rates with 95 % Wilson intervals and Fisher's exact test per metric."""
    from dslgen.registry.compare import comparison_json, score_comparisons, usage_comparisons
    from dslgen.registry.file import ModelRegistry
    from dslgen.registry.render import comparison_table
    from dslgen.registry.usage import version_usage
    from dslgen.store import open_store

    book = ModelRegistry(registry).read()
    a, b = book.find(domain, version_a), book.find(domain, version_b)
    with open_store(db) as store:
        usage = (version_usage(store, domain, a.name), version_usage(store, domain, b.name))
    rows = usage_comparisons(*usage) + score_comparisons(a, b)
    if fmt == "json":
        click.echo(json.dumps(comparison_json(domain, a, b, usage, rows), indent=2))
        return
    generations = {u.version: u.generations for u in usage}
    _print(comparison_table(a.name, b.name, rows, generations))
    significant = [r.metric for r in rows if (p := r.p_value) is not None and p < 0.05]
    click.echo(
        "significant at p < 0.05: " + ", ".join(significant)
        if significant
        else "no difference is significant (every p ≥ 0.05 or no data): not significant"
    )
