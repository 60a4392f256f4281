"""The main job: instruction → context pack → constrained samples → validate → pick → repair.

Nothing here knows a domain: the grammar, the validator and the documents come through the
Domain interface; the context pack comes from the retriever when an index is available.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dslgen.decode.sampler import Sample, TextSampler
from dslgen.decode.selection import Ballot, Choice, choose, outcome_groups
from dslgen.domain import Domain
from dslgen.prompts import render_messages, render_repair_instruction
from dslgen.records import Coverage, Report


@dataclass(frozen=True)
class GenerateRequest:
    instruction: str
    fixture: dict[str, Any] | None = None
    k: int = 8
    temperature: float = 0.3
    top_p: float = 1.0
    max_tokens: int = 2000
    seed: int = 0
    use_grammar: bool = True
    restrict_to_pack: bool = False
    repair_rounds: int = 1
    grounding: bool = True  # ground the grammar's free values in the request (Domain.grammar)
    selection: str = "consensus"  # see dslgen.decode.selection


@dataclass
class Candidate:
    sample: Sample
    report: Report
    round: int
    cut_from: int | None = None  # characters the sample had before it was cut back (truncated)
    coverage: Coverage = field(default_factory=Coverage)
    group: int | None = None  # outcome group among the request's candidates

    @property
    def ballot(self) -> Ballot:
        return Ballot(
            self.report.valid, self.group, self.coverage, self.sample.logprob, self.sample.tokens
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "coverage": self.coverage.to_json(),
            "vote": round(self.coverage.weight, 4),
            "text": self.sample.text,
            "tokens": self.sample.tokens,
            "logprob": self.sample.logprob,
            "seconds": self.sample.seconds,
            "round": self.round,
            "truncated": self.cut_from is not None or self.sample.truncated,
            "cut_from_chars": self.cut_from,
            "report": self.report.to_json(),
        }


@dataclass
class GenerateResult:
    """The chosen script (or the best invalid one), and every candidate with its report."""

    script: str
    valid: bool
    report: Report
    candidates: list[Candidate]
    context: str
    pack_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    choice: Choice | None = None

    @property
    def tokens(self) -> int:
        return sum(c.sample.tokens for c in self.candidates)

    @property
    def chosen(self) -> Candidate | None:
        index = self.choice.index if self.choice else None
        return self.candidates[index] if index is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "script": self.script,
            "valid": self.valid,
            "report": self.report.to_json(),
            **(self.choice.to_json() if self.choice else {}),
            "candidates": [c.to_json() for c in self.candidates],
            "context_pack": self.pack_ids,
            "seconds": self.seconds,
            "tokens": self.tokens,
        }


#: Bump when sampling or checking changes what a request yields (eval caches key on it).
#: 3: cut back; 4: samples stop on loops; 5: the domain proposes cuts; 6: evals sample through
#: generate_script (rounds, repair and selection as users get them) and keep coverage + groups
SAMPLING_VERSION = "7"  # 7: a repeated command stops a sample; the longest valid prefix
#: Bump when grounding or coverage changes what a grounded request yields (the eval cache keys
#: grounded runs on it; ungrounded runs keep their samples).
GROUNDING_VERSION = "3"  # 3: procs and statements grounded in the asked actions


def checked(
    domain: Domain, sample: Sample, request: GenerateRequest, round_number: int
) -> Candidate:
    """A sample with its validator report; a sample cut off by the token limit is cut back, and
    a finished one that fails only on execution stands as its longest valid prefix.

    The grammar only guarantees that a *finished* sample is in the language: at `max_tokens` the
    text stops mid-command (`my::create_net -n`) or mid-object (`{"answer": "Rev`). So a
    grammar-constrained sample that fails the syntax or policy layer was stopped by the limit
    (the re-tokenised length in `Sample.truncated` can undercount by a dozen tokens, so it is not
    the test). The domain proposes what the model had written so far, longest first
    (`Domain.cut_back`: pdflow's prefixes of whole lines; finance's answer closed after its last
    complete field); the first that passes the syntax and policy layers wins, else the first that
    parses. The candidate records that it was cut, and from how many characters. Only under the
    grammar: without it there is no guarantee to restore, and ablations must see unconstrained
    output as written.
    """
    report = domain.validate(sample.text, request.fixture)
    as_written = Candidate(sample, report, round_number)
    if not request.use_grammar or report.valid:
        return as_written
    cuts = _cuts(domain, sample, request, round_number)
    if report.valid_syntax and report.policy_ok:
        # Finished, but execution rejects it (an untuned model creates the same net twice, or
        # touches the design before loading it): what it wrote up to the failing command may be
        # a valid script, so its longest valid prefix stands in for it. Coverage then says what
        # it leaves out; without one the sample stays as written, invalid.
        return next((cut for cut in cuts if cut.report.valid), as_written)
    parsing: Candidate | None = None
    for cut in cuts:
        if cut.report.valid_syntax and cut.report.policy_ok:
            return cut
        if parsing is None and cut.report.valid_syntax and not report.valid_syntax:
            parsing = cut
    return parsing or as_written


def _cuts(
    domain: Domain, sample: Sample, request: GenerateRequest, round_number: int
) -> Iterator[Candidate]:
    """The domain's shorter versions of `sample` (`Domain.cut_back`, longest first), each
    validated only when asked for, as candidates marked as cut."""
    for text in domain.cut_back(sample.text):
        shorter = dataclasses.replace(sample, text=text)
        report = domain.validate(text, request.fixture)
        yield Candidate(shorter, report, round_number, len(sample.text))


# (instruction) -> (context text, pack document ids, procs the pack covers)
ContextBuilder = Callable[[str], tuple[str, list[str], list[str] | None]]


def no_context(instruction: str) -> tuple[str, list[str], list[str] | None]:
    return "", [], None


@dataclass(frozen=True)
class Prompt:
    """What a request is sampled from: chat messages, the grammar (None: unconstrained) and the
    context pack they were built with."""

    messages: list[dict[str, str]]
    grammar: str | None
    context: str
    pack_ids: list[str]


def bound_to_domain(request: GenerateRequest, domain: Domain) -> GenerateRequest:
    """The request with the fixture its answers are validated against (see
    `Domain.request_fixture`: finance validates risk notes and tickers against the question)."""
    fixture = domain.request_fixture(request.instruction, request.fixture)
    return dataclasses.replace(request, fixture=fixture)


def prepare_prompt(
    request: GenerateRequest, domain: Domain, build_context: ContextBuilder = no_context
) -> Prompt:
    """The context pack, the decoding grammar and the messages for a request."""
    context, pack_ids, pack_procs = build_context(request.instruction)
    grammar = None
    if request.use_grammar:
        procs = pack_procs if request.restrict_to_pack else None
        instruction = request.instruction if request.grounding else None
        grammar = domain.grammar(procs, request.fixture, instruction)
    messages = render_messages(domain.name, request.instruction, context, request.fixture)
    return Prompt(messages, grammar, context, pack_ids)


def repair_messages(
    domain: Domain, broken: Candidate, context: str, fixture: dict[str, Any] | None
) -> list[dict[str, str]]:
    """The messages of a repair round: the validator's errors and the broken script."""
    repair = render_repair_instruction(broken.report.to_json()["errors"], broken.sample.text)
    return render_messages(domain.name, repair, context, fixture)


