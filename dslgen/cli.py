"""The `dslgen` command line: thin wrappers that parse flags and call library functions.

Library errors (`DslgenError`) become one plain sentence and exit code 1 here, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dslgen import __version__
from dslgen.cli_options import (
    adapter_option,
    catalog_option,
    domain_option,
    format_option,
    friendly_errors,
    model_option,
    no_retrieval_option,
    runtime_option,
)
from dslgen.errors import DslgenError, ScriptInvalidError
from dslgen.registry.cli import registry_option
from dslgen.store.cli import db_option

fixture_option = click.option(
    "--fixture",
    "--context",
    "fixture",
    type=click.Path(dir_okay=False, path_type=Path),
    help='The request\'s fixture JSON: pdflow\'s design, e.g. {"design_nets": {"CLK": "clock"}}; '
    "finance's context of facts, snippets and sentiment (--context).",
)


@click.group()
@click.version_option(__version__, prog_name="dslgen")
def main() -> None:
    """Generate, validate and execute scripts in a team's Tcl API and embedded DSL."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@fixture_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
)
@domain_option
@catalog_option
@friendly_errors
def validate(
    paths: tuple[Path, ...], fixture: Path | None, fmt: str, domain: str, catalog_path: Path | None
) -> None:
    """Validate scripts (files or directories): Tcl syntax, DSL blocks, policy, semantics.

    Exits 0 only if every file is valid. Directories are searched recursively.
    """
    from dslgen.domain import get_domain
    from dslgen.validate.files import find_scripts, load_fixture_file, validate_file
    from dslgen.validate.render import RENDERERS

    chosen = get_domain(domain, catalog_path)
    fixture_data = load_fixture_file(fixture)
    files = list(find_scripts(list(paths), chosen.script_suffix))
    if not files:
        raise click.ClickException(
            f"no {chosen.script_suffix} files found under {', '.join(map(str, paths))}"
        )
    try:
        reports = [validate_file(chosen, path, fixture_data) for path in files]
    except DslgenError as exc:
        raise click.ClickException(f"{fixture}: {exc}" if fixture else str(exc)) from exc
    click.echo(RENDERERS[fmt](reports))
    sys.exit(0 if all(r.valid for r in reports) else 1)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@fixture_option
@domain_option
@catalog_option
@friendly_errors
def execute(path: Path, fixture: Path | None, domain: str, catalog_path: Path | None) -> None:
    """Execute a script in the sandbox and print the design state JSON (exit 1 on errors)."""
    from dslgen.domain import get_domain
    from dslgen.validate.files import load_fixture_file, read_script

    chosen = get_domain(domain, catalog_path)
    fixture_data = load_fixture_file(fixture)
    text, error = read_script(path)
    if text is None:
        raise click.ClickException(
            f"{path}:{error.line if error else 0}: {error.message if error else ''}"
        )
    try:
        state = chosen.execute(text, fixture_data)
    except ScriptInvalidError as exc:
        for e in exc.report.errors:
            click.echo(f"{path}:{e.line}: {e.render()}", err=True)
        sys.exit(1)
    click.echo(json.dumps(state, indent=2))


@main.group()
def catalog() -> None:
    """Inspect and build symbol catalogs."""


@catalog.command("extract")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Catalog JSON to write.",
)
@click.option(
    "--base",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Existing catalog to merge over.",
)
@domain_option
@friendly_errors
def catalog_extract(files: tuple[Path, ...], out: Path, base: Path | None, domain: str) -> None:
    """Build a catalog from documented `proc` definitions in Tcl sources."""
    from dslgen.catalog.extract import extract_catalog, write_catalog
    from dslgen.catalog.model import load_catalog

    result = extract_catalog(list(files), load_catalog(base) if base else None, domain=domain)
    write_catalog(result.catalog, out)
    click.echo(f"wrote {out}: {len(result.procs_found)} proc(s) from {len(files)} file(s)")
    for sentence in result.untyped:
        click.echo(f"untyped: {sentence}", err=True)


@catalog.command("schema")
def catalog_schema() -> None:
    """Print the JSON Schema of the catalog format."""
    from dslgen.catalog.model import Catalog

    click.echo(json.dumps(Catalog.model_json_schema(), indent=2))


