"""`dslgen eval` (run an eval), `dslgen eval compare RUN...` and `dslgen eval ablation`.

Registered by `dslgen.cli` (`eval_group`). Progress goes to stderr, the summary table and the run
folder to stdout; library errors become one sentence and exit code 1.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dslgen.cli_options import (
    adapter_value,
    catalog_option,
    domain_option,
    friendly_errors,
    no_retrieval_option,
    runtime_option,
)
from dslgen.evals.config import EvalConfig, parse_suites

if TYPE_CHECKING:
    from dslgen.evals.runner import Progress


def _sampling_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags every eval shares (the fields of EvalConfig)."""
    defaults = EvalConfig()
    options = [
        click.option("--n", "n", default=defaults.n, show_default=True, help="Samples per task."),
        click.option("--k", "k", default=defaults.k, show_default=True, help="k of pass@k (≤ n)."),
        click.option(
            "--limit",
            type=int,
            help="N tasks of each suite, round-robin over its levels (CPU evals are slow).",
        ),
        click.option(
            "--temperature",
            default=defaults.temperature,
            show_default=True,
            help="0 (greedy) needs --n 1.",
        ),
        click.option("--top-p", default=defaults.top_p, show_default=True),
        click.option("--max-tokens", default=defaults.max_tokens, show_default=True),
        click.option("--seed", default=defaults.seed, show_default=True),
        click.option(
            "--model", help="Local model folder or hub id (default: the fetched SmolLM2)."
        ),
        runtime_option,
        click.option(
            "--workers",
            default=defaults.workers,
            show_default=True,
            help="Worker processes, each loading its own model.",
        ),
        click.option(
            "--evals-dir",
            type=click.Path(file_okay=False),
            help="Folder of the suite files  [default: evals/DOMAIN]",
        ),
        click.option(
            "--data-dir",
            type=click.Path(file_okay=False),
            help="Third-party data of real-data suites (finance: tatqa, sec)  "
            "[default: $DSLGEN_DATA_DIR or ../shared/data]",
        ),
        domain_option,
        catalog_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(
    suite: str | None, catalog_path: Path | None, headline: int = 1, **fields: Any
) -> EvalConfig:
    """The config of the flags; no --suite means the domain's first `headline` headline suites."""
    from dslgen.domain import get_domain

    domain = fields.get("domain", "pdflow")
    suites = parse_suites(suite, domain) if suite else get_domain(domain).headline_suites[:headline]
    config = EvalConfig(
        suites=suites,
        catalog_path=str(catalog_path) if catalog_path else None,
        **fields,
    )
    config.check()
    return config


def _with_default_adapter(config: EvalConfig) -> EvalConfig:
    """The config with the adapter that answers (`choose_model`): the one given, none for
    'none', else the domain's shipped default where its language matches; says which."""
    from dslgen.domain import get_domain
    from dslgen.models.shipped import choose_model

    domain = get_domain(config.domain, config.catalog_path)
    answering = choose_model(domain, config.model, config.adapter)
    if answering.note:
        click.echo(f"dslgen eval: note: {answering.note}", err=True)
    click.echo(f"dslgen eval: answering with {answering.label}", err=True)
    return dataclasses.replace(config, model=answering.model, adapter=answering.adapter)


@contextmanager
def _progress_bar() -> Iterator[Callable[[str], Progress]]:
    """A rich progress bar on stderr; `for_step(label)` gives run_eval's progress callback."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=Console(stderr=True), transient=True) as bar_set:
        bar = bar_set.add_task("", total=None)

        def for_step(label: str) -> Progress:
            bar_set.reset(bar, description=label, total=None)

            def update(done: int, total: int, task_id: str) -> None:
                bar_set.update(bar, completed=done, total=total)

            return update

        yield for_step


def _command_line() -> str:
    return "dslgen " + " ".join(shlex.quote(a) for a in sys.argv[1:])


@click.group("eval", invoke_without_command=True)
@click.option(
    "--suite",
    default=None,
    help="A suite of the domain (pdflow: unit, scenario, syntax; finance: synthetic, tatqa, "
    "sec), all, or a comma-separated list  [default: the domain's headline suite]",
)
@click.option(
    "--suite-file",
    "suite_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Also evaluate this JSONL file of eval tasks (e.g. curated held-out tasks); repeatable.",
)
@_sampling_options
@click.option(
    "--adapter",
    callback=adapter_value,
    help="A LoRA adapter or run; 'none': the untuned base model  [default: the domain's "
    "shipped trained default]",
)
@click.option("--no-grammar", is_flag=True, help="Sample without the decoding grammar.")
@click.option(
    "--no-grounding", is_flag=True, help="Do not ground the grammar in each task's request."
)
@click.option(
    "--selection",
    type=click.Choice(["consensus", "logprob"]),
    default="consensus",
    show_default=True,
    help="How the picked candidate (pass@1 picked) is chosen.",
)
@no_retrieval_option
@click.option(
    "--repair-rounds",
    default=0,
    show_default=True,
    help="Repair rounds after a round with no valid candidate (as `dslgen generate`).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder  [default: $DSLGEN_HOME/evals/TIMESTAMP-LABEL]",
)
@click.pass_context
@friendly_errors
def eval_group(
    ctx: click.Context,
    suite: str | None,
    suite_files: tuple[str, ...],
    no_grammar: bool,
    no_grounding: bool,
    no_retrieval: bool,
    out: Path | None,
    catalog_path: Path | None,
    **fields: Any,
) -> None:
    """Evaluate a model on the held-out suites: n samples per task, validated and executed.

    Reports Tcl/DSL parse rates, mixed and policy compliance, functional correctness, pass@1 and
    pass@k, latency and tokens per sample — per suite, level and intent — in a run folder
    (results.json, samples.jsonl, report.md, PNG charts). Finished tasks are cached: a rerun or
    an interrupted run picks up where it stopped. See docs/evals.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dslgen.evals.report import default_run_dir, write_run
    from dslgen.evals.runner import run_eval

    config = _config(
        suite,
        catalog_path,
        use_grammar=not no_grammar,
        grounding=not no_grounding,
        use_retrieval=not no_retrieval,
        extra_suites=suite_files,
        **fields,
    )
    config = _with_default_adapter(config)
    folder = out or default_run_dir(config.label())
    with _progress_bar() as for_step:
        run = run_eval(config, for_step(f"eval {config.label()}"))
    write_run(run, folder, _command_line())
    _print_summary(folder)
    click.echo(
        f"{run.generated_samples} samples generated, {run.cached_samples} from the cache "
        f"in {run.seconds:.1f} s",
        err=True,
    )
    click.echo(str(folder))


def _print_summary(folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from dslgen.evals.report import columns, load_results

    results = load_results(folder)
    k = max(results["ks"])
    metrics = results["metrics"]
    table = Table(title=f"eval {folder.name}")
    table.add_column("suite")
    chosen = columns(results["config"]["domain"])
    for _, title, _ in chosen:
        table.add_column(title.replace("pass@k", f"pass@{k}"), justify="right")
    for name, figures in {"all": metrics["overall"], **metrics["by_suite"]}.items():
        key_of = lambda key: f"pass@{k}" if key == "pass@k" else key  # noqa: E731
        cells = [
            "–" if figures.get(key_of(key)) is None else fmt.format(figures[key_of(key)])
            for key, _, fmt in chosen
        ]
        table.add_row(name, *cells)
    Console(width=160).print(table)


@eval_group.command("compare")
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the table to this .md file and a chart beside it (.png).",
)
@friendly_errors
def compare_command(runs: tuple[Path, ...], out: Path | None) -> None:
    """Put eval RUN folders side by side: one table of the key figures per run and suite."""
    from dslgen.corpus.records import write_text
    from dslgen.evals.compare import compare_runs, write_comparison_chart

    table, loaded = compare_runs(list(runs))
    click.echo(table)
    if out is not None:
        chart = out.with_suffix(".png")
        write_comparison_chart(loaded, chart)
        write_text(out, f"# Eval runs compared\n\n{table}\n\n![runs]({chart.name})\n")
        click.echo(f"wrote {out} and {chart}", err=True)


@eval_group.command("ablation")
@click.option(
    "--suites", default=None, help="Suites of the table  [default: the domain's headline suites]"
)
@click.option(
    "--steps",
    "kind",
    type=click.Choice(["pipeline", "selection"]),
    default="pipeline",
    show_default=True,
    help="pipeline: + grammar, + retrieval, + adapter, + repair; selection: current pick, "
    "+ grounding, + coverage and consensus.",
)
@_sampling_options
@click.option(
    "--adapter",
    callback=adapter_value,
    help="The SFT adapter or training run; 'none' skips the SFT row  [default: the domain's "
    "shipped trained default]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/results/ablation"),
    show_default=True,
)
@friendly_errors
def ablation_command(
    suites: str | None,
    kind: str,
    adapter: str | None,
    out: Path,
    catalog_path: Path | None,
    **fields: Any,
) -> None:
    """Base model unconstrained, + grammar, + retrieval, + SFT adapter, + repair round: each
    through the same eval (sharing its cache), in one table with the command that made it."""
    from dslgen.evals.ablation import run_ablation

    base = _config(suites, catalog_path, headline=2, **fields)
    adapter = _with_default_adapter(dataclasses.replace(base, adapter=adapter)).adapter
    with _progress_bar() as for_step:
        path = run_ablation(
            base,
            adapter,
            out,
            _command_line(),
            progress=lambda step: for_step(f"ablation: {step}"),
            kind=kind,
        )
    click.echo(path)