def _draw(
    sampler: TextSampler,
    request: GenerateRequest,
    messages: list[dict[str, str]],
    grammar: str | None,
    k: int,
    seed: int,
) -> list[Sample]:
    """k samples with the request's sampling settings."""
    return sampler.sample(
        messages,
        k=k,
        grammar=grammar,
        max_tokens=request.max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        seed=seed,
    )


def score_candidates(
    domain: Domain, request: GenerateRequest, batch: list[Candidate], candidates: list[Candidate]
) -> None:
    """Give the new `batch` its coverage of the request (a candidate's coverage never changes,
    so earlier rounds keep theirs), then regroup all `candidates` by executed outcome (valid
    candidates' states, compared with the domain's `outcome_matches`)."""
    for candidate in batch:
        candidate.coverage = domain.coverage(
            request.instruction, candidate.sample.text, request.fixture
        )
    states = [c.report.state if c.report.valid else None for c in candidates]
    for candidate, group in zip(candidates, outcome_groups(domain, states), strict=True):
        candidate.group = group


def generate_script(
    request: GenerateRequest,
    domain: Domain,
    sampler: TextSampler,
    build_context: ContextBuilder = no_context,
    on_status: Callable[[str], None] = lambda message: None,
) -> GenerateResult:
    """Run the pipeline: rounds of k samples, each validated (which executes it), scored and
    voted on (dslgen.decode.selection) until a valid candidate does what the request asks. A
    round with no valid candidate is followed by a repair round on the validator's errors; one
    whose valid candidates all do nothing samples again. The result's `valid` says whether the
    chosen candidate passed all four layers; `choice` says why it was chosen."""
    started = time.perf_counter()
    request = bound_to_domain(request, domain)
    prompt = prepare_prompt(request, domain, build_context)
    messages = prompt.messages
    candidates: list[Candidate] = []
    choice = Choice(None, request.selection)
    for round_number in range(request.repair_rounds + 1):
        on_status(
            f"round {round_number}: sampling {request.k} under "
            f"{'the grammar' if prompt.grammar else 'no grammar'}"
        )
        samples = _draw(
            sampler, request, messages, prompt.grammar, request.k, request.seed + round_number
        )
        batch = [checked(domain, s, request, round_number) for s in samples]
        candidates += batch
        score_candidates(domain, request, batch, candidates)
        choice = choose([c.ballot for c in candidates], request.selection)
        on_status(
            f"round {round_number}: {sum(c.report.valid for c in batch)} of {len(batch)} valid"
        )
        if choice.index is not None and candidates[choice.index].ballot.does_task:
            break
        invalid = sorted((c for c in batch if not c.report.valid), key=lambda c: -c.sample.logprob)
        if invalid:
            messages = repair_messages(domain, invalid[0], prompt.context, request.fixture)
    if choice.index is not None:
        best = candidates[choice.index]
    else:
        best = max(
            candidates,
            key=lambda c: (c.report.valid_syntax, c.report.policy_ok is True, c.sample.logprob),
        )
    return GenerateResult(
        best.sample.text,
        best.report.valid,
        best.report,
        candidates,
        prompt.context,
        prompt.pack_ids,
        time.perf_counter() - started,
        choice,
    )