@main.command()
@click.option(
    "--instruction",
    "-i",
    "--question",
    "instruction",
    required=True,
    help="The task (finance: the question): text, or a path to a text file.",
)
@fixture_option
@click.option("--max-tokens", default=2000, show_default=True)
@click.option("--k", "k", default=8, show_default=True, help="Samples per round.")
@click.option("--temperature", default=0.3, show_default=True)
@click.option("--top-p", default=1.0, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the script here (else stdout).",
)
@model_option
@adapter_option
@runtime_option
@registry_option
@click.option("--no-grammar", is_flag=True, help="Decode without the grammar (for ablations).")
@click.option(
    "--no-grounding",
    is_flag=True,
    help="Do not ground the grammar's names, files, numbers and values in the request.",
)
@no_retrieval_option
@click.option(
    "--restrict-to-pack", is_flag=True, help="Let the grammar allow only the pack's procs."
)
@click.option("--repair-rounds", default=1, show_default=True)
@click.option("--show-pack", is_flag=True, help="Print the context pack on stderr.")
@format_option
@click.option(
    "--no-log",
    is_flag=True,
    help="Do not log this run to the interaction log (or DSLGEN_NO_LOG=1).",
)
@db_option
@domain_option
@catalog_option
@friendly_errors
def generate(
    instruction: str,
    fixture: Path | None,
    max_tokens: int,
    k: int,
    temperature: float,
    top_p: float,
    seed: int,
    out: Path | None,
    model: str | None,
    adapter: str | None,
    runtime: str,
    registry: Path | None,
    no_grammar: bool,
    no_grounding: bool,
    no_retrieval: bool,
    restrict_to_pack: bool,
    repair_rounds: int,
    show_pack: bool,
    fmt: str,
    no_log: bool,
    db: str | None,
    domain: str,
    catalog_path: Path | None,
) -> None:
    """Write a validated script for an instruction (exit 1 with the report if none validates).

    Without --model/--adapter the domain's promoted version (`dslgen models`) answers, else
    its shipped trained default; `--adapter none` asks the untuned base model.
    Every run is logged to the interaction log (see `dslgen interactions`) unless --no-log.
    """
    from dslgen.corpus.records import write_text
    from dslgen.decode.pipeline import GenerateRequest, generate_script
    from dslgen.decode.session import open_session
    from dslgen.domain import get_domain
    from dslgen.models.shipped import choose_model
    from dslgen.store.cli import log_generation_or_warn, logging_disabled
    from dslgen.validate.files import load_fixture_file

    text = (
        Path(instruction).read_text(encoding="utf-8")
        if Path(instruction).is_file()
        else instruction
    )
    chosen = get_domain(domain, catalog_path)
    request = GenerateRequest(
        text,
        load_fixture_file(fixture),
        k,
        temperature,
        top_p,
        max_tokens,
        seed,
        not no_grammar,
        restrict_to_pack,
        repair_rounds,
        grounding=not no_grounding,
    )
    status = lambda message: click.echo(f"dslgen: {message}", err=True)  # noqa: E731
    answering = choose_model(chosen, model, adapter, registry)
    if answering.note:
        status(f"note: {answering.note}")
    status(f"loading {answering.label}")
    session = open_session(
        chosen,
        answering.model,
        answering.adapter,
        use_retrieval=not no_retrieval,
        runtime=runtime,
        progress=status,
    )
    status(f"{session.runtime} serves {session.weights}")
    result = generate_script(request, chosen, session.sampler, session.build_context, status)
    if result.choice is not None and result.choice.index is not None:
        status(f"picked candidate {result.choice.index}: {result.choice.reason}")
    if show_pack:
        click.echo(
            f"--- context pack ({', '.join(result.pack_ids)}) ---\n{result.context}\n---", err=True
        )
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    elif out is None:
        click.echo(result.script, nl=False)
    if out is not None:
        write_text(out, result.script)
        status(f"wrote {out}")
    if not logging_disabled(no_log):
        logged = log_generation_or_warn(
            db,
            result,
            status,
            instruction=text,
            domain=chosen.name,
            fixture=request.fixture,
            model_id=session.model_name,
            adapter_id=session.adapter,
            model_version=answering.version,
        )
        if logged is not None:
            status(f"logged as interaction {logged} (rate it: dslgen feedback {logged} --up)")
    status(
        f"{'valid' if result.valid else 'NO VALID SCRIPT'} after {result.seconds:.1f} s, {result.tokens} tokens"
    )
    if not result.valid:
        for error in result.report.errors:
            click.echo(f"  {error.render()}", err=True)
        sys.exit(1)


@main.command()
@domain_option
@catalog_option
@click.option("--procs", help="Comma-separated procs to restrict the grammar to.")
@click.option(
    "-i", "--instruction", help="Ground the grammar in this request (as `dslgen generate` does)."
)
@click.option(
    "--fixture", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Design JSON."
)
@friendly_errors
def grammar(
    domain: str,
    catalog_path: Path | None,
    procs: str | None,
    instruction: str | None,
    fixture: Path | None,
) -> None:
    """Print the decoding grammar (Lark) compiled from the catalog, grounded in a request with -i."""
    from dslgen.domain import get_domain
    from dslgen.validate.files import load_fixture_file

    chosen = get_domain(domain, catalog_path)
    fixture_data = load_fixture_file(fixture)
    click.echo(chosen.grammar(procs.split(",") if procs else None, fixture_data, instruction))


def _register_plugins() -> None:
    """Command groups that live beside the library code they drive."""
    from dslgen.corpus.cli import corpus_group
    from dslgen.curate.cli import curate_group
    from dslgen.evals.cli import eval_group
    from dslgen.models.cli import model_group
    from dslgen.registry.cli import models_group
    from dslgen.retrieve.cli import index_group, pack_command
    from dslgen.serve.cli import serve
    from dslgen.store.cli import feedback, interactions_group
    from dslgen.sweep.cli import sweep_group
    from dslgen.train.cli import train_group

    main.add_command(corpus_group)
    main.add_command(model_group)
    main.add_command(index_group)
    main.add_command(pack_command)
    main.add_command(train_group)
    main.add_command(eval_group)
    main.add_command(feedback)
    main.add_command(interactions_group)
    main.add_command(serve)
    main.add_command(curate_group)
    main.add_command(models_group)
    main.add_command(sweep_group)


_register_plugins()

if __name__ == "__main__":
    main()
