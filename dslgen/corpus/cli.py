"""`dslgen corpus build|evals`. Registered by `dslgen.cli`.

Thin: flags in, `dslgen.corpus` calls out; library errors become one sentence and exit code 1.
"""

from __future__ import annotations

from pathlib import Path

import click

from dslgen.cli_options import domain_option, friendly_errors


@click.group("corpus")
def corpus_group() -> None:
    """Build training data and the held-out eval suites."""


@corpus_group.command("build")
@domain_option
@click.option("--n", "n", default=50_000, show_default=True, help="Positive examples to generate.")
@click.option("--seed", default=1, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("corpus/build"),
    show_default=True,
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    help="Worker processes (output does not depend on it).",
)
@click.option(
    "--negative-rate",
    default=0.5,
    show_default=True,
    help="Share of train/dev positives that also yield a negative.",
)
@friendly_errors
def corpus_build(
    domain: str, n: int, seed: int, out: Path, workers: int, negative_rate: float
) -> None:
    """Write train/dev/test splits, negatives, repair pairs and a stats report."""
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
    from dslgen.corpus.write import write_corpus

    config = CorpusConfig(
        domain=domain, n=n, seed=seed, workers=workers, negative_rate=negative_rate
    )
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        bar = progress.add_task("validating examples", total=n)
        examples = list(generate_examples(config, lambda k: progress.advance(bar, k)))
    built = assemble(config, iter(examples))
    stats = write_corpus(config, built, out, time.perf_counter() - started)
    counts = stats["counts"]
    click.echo(
        f"wrote {out}: train {counts['train']}, dev {counts['dev']}, test {counts['test']}, "
        f"negatives {counts['negatives']}, repairs {counts['repairs']} in {stats['seconds']:.1f} s "
        f"({n / stats['seconds']:.0f} examples/s); overlap {stats['overlap']}"
    )
    for failure in built.failures[:10]:
        click.echo(f"generator failure: {failure}", err=True)


@corpus_group.command("evals")
@domain_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Default: evals/DOMAIN."
)
@click.option("--seed", default=7, show_default=True)
@friendly_errors
def corpus_evals(domain: str, out: Path | None, seed: int) -> None:
    """Build the frozen held-out eval suites (syntax, unit, scenario), and the hand-phrased
    suite from its source (evals/DOMAIN/handwritten.toml) where there is one."""
    from dslgen.corpus.evals import build_eval_suites
    from dslgen.evals.handwritten import SUITE, build_handwritten_suite

    target = out or Path("evals") / domain
    counts = build_eval_suites(domain, target, seed)
    source = Path("evals") / domain / f"{SUITE}.toml"
    if source.is_file():
        counts[SUITE] = build_handwritten_suite(source, target / f"{SUITE}.jsonl", domain)
    click.echo(f"wrote {target}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
