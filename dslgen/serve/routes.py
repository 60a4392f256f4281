"""The JSON API under /v1 and the open routes (/healthz, the page). Thin: check, call, answer.

Handlers that touch the database or the validator are plain `def`s (FastAPI runs them in its
thread pool, so a slow query never stalls the event loop); /v1/generate is `async` because it
only waits — the work happens in the generation worker, and waiting holds no thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from dslgen.domain import Domain
from dslgen.serve.generation import LoggedGeneration
from dslgen.serve.jobs import GenerationQueue
from dslgen.serve.schemas import (
    ExampleFixture,
    FeedbackBody,
    FeedbackResponse,
    FixturesResponse,
    GenerateBody,
    GenerateResponse,
    ValidateBody,
)
from dslgen.serve.settings import ServeSettings
from dslgen.store import InteractionFilter, InteractionStore

STATIC = FilePath(__file__).parent / "static"
MAX_ID = 2**63 - 1  # the database's integer: a larger id cannot exist, and cannot be bound

InteractionId = Annotated[int, Path(ge=1, le=MAX_ID, description="An interaction id.")]


@dataclass
class ServerState:
    """Everything the routes share, loaded once at start-up."""

    settings: ServeSettings
    domain: Domain
    generation: LoggedGeneration
    jobs: GenerationQueue
    store: InteractionStore
    fixtures: list[ExampleFixture]


def server(request: Request) -> ServerState:
    state: ServerState = request.app.state.dslgen
    return state


api = APIRouter(prefix="/v1", tags=["v1"])
open_routes = APIRouter()


@api.post("/generate", response_model=GenerateResponse)
async def generate(body: GenerateBody, request: Request) -> dict[str, Any]:
    """Generate a script (k samples, validated, the best chosen), log it, return it with its id.

    429 with Retry-After when the queue is full; 504 when the deadline passes first."""
    state = server(request)
    payload = await run_in_threadpool(state.generation.payload, body)
    job = state.jobs.submit(payload, state.settings.deadline_s)
    result: dict[str, Any] = await state.jobs.result(job)
    return result


@api.post("/validate")
def validate(body: ValidateBody, request: Request) -> dict[str, Any]:
    """The validator's report on a script: every layer's verdict, errors with line and hint."""
    domain = server(request).domain
    fixture = body.fixture
    if body.instruction is not None:
        fixture = domain.request_fixture(body.instruction, fixture)
    return domain.validate(body.script, fixture).to_json()


@api.post("/feedback/{interaction_id}", response_model=FeedbackResponse)
def feedback(interaction_id: InteractionId, body: FeedbackBody, request: Request) -> Any:
    """Rate, edit, flag a follow-up or comment on an interaction. An edit is validated with the
    interaction's own domain and fixture and stored with its report, valid or not."""
    store = server(request).store
    stored, report = [], None
    if body.edited_output is not None:
        edit = store.add_edit(interaction_id, body.edited_output, body.comment)
        stored.append(edit)
        report = edit.edited_report
    comment = body.comment if body.edited_output is None else None
    if body.rating is not None or body.had_followup or comment:
        stored.append(
            store.add_feedback(
                interaction_id,
                rating=body.rating,
                had_followup=body.had_followup,
                comment=comment,
            )
        )
    return {
        "interaction_id": interaction_id,
        "feedback": [row.to_json() for row in stored],
        "report": report,
    }


@api.get("/interactions")
def list_interactions(
    request: Request,
    domain: Annotated[str | None, Query(max_length=100)] = None,
    since: datetime | None = None,
    rating: Literal["up", "down", "none"] | None = None,
    edited: bool | None = None,
    valid: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """A page of interactions, newest first, with the total that match the filters."""
    filters = InteractionFilter(domain, since, rating, edited, valid)
    return server(request).store.list_interactions(filters, limit, offset).to_json()


@api.get("/interactions/{interaction_id}")
def show_interaction(interaction_id: InteractionId, request: Request) -> dict[str, Any]:
    """One interaction with all its samples and feedback (the export format)."""
    return server(request).store.get(interaction_id).to_json()


@api.get("/fixtures", response_model=FixturesResponse)
def fixtures(request: Request) -> Any:
    """Example fixtures (with an instruction that fits each) for the page's picker."""
    state = server(request)
    return {"domain": state.domain.name, "fixtures": state.fixtures}


@open_routes.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    """Liveness for load balancers: no token needed, and nothing in it is secret."""
    jobs = server(request).jobs
    return {"status": "ok", "queue": {"waiting": jobs.waiting, "capacity": jobs.capacity}}


@open_routes.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")
