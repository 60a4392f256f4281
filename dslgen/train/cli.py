"""`dslgen train` and `dslgen train merge`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dslgen.cli_options import friendly_errors
from dslgen.registry.cli import registry_option


@click.group("train", invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--domain", default=None, help="Domain to train (default: pdflow or the config's).")
@click.option("--model", default=None, help="Base model: local folder or hub id.")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), help="Corpus folder.")
@click.option("--curated", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--curated-weight", type=float, help="Copies of each curated example per stage.")
@click.option(
    "--synthetic-share-max",
    type=click.FloatRange(0.0, 1.0),
    help="Cap on the synthetic share of a stage's rows when it has curated examples.",
)
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="Run folder prefix.")
@click.option("--max-steps", type=int)
@click.option("--batch-size", type=int)
@click.option("--learning-rate", type=float)
@click.option("--lora-r", type=int)
@click.option("--lora-alpha", type=int)
@click.option("--context", type=click.Choice(["pack", "oracle", "none"]))
@click.option("--budget", type=int, help="Context-pack token budget.")
@click.option("--repair-share", type=float)
@click.option("--dev-tasks", type=int, help="Dev tasks scored at each stage end (0: off).")
@click.option("--dev-max-tokens", type=int, help="Token limit of each dev generation.")
@click.option("--online-filter/--no-online-filter", default=None)
@click.option("--save-steps", type=int)
@click.option("--seed", type=int)
@click.option("--quantize", type=click.Choice(["auto", "nf4", "none"]))
@click.option(
    "--no-register", is_flag=True, help="Do not register the run as a candidate model version."
)
@registry_option
@click.pass_context
@friendly_errors
def train_group(
    ctx: click.Context,
    config_path: Path | None,
    no_register: bool,
    registry: Path | None,
    **flags: Any,
) -> None:
    """Fine-tune a LoRA adapter (QLoRA on CUDA) with a curriculum; re-run to resume.

    Settings come from --config (TOML, see docs/training.md) and the flags, which win. The
    finished run is registered as a candidate version (`dslgen models`) unless --no-register.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dslgen.train.config import load_train_config
    from dslgen.train.trainer import train

    names = {"lora_r": "lora.r", "lora_alpha": "lora.alpha", "curated": "curated"}
    overrides = {names.get(k, k): v for k, v in flags.items()}
    if not overrides["curated"]:
        overrides["curated"] = None
    config = load_train_config(config_path, overrides)
    outcome = train(config, say=lambda message: click.echo(message, err=True))
    click.echo(
        f"run {outcome.run}: {outcome.steps} steps, {outcome.seconds:.0f} s training, "
        f"{outcome.tokens_per_second:.0f} tokens/s, final loss "
        f"{outcome.final_loss if outcome.final_loss is None else round(outcome.final_loss, 4)}"
    )
    if outcome.dev:
        click.echo(
            f"dev: valid {outcome.dev['dev_valid_rate']:.2f}, "
            f"functional {outcome.dev['dev_functional_rate']:.2f} "
            f"on {outcome.dev['dev_tasks']} tasks"
        )
    click.echo(f"adapter: {outcome.run / 'adapter'}  (dslgen generate --adapter {outcome.run})")
    if not no_register:
        _register(outcome.run, registry)


def _register(run: Path, registry: Path | None) -> None:
    """Register the finished run as a candidate version; a failure says how to do it later."""
    from dslgen.errors import RegistryError
    from dslgen.registry import ModelRegistry
    from dslgen.registry.sources import version_from_run

    try:
        version = ModelRegistry(registry).add(version_from_run(run))
    except RegistryError as exc:
        raise RegistryError(
            f"{exc} — the run is saved; register it with `dslgen models register --run {run}`"
        ) from exc
    click.echo(f"registered {version.domain} {version.name} ({version.status})")


@train_group.command("merge")
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option("--base", default=None, help="Base model, when RUN is a bare adapter folder.")
@friendly_errors
def merge_command(run: Path, out: Path, base: str | None) -> None:
    """Write RUN's base model with its adapter merged in (usable as --model)."""
    from dslgen.train.merge import merge_run

    click.echo(f"merged model: {merge_run(run, out, base)}")


@train_group.command("dpo")
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="[default: RUN/dpo]")
@click.option("--tasks", type=int, help="Train-split tasks to sample for pairs.")
@click.option("--k", type=int, help="Samples per task.")
@click.option("--max-steps", type=int)
@click.option("--beta", type=float)
@click.option("--gate-limit", type=int, help="Tasks per held-out suite in the gate's eval.")
@friendly_errors
def dpo_command(run: Path, config_path: Path | None, out: Path | None, **flags: Any) -> None:
    """The preference stage after SFT: DPO on pairs the executor ranks, kept only if the gate
    says it beats the SFT adapter on the held-out suites (see docs/training.md)."""
    from dslgen.domain import get_domain
    from dslgen.train.preference import load_preference_config, train_preference
    from dslgen.train.run import read_json

    setup = read_json(run / "config.json") or {}
    domain = get_domain(setup.get("config", {}).get("domain", "pdflow"))
    config = load_preference_config(config_path, flags)
    outcome = train_preference(run, domain, config, out, say=lambda m: click.echo(m, err=True))
    for name, suites in outcome.scores.items():
        figures = ", ".join(
            f"{suite} {value:.3f}" for suite, value in suites.items() if value is not None
        )
        click.echo(f"{name}: pass@1 {figures}")
    verdict = "kept" if outcome.kept else "not kept"
    click.echo(f"DPO adapter {verdict}: {outcome.reason} ({outcome.pairs} pairs)")
    click.echo(f"adapter: {outcome.folder / 'adapter'}")
