"""Click options and error handling shared by every command group (main CLI, model, index).

Command groups that live beside their library code cannot import `dslgen.cli` (it imports them),
so what they share lives here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from dslgen.errors import DslgenError

F = TypeVar("F", bound=Callable[..., Any])

domain_option = click.option(
    "--domain", default="pdflow", show_default=True, help="Target language (a registered domain)."
)
catalog_option = click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this catalog file instead of the domain's own (a team's API).",
)

format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
no_retrieval_option = click.option(
    "--no-retrieval", is_flag=True, help="No context pack in the prompt."
)
# what answers a generation (`generate`, `serve`): given, or the domain's promoted version
model_option = click.option(
    "--model",
    help="Local model folder or hub id (default: the domain's promoted version, else its "
    "shipped trained default on the fetched SmolLM2-135M-Instruct).",
)


def adapter_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A folder that exists, or one of the two names (checked here, so a typo is one line)."""
    if value is None or value in {"none", "default"}:
        return value
    if not Path(value).is_dir():
        raise click.BadParameter(
            f"{value} is not a folder; give an adapter folder or training run, 'default' "
            "(the shipped trained default) or 'none' (the untuned base model)"
        )
    return value


adapter_option = click.option(
    "--adapter",
    callback=adapter_value,
    help="A LoRA adapter folder or training run; 'default': the shipped trained default "
    "(also where its catalog differs); 'none': the untuned base model.",
)


runtime_option = click.option(
    "--runtime",
    type=click.Choice(["auto", "llama.cpp", "transformers"]),
    default="auto",
    show_default=True,
    help="Decoding runtime: llama.cpp (fast on CPU), transformers (GPUs), or auto (llama.cpp "
    "on a machine with no NVIDIA GPU that has it installed).",
)


def friendly_errors(func: F) -> F:
    """Turn library errors into click errors (one sentence, exit 1), never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DslgenError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]
