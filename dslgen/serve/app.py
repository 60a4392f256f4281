"""`create_app(settings)`: load the model and open the log once, then serve the API and page.

Loading happens here, before the server binds, so a missing model or an unreachable database
is one sentence at start-up rather than a failure on the first request. Tests pass a session and
a store they opened once to share them between apps.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles

from dslgen import __version__
from dslgen.domain import Domain, get_domain
from dslgen.serve.ab import ABRouter, Arm, served_models
from dslgen.serve.errors import install_error_handlers
from dslgen.serve.generation import LoggedGeneration
from dslgen.serve.guard import RequestGuard
from dslgen.serve.jobs import GenerationQueue
from dslgen.serve.routes import STATIC, ServerState, api, open_routes
from dslgen.serve.schemas import ExampleFixture
from dslgen.serve.settings import ServeSettings

if TYPE_CHECKING:
    from dslgen.decode.session import GenerationSession
    from dslgen.store import InteractionStore

EXAMPLE_SEED = 7  # the picker shows the same examples on every start


class FiniteJSONResponse(JSONResponse):
    """JSON without NaN/Infinity (not JSON, and refused by Starlette): a sample's log-probability
    is -inf when it is empty, so such numbers become null instead of a 500."""

    def render(self, content: Any) -> bytes:
        return super().render(_finite(content))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def example_fixtures(domain: Domain) -> list[ExampleFixture]:
    """One held-out task per curriculum level: its fixture, and an instruction that fits it."""
    rng = random.Random(EXAMPLE_SEED)
    examples = []
    for level in domain.levels:
        task = domain.make_task(rng, level, "test")
        summary = " ".join(task.instruction.split())
        summary = summary if len(summary) <= 60 else summary[:57] + "..."
        examples.append(
            ExampleFixture(
                name=f"{level}: {summary}", instruction=task.instruction, fixture=task.fixture
            )
        )
    return examples


def create_app(
    settings: ServeSettings,
    session: GenerationSession | None = None,
    store: InteractionStore | None = None,
    candidate_session: GenerationSession | None = None,
) -> FastAPI:
    """The server's app. Loads the served version (unless `session` is given) and the A/B
    candidate (unless `candidate_session` is given) and opens the interaction log (unless
    `store` is given); raises DslgenError with one sentence if any of them fails."""
    from dslgen.decode.session import open_session
    from dslgen.store import open_store

    domain = session.domain if session else get_domain(settings.domain, settings.catalog)
    served = served_models(settings, domain)
    if session is None:
        primary = served.primary
        session = open_session(
            domain,
            primary.model,
            primary.adapter,
            use_retrieval=settings.retrieval,
            runtime=settings.runtime,
        )
    candidate = None
    if served.candidate is not None:
        if candidate_session is None:
            candidate_session = open_session(
                domain,
                served.candidate.model,
                served.candidate.adapter,
                use_retrieval=settings.retrieval,
                runtime=settings.runtime,
            )
        candidate = Arm(candidate_session, served.candidate.version, served.candidate.label)
    primary_arm = Arm(session, served.primary.version, served.primary.label, served.primary.note)
    router = ABRouter(primary_arm, candidate, served.share)
    owns_store = store is None
    log_store = store if store is not None else open_store(settings.db)
    generation = LoggedGeneration(session, log_store, router)
    jobs = GenerationQueue(generation.run, settings.queue_size)
    state = ServerState(
        settings, session.domain, generation, jobs, log_store, example_fixtures(session.domain)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()
            if owns_store:
                log_store.close()

    app = FastAPI(
        title="dslgen",
        version=__version__,
        description="Generate, validate and rate scripts; every generation is logged.",
        lifespan=lifespan,
        default_response_class=FiniteJSONResponse,
    )
    app.state.dslgen = state
    install_error_handlers(app)
    # Declares the bearer scheme in the OpenAPI docs; RequestGuard does the checking.
    docs_auth = [Depends(HTTPBearer(auto_error=False))] if settings.token else []
    app.include_router(api, dependencies=docs_auth)
    app.include_router(open_routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(RequestGuard, token=settings.token, max_body_bytes=settings.max_body_bytes)
    return app
