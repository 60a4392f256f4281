"""`dslgen serve`: flags in, a `ServeSettings` out, uvicorn on the app. Nothing else.

FastAPI, uvicorn and the model are imported when the command runs, so registering the command
costs the rest of the CLI nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from dslgen.cli_options import (
    adapter_option,
    catalog_option,
    domain_option,
    friendly_errors,
    model_option,
    no_retrieval_option,
    runtime_option,
)
from dslgen.registry.cli import registry_option
from dslgen.store.cli import db_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@domain_option
@catalog_option
@model_option
@adapter_option
@runtime_option
@registry_option
@click.option(
    "--ab",
    metavar="VERSION:SHARE",
    help="A/B test: send this share of clients (by a hash of their client_id) to candidate "
    "VERSION, e.g. v4:0.2; requests without a client_id get the promoted version.",
)
@db_option
@click.option(
    "--token",
    envvar="DSLGEN_SERVE_TOKEN",
    help="Bearer token every /v1 request must send (or DSLGEN_SERVE_TOKEN, which keeps it out "
    "of the process list). Required to bind anything but 127.0.0.1.",
)
@click.option(
    "--queue",
    "queue_size",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Generation requests that may wait; more get 429 with Retry-After.",
)
@click.option(
    "--deadline",
    "deadline_s",
    default=120.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a generation request may take, queue time included; then 504.",
)
@click.option(
    "--max-body",
    "max_body_bytes",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(min=1024),
    help="Largest request body in bytes; larger ones get 413.",
)
@no_retrieval_option
@friendly_errors
def serve(
    host: str,
    port: int,
    domain: str,
    catalog_path: Path | None,
    model: str | None,
    adapter: str | None,
    runtime: str,
    registry: Path | None,
    ab: str | None,
    db: str | None,
    token: str | None,
    queue_size: int,
    deadline_s: float,
    max_body_bytes: int,
    no_retrieval: bool,
) -> None:
    """Serve the JSON API (docs at /docs) and the web page at /; every generation is logged.

    Binds 127.0.0.1 unless told otherwise; any other address needs --token.
    """
    import logging

    from dslgen.serve.settings import ServeSettings
    from dslgen.store.engine import default_url, shown

    settings = ServeSettings(
        host=host,
        port=port,
        domain=domain,
        catalog=str(catalog_path) if catalog_path else None,
        model=model,
        adapter=adapter,
        db=db,
        token=token,
        queue_size=queue_size,
        deadline_s=deadline_s,
        max_body_bytes=max_body_bytes,
        retrieval=not no_retrieval,
        runtime=runtime,
        registry=str(registry) if registry else None,
        ab=ab,
    )
    try:
        import uvicorn

        from dslgen.serve.app import create_app
    except ImportError as exc:
        raise click.ClickException(
            f"the server needs {exc.name}: pip install 'dslgen[serve]'"
        ) from exc
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    click.echo(f"dslgen serve: loading the model for {domain}", err=True)
    app = create_app(settings)
    router = app.state.dslgen.generation.router
    session = router.primary.session
    click.echo(f"dslgen serve: {session.runtime} serves {session.weights}", err=True)
    click.echo(f"dslgen serve: serving {router.primary.label}", err=True)
    if router.primary.note:
        click.echo(f"dslgen serve: note: {router.primary.note}", err=True)
    if router.candidate is not None:
        click.echo(
            f"dslgen serve: A/B: {router.share:.0%} of clients go to {router.candidate.version}",
            err=True,
        )
    click.echo(
        f"dslgen serve: http://{host}:{port}/ (API docs at /docs); "
        f"logging to {shown(db or default_url())}; "
        f"{'token required (browsers: open /?token=<token> once)' if token else 'no token'}",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
