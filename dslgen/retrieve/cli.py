"""`dslgen index build` and `dslgen pack`: thin commands over the retrieval library.

Registered by `dslgen.cli` (`index_group`, `pack_command`). Library errors become one sentence
and exit code 1; progress and notes go to stderr, results to stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from dslgen.cli_options import catalog_option, domain_option
from dslgen.errors import DslgenError, IndexStaleError, ModelNotAvailableError
from dslgen.retrieve.pack import DEFAULT_BUDGET
from dslgen.retrieve.search import METHODS


class _ProgressBar:
    """Adapts `build_index`'s progress(step, done, total) to one click progress bar on stderr."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="embedding documents", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done
        if step == "save":
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group("index")
def index_group() -> None:
    """The retrieval index of a domain's catalog and examples (dense + BM25)."""


@index_group.command("build")
@domain_option
@catalog_option
def build(domain: str, catalog_path: Path | None) -> None:
    """Embed and index the domain's documents; prints the index folder.

    The index lives in $DSLGEN_HOME/index/DOMAIN (default ~/.cache/dslgen) and records the
    catalog's sha256: after a catalog change, packs refuse or rebuild it. Works offline.
    """
    from dslgen.domain import get_domain
    from dslgen.retrieve.index import build_and_save_index

    progress = _ProgressBar()
    started = time.perf_counter()
    try:
        index = build_and_save_index(get_domain(domain, catalog_path), progress=progress)
    except DslgenError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    seconds = time.perf_counter() - started
    click.echo(f"indexed {len(index.docs)} documents of {domain} in {seconds:.1f} s", err=True)
    click.echo(str(index.directory))


@click.command("pack")
@click.argument("instruction")
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Most tokens of context, as the model's tokenizer counts them.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the reference text of the prompt; json: also the documents, symbols and size.",
)
@click.option(
    "--method",
    type=click.Choice(list(METHODS)),
    default="hybrid",
    show_default=True,
    help="How documents are ranked.",
)
@click.option(
    "--tokenizer",
    "tokenizer_spec",
    default=None,
    help="Model whose tokenizer counts the budget (a folder or hub id)  [default: the default "
    "model, or an over-estimate when it is not fetched]",
)
@click.option(
    "--no-rebuild",
    is_flag=True,
    help="Refuse a missing or stale index instead of rebuilding it.",
)
@domain_option
@catalog_option
def pack_command(
    instruction: str,
    budget: int,
    fmt: str,
    method: str,
    tokenizer_spec: str | None,
    no_rebuild: bool,
    domain: str,
    catalog_path: Path | None,
) -> None:
    """Print the context pack for INSTRUCTION: the catalog slice a model needs to write it."""
    from dslgen.domain import get_domain
    from dslgen.retrieve.pack import build_context_pack

    try:
        chosen = get_domain(domain, catalog_path)
        index = _load_or_rebuild(chosen, rebuild=not no_rebuild)
        counter = _counter(tokenizer_spec)
        pack = build_context_pack(index, instruction, budget, counter, method=method)
    except DslgenError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(pack.to_json(), indent=2))
    else:
        click.echo(pack.render())


def _load_or_rebuild(domain: Any, rebuild: bool) -> Any:
    from dslgen.retrieve.index import load_index

    try:
        return load_index(domain)
    except IndexStaleError as exc:
        if not rebuild:
            raise
        click.echo(f"note: rebuilding the retrieval index: {exc.reason}", err=True)
    return load_index(domain, rebuild=True)


def _counter(spec: str | None) -> Any:
    """The tokenizer's counter; without `--tokenizer`, fall back to the estimate with a note."""
    from dslgen.retrieve.tokens import estimate_tokens, tokenizer_counter

    try:
        return tokenizer_counter(spec)
    except ModelNotAvailableError as exc:
        if spec is not None:
            raise
        click.echo(f"note: counting tokens with an over-estimate ({exc})", err=True)
        return estimate_tokens
