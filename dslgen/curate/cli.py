"""`dslgen curate candidates|promote|reject|export|review`: turn logged interactions into
training examples and a held-out suite (see docs/curation.md).

Registered by `dslgen.cli`. Thin: flags in, `dslgen.curate` calls out; library errors become one
sentence and exit code 1. Scores are checked by the library, not by click, so a bad one is a
sentence with exit code 1 like every other bad input.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dslgen.cli_options import format_option, friendly_errors
from dslgen.store.cli import db_option

if TYPE_CHECKING:
    from dslgen.curate.hygiene import Hygiene
    from dslgen.curate.reviews import ReviewStore

_DATES = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
since_option = click.option(
    "--since", type=click.DateTime(_DATES), help="Only interactions at or after this time (UTC)."
)
domain_filter = click.option("--domain", help="Only this domain (default: every domain).")
reviewer_option = click.option(
    "--reviewer", help="Who decides  [default: $DSLGEN_REVIEWER, else your login name]"
)
corpus_option = click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A `dslgen corpus build` folder: flag near-duplicates of its train.jsonl.",
)
evals_dir_option = click.option(
    "--evals-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Eval suite files refused as leakage  [default: evals/DOMAIN]",
)


@click.group("curate")
def curate_group() -> None:
    """Review logged interactions and export the accepted ones as training data."""


def _warn(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


def _hygiene_factory(reviews: ReviewStore, corpus_dir: Path | None, evals_dir: Path | None) -> Any:
    from dslgen.curate.hygiene import Hygiene

    def build(domain: str) -> Hygiene:
        return Hygiene.build(reviews, domain, corpus_dir, evals_dir)

    return build


@curate_group.command("candidates")
@since_option
@domain_filter
@click.option("--limit", default=20, show_default=True, help="Candidates to list.")
@db_option
@format_option
@friendly_errors
def candidates(
    since: datetime | None, domain: str | None, limit: int, db: str | None, fmt: str
) -> None:
    """List unreviewed interactions worth review: edited, then thumbs-up, then thumbs-down."""
    from dslgen.curate import CandidateFilter, ReviewStore, list_candidates
    from dslgen.store import open_store

    with open_store(db) as store:
        found = list_candidates(ReviewStore(store), CandidateFilter(domain, since), limit)
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in found], indent=2, ensure_ascii=False))
        return
    for candidate in found:
        record = candidate.interaction
        instruction = " ".join(record.instruction.split())
        click.echo(
            f"{record.id:>6}  {candidate.signal:<6}  {record.created_at:%Y-%m-%d %H:%M}  "
            f"{record.domain:<8} {instruction[:60]}"
        )
    click.echo(f"{len(found)} candidate(s)", err=True)


@curate_group.command("promote")
@click.argument("interaction_id", metavar="ID", type=int)
@click.option("--score", type=int, required=True, help="How good an example it is, 1-10.")
@click.option("--category", required=True, help="A level (e.g. unit) or a topic (e.g. routing).")
@click.option(
    "--output",
    "output_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file with the fixed gold output (default: the latest edit, else the output).",
)
@reviewer_option
@corpus_option
@evals_dir_option
@click.option(
    "--force-duplicate", is_flag=True, help="Promote an exact duplicate of a known example."
)
@click.option("--comment", help="A note kept with the decision.")
@db_option
@friendly_errors
def promote_command(
    interaction_id: int,
    score: int,
    category: str,
    output_file: Path | None,
    reviewer: str | None,
    corpus_dir: Path | None,
    evals_dir: Path | None,
    force_duplicate: bool,
    comment: str | None,
    db: str | None,
) -> None:
    """Accept an interaction as a curated example (it must validate and execute)."""
    from dslgen.curate import ReviewStore, promote, read_gold_file
    from dslgen.store import open_store

    text = read_gold_file(output_file) if output_file is not None else None
    with open_store(db) as store:
        reviews = ReviewStore(store)
        done = promote(
            reviews,
            interaction_id,
            score=score,
            category=category,
            hygiene=_hygiene_factory(reviews, corpus_dir, evals_dir),
            reviewer=reviewer,
            output=text,
            force_duplicate=force_duplicate,
            comment=comment,
        )
    for message in [*done.warnings, *(f.message for f in done.flags)]:
        _warn(message)
    click.echo(
        f"interaction {interaction_id}: accepted (score {score}, {done.review.category}; "
        f"gold output from the {done.source})"
    )


@curate_group.command("reject")
@click.argument("interaction_id", metavar="ID", type=int)
@reviewer_option
@click.option("--comment", help="Why (kept with the decision).")
@db_option
@friendly_errors
def reject_command(
    interaction_id: int, reviewer: str | None, comment: str | None, db: str | None
) -> None:
    """Reject an interaction: it leaves the candidate list and is never exported."""
    from dslgen.curate import ReviewStore, reject
    from dslgen.store import open_store

    with open_store(db) as store:
        reject(ReviewStore(store), interaction_id, reviewer=reviewer, comment=comment)
    click.echo(f"interaction {interaction_id}: rejected")


@curate_group.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Training JSONL (corpus records) for `dslgen train --curated`.",
)
@click.option("--min-score", default=6, show_default=True, help="Lowest score exported.")
@click.option(
    "--heldout-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the held-out examples here as eval tasks (suite `curated`).",
)
@click.option(
    "--heldout-share",
    default=0.2,
    show_default=True,
    help="Share held out, by a stable hash of the interaction id.",
)
@domain_filter
@db_option
@friendly_errors
def export_command(
    out: Path,
    min_score: int,
    heldout_out: Path | None,
    heldout_share: float,
    domain: str | None,
    db: str | None,
) -> None:
    """Export accepted examples; a held-out share never goes into --out."""
    from dslgen.curate import export_curated
    from dslgen.store import open_store

    with open_store(db) as store:
        summary = export_curated(
            store,
            out,
            min_score=min_score,
            heldout_out=heldout_out,
            heldout_share=heldout_share,
            domain=domain,
        )
    click.echo(f"wrote {out}: {summary.train} example(s)")
    where = f"wrote {heldout_out}" if heldout_out else "not written (give --heldout-out)"
    click.echo(f"held out {summary.heldout}: {where}")
    if summary.dropped_near_heldout:
        _warn(
            f"{summary.dropped_near_heldout} example(s) left out of {out}: near-duplicates of "
            "held-out ones"
        )


@curate_group.command("review")
@since_option
@domain_filter
@reviewer_option
@corpus_option
@evals_dir_option
@db_option
@friendly_errors
def review_command(
    since: datetime | None,
    domain: str | None,
    reviewer: str | None,
    corpus_dir: Path | None,
    evals_dir: Path | None,
    db: str | None,
) -> None:
    """Walk the candidates: a accept, r reject, e edit, s skip, q quit (resumable)."""
    from dslgen.curate import CandidateFilter, ReviewStore, default_reviewer
    from dslgen.curate.walk import ReviewWalk
    from dslgen.store import open_store

    with open_store(db) as store:
        reviews = ReviewStore(store)
        walk = ReviewWalk(
            reviews,
            CandidateFilter(domain, since),
            reviewer or default_reviewer(),
            _hygiene_factory(reviews, corpus_dir, evals_dir),
        )
        tally = walk.run()
    click.echo(f"{tally.summary()}; decisions are stored, run again to go on")
