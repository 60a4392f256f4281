"""`dslgen feedback` and `dslgen interactions list|show|export`, and the hook through which
`dslgen generate` logs its runs. Thin: flags in, store calls out, one sentence on errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dslgen.cli_options import format_option, friendly_errors

if TYPE_CHECKING:
    from dslgen.decode.pipeline import GenerateResult
    from dslgen.store.records import InteractionFilter

#: Set to 1 (or true/yes/on) to stop `dslgen generate` logging to the interaction log.
NO_LOG_ENV = "DSLGEN_NO_LOG"

db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    help="SQLAlchemy URL of the interaction log (default: interactions.sqlite in $DSLGEN_HOME, "
    "else ~/.cache/dslgen).",
)


def logging_disabled(no_log: bool) -> bool:
    """Whether `dslgen generate` should skip the log: `--no-log`, or DSLGEN_NO_LOG set truthy."""
    return no_log or os.environ.get(NO_LOG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def log_generation_or_warn(
    db: str | None,
    result: GenerateResult,
    warn: Callable[[str], None],
    **fields: Any,
) -> int | None:
    """Log a CLI generation; on any failure warn and return None.

    Logging is a by-product of generating: by the time it runs the script is already printed or
    written, and a broken database (locked, unreachable, a bug here) must never turn a
    successful generation into a failed command — so every exception becomes a warning.
    """
    from dslgen.store import open_store

    try:
        with open_store(db) as store:
            return store.log_generation(result, source="cli", **fields)
    except Exception as exc:  # see the docstring: the generated script must not be lost
        warn(f"warning: the interaction was not logged ({type(exc).__name__}: {exc})")
        return None


@click.command()
@click.argument("interaction_id", metavar="ID", type=int)
@click.option("--up", is_flag=True, help="The output was good.")
@click.option("--down", is_flag=True, help="The output was bad.")
@click.option(
    "--edit",
    "edit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file with your corrected output: validated and stored as the gold version.",
)
@click.option("--followup", is_flag=True, help="You had to ask again to get what you wanted.")
@click.option("--comment", help="A note kept with the feedback.")
@db_option
@friendly_errors
def feedback(
    interaction_id: int,
    up: bool,
    down: bool,
    edit: Path | None,
    followup: bool,
    comment: str | None,
    db: str | None,
) -> None:
    """Rate a logged generation (ID from `dslgen generate` or `dslgen interactions list`)."""
    from dslgen.store import open_store
    from dslgen.validate.files import read_script

    if sum([up, down, edit is not None, followup]) != 1:
        raise click.UsageError("give exactly one of --up, --down, --edit FILE or --followup")
    with open_store(db) as store:
        if edit is not None:
            text, error = read_script(edit)
            if text is None:
                raise click.ClickException(f"{edit}: {error.message if error else 'unreadable'}")
            stored = store.add_edit(interaction_id, text, comment)
            report = stored.edited_report or {}
            verdict = "valid" if report.get("valid") else "NOT VALID"
            click.echo(f"interaction {interaction_id}: edit stored ({verdict})")
            for e in report.get("errors", []):
                click.echo(
                    f"  {edit}:{e['line']}: {e['class']}: {e['message']}; {e['hint']}", err=True
                )
            return
        rating = "up" if up else "down" if down else None
        store.add_feedback(interaction_id, rating=rating, had_followup=followup, comment=comment)
    click.echo(
        f"interaction {interaction_id}: {'rated ' + rating if rating else 'follow-up noted'}"
    )


@click.group("interactions")
def interactions_group() -> None:
    """Read the interaction log: every generation and the feedback on it."""


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--domain", help="Only this domain."),
        click.option(
            "--since",
            type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
            help="Only interactions at or after this time (UTC).",
        ),
        click.option("--rating", type=click.Choice(["up", "down", "none"]), help="Latest rating."),
        click.option("--edited/--not-edited", default=None, help="Has (not) a user's edit."),
        click.option("--valid/--invalid", default=None, help="The output did (not) validate."),
        db_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(
    domain: str | None,
    since: datetime | None,
    rating: str | None,
    edited: bool | None,
    valid: bool | None,
) -> InteractionFilter:
    from dslgen.store.records import InteractionFilter

    return InteractionFilter(domain, since, rating, edited, valid)


@interactions_group.command("list")
@_filter_options
@click.option("--limit", default=20, show_default=True, help="Interactions per page.")
@click.option("--offset", default=0, show_default=True, help="Skip this many (newest first).")
@format_option
@friendly_errors
def interactions_list(db: str | None, limit: int, offset: int, fmt: str, **filters: Any) -> None:
    """List interactions, newest first."""
    from dslgen.store import open_store

    with open_store(db) as store:
        page = store.list_interactions(_filters(**filters), limit, offset)
    if fmt == "json":
        click.echo(json.dumps(page.to_json(), indent=2))
        return
    for item in page.items:
        edited = "edited" if item.latest_edit else "-"
        instruction = " ".join(item.instruction.split())
        click.echo(
            f"{item.id:>6}  {item.created_at:%Y-%m-%d %H:%M}  {item.domain:<8} "
            f"{'valid' if item.valid else 'invalid':<7}  {item.rating or '-':<4}  {edited:<6}  "
            f"{instruction[:60]}"
        )
    shown_to = offset + len(page.items)
    click.echo(f"{offset + 1 if page.items else 0}-{shown_to} of {page.total}", err=True)


@interactions_group.command("show")
@click.argument("interaction_id", metavar="ID", type=int)
@db_option
@friendly_errors
def interactions_show(interaction_id: int, db: str | None) -> None:
    """Print one interaction with all its samples and feedback as JSON."""
    from dslgen.store import open_store

    with open_store(db) as store:
        record = store.get(interaction_id)
    click.echo(json.dumps(record.to_json(), indent=2, ensure_ascii=False))


@interactions_group.command("export")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL to write."
)
@_filter_options
@friendly_errors
def interactions_export(out: Path, db: str | None, **filters: Any) -> None:
    """Export interactions (oldest first) with their feedback as JSONL, for curation."""
    from dslgen.store import open_store

    with open_store(db) as store:
        count = store.export_jsonl(out, _filters(**filters))
    click.echo(f"wrote {out}: {count} interaction(s)")
