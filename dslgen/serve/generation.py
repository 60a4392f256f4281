"""A generation request, from checked body to logged interaction — through the CLI's pipeline.

`dslgen generate` and the server run the same `generate_script` on the same kind of session
(`open_session`); the server adds only what a shared service needs: the fixture is checked
before the request is queued (a bad fixture is the caller's 422, not the worker's failure), the
deadline stops sampling at the next token (and no new round starts), and the result is logged only if the requester
still waits (see jobs.py), with source "api" and the caller's client_id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from dslgen.decode.pipeline import GenerateRequest, GenerateResult, generate_script
from dslgen.serve.ab import ABRouter, Arm
from dslgen.serve.jobs import DeadlineExceededError, Job
from dslgen.serve.schemas import GenerateBody

if TYPE_CHECKING:
    from dslgen.decode.sampler import TextSampler
    from dslgen.decode.session import GenerationSession
    from dslgen.store import InteractionStore

log = logging.getLogger("dslgen.serve")


@dataclass(frozen=True)
class GenerationPayload:
    """What the worker needs from a request: the pipeline's request, who asked, and the model
    version (arm) that answers them."""

    request: GenerateRequest
    client_id: str | None
    arm: Arm


class _DeadlineSampler:
    """The session's sampler, bound to a job's deadline: no round starts once nobody waits,
    and a round in progress stops at the next token after the deadline passes (or the
    requester gives up), so a late request frees the worker at once instead of running to
    max_tokens."""

    def __init__(self, sampler: TextSampler, job: Job) -> None:
        self._sampler, self._job = sampler, job

    def sample(self, *args: Any, **kwargs: Any) -> Any:
        self._job.check_alive()
        samples = self._sampler.sample(*args, stop_when=self._job.expired, **kwargs)
        self._job.check_alive()
        return samples


class LoggedGeneration:
    """Turns checked request bodies into pipeline requests, and runs them in the worker with
    the session of the version the router picks for the client."""

    def __init__(
        self,
        session: GenerationSession,
        store: InteractionStore,
        router: ABRouter | None = None,
    ) -> None:
        self.session = session
        self.store = store
        self.router = router or ABRouter(Arm(session, None))

    def payload(self, body: GenerateBody) -> GenerationPayload:
        """The pipeline request for a body; raises the domain's FixtureError (a ValueError) for
        a fixture it cannot use, before anything is queued."""
        domain = self.session.domain
        domain.validate("", domain.request_fixture(body.instruction, body.fixture))
        request = GenerateRequest(
            instruction=body.instruction,
            fixture=body.fixture,
            k=body.k,
            temperature=body.temperature,
            max_tokens=body.max_tokens,
            seed=body.seed,
            repair_rounds=body.repair_rounds,
        )
        return GenerationPayload(request, body.client_id, self.router.pick(body.client_id))

    def run(self, job: Job) -> dict[str, Any]:
        """Generate, log if the requester still waits, and return the response body."""
        payload: GenerationPayload = job.payload
        session = payload.arm.session
        sampler = cast("TextSampler", _DeadlineSampler(session.sampler, job))
        result = generate_script(payload.request, session.domain, sampler, session.build_context)
        if not job.commit():
            raise DeadlineExceededError("the deadline passed before the result was logged")
        interaction_id = self.store.log_generation(
            result,
            instruction=payload.request.instruction,
            domain=session.domain.name,
            fixture=payload.request.fixture,
            model_id=session.model_name,
            adapter_id=session.adapter,
            source="api",
            client_id=payload.client_id,
            model_version=payload.arm.version,
        )
        log.info(
            "interaction %d (%s): %s, %d tokens, %.2f s",
            interaction_id,
            payload.arm.version or "unversioned",
            "valid" if result.valid else "invalid",
            result.tokens,
            result.seconds,
        )
        return response_body(interaction_id, result, session, payload.arm.version)


def response_body(
    interaction_id: int,
    result: GenerateResult,
    session: GenerationSession,
    model_version: str | None = None,
) -> dict[str, Any]:
    """The API's answer: the chosen script and report, and every other candidate with its own."""
    data = result.to_json()
    others = [
        candidate
        for candidate, raw in zip(data["candidates"], result.candidates, strict=True)
        if raw.report is not result.report
    ]
    chosen = result.chosen
    selection = result.choice.to_json() if result.choice else {}
    if chosen is not None:
        selection.update(
            group=chosen.group, coverage=chosen.coverage.to_json(), vote=chosen.coverage.weight
        )
    return {
        "id": interaction_id,
        "script": data["script"],
        "valid": data["valid"],
        "report": data["report"],
        "candidates": others,
        "selection": selection,
        "latency_s": data["seconds"],
        "tokens": data["tokens"],
        "model": session.model_name,
        "adapter": session.adapter,
        "model_version": model_version,
        "runtime": session.runtime,
        "weights": session.weights,
    }
