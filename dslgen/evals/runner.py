"""Run an eval: n samples per task through the decoding library, each validated and checked
against the task's expected state, resumable from the sample cache, optionally over worker
processes.

Each task runs through `dslgen.decode.pipeline.generate_script`, exactly as `dslgen generate`
and the server run a request (prompt, grounded grammar, context pack, rounds, repair and
selection); nothing here builds prompts or picks candidates itself. Every candidate is recorded
with what selection read of it, so another selection can be replayed on the cached samples.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dslgen.domain import Domain, get_domain
from dslgen.evals.cache import SampleCache, cache_key
from dslgen.evals.config import EvalConfig, EvalTask, load_tasks
from dslgen.evals.records import SampleRecord, verdicts

# progress(tasks done, tasks in all, id of the task just finished or "" for the cached ones)
Progress = Callable[[int, int, str], None]


@dataclass
class EvalRun:
    """A finished run: its config, every sample in task order, and where they came from."""

    config: EvalConfig
    tasks: list[EvalTask]
    samples: list[SampleRecord]
    cache_id: str
    cached_samples: int
    generated_samples: int
    seconds: float
    model_id: str = ""
    adapter_id: str | None = None


def run_eval(config: EvalConfig, progress: Progress | None = None) -> EvalRun:
    """Sample, validate and score every task of the config's suites; raises DslgenError (bad
    config, missing suite file or model) before any sampling starts."""
    started = time.perf_counter()
    config.check()
    config = _effective(config)
    domain = get_domain(config.domain, config.catalog_path)
    tasks = load_tasks(config)
    key = cache_key(config, domain)
    cache = SampleCache(key)
    done = cache.finished(config.n)
    todo = [t for t in tasks if (t.id, t.digest) not in done]
    report = progress or (lambda done, total, task_id: None)
    report(len(tasks) - len(todo), len(tasks), "")
    generated: dict[tuple[str, str], list[SampleRecord]] = {}
    for finished, records in enumerate(_generate(config, domain, todo), len(tasks) - len(todo) + 1):
        cache.append(records)
        generated[(records[0].task_id, records[0].task_digest)] = records
        report(finished, len(tasks), records[0].task_id)
    samples = [
        s
        for t in tasks
        for s in mark_pick(done.get((t.id, t.digest)) or generated[(t.id, t.digest)], config)
    ]
    return EvalRun(
        config,
        tasks,
        samples,
        cache.id,
        cached_samples=config.n * (len(tasks) - len(todo)),
        generated_samples=config.n * len(todo),
        seconds=time.perf_counter() - started,
        model_id=key["model"],
        adapter_id=key["adapter"],
    )


def _effective(config: EvalConfig) -> EvalConfig:
    """The config as it will really run: an adapter trained without context packs is prompted
    without them (`open_session` applies its saved prompt settings), so the cache key and the
    report say so too."""
    import dataclasses

    from dslgen.decode.session import adapter_prompt_settings

    trained = adapter_prompt_settings(config.adapter)
    if config.use_retrieval and trained.get("context") == "none":
        return dataclasses.replace(config, use_retrieval=False)
    return config


def _generate(
    config: EvalConfig, domain: Domain, tasks: list[EvalTask]
) -> Iterator[list[SampleRecord]]:
    """Each task's samples as it finishes: in this process, or over `config.workers` processes
    (each loading its own model; results arrive out of order)."""
    if not tasks:
        return
    if config.workers == 1 or len(tasks) == 1:
        from dslgen.decode.session import open_session

        session = open_session(
            domain, config.model, config.adapter, config.use_retrieval, runtime=config.runtime
        )
        for task in tasks:
            yield sample_task(config, domain, session, task)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: torch and tokenizer threads do not survive a fork.
    context = multiprocessing.get_context("spawn")
    workers = min(config.workers, len(tasks))
    with ProcessPoolExecutor(workers, context, _start_worker, (config,)) as pool:
        futures = [pool.submit(_worker_task, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def mark_pick(records: list[SampleRecord], config: EvalConfig) -> list[SampleRecord]:
    """One task's samples with `chosen` set by this run's selection. Cached samples carry the
    pick of the run that drew them, which used another selection when only the selection
    differs (without repair rounds the selection is not in the cache key: the ablation's
    consensus row replays the grounded row's samples)."""
    import dataclasses

    from dslgen.decode.selection import choose

    ordered = sorted(records, key=lambda r: r.index)
    index = choose([r.ballot for r in ordered], config.selection).index
    picked = ordered[index].index if index is not None else None
    return [dataclasses.replace(r, chosen=r.index == picked) for r in records]


def task_seed(config: EvalConfig, task: EvalTask) -> int:
    """A seed per task that does not depend on which tasks run, or in which order."""
    return config.seed * 1_000_003 + int(hashlib.sha256(task.id.encode()).hexdigest()[:7], 16)


def sample_task(
    config: EvalConfig, domain: Domain, session: Any, task: EvalTask
) -> list[SampleRecord]:
    """Every candidate `dslgen generate` draws for one task (n per round), each validated,
    scored for selection and checked for functional correctness; the chosen one is marked."""
    from dslgen.decode.pipeline import GenerateRequest, generate_script

    request = GenerateRequest(
        task.instruction,
        task.fixture,
        k=config.n,
        temperature=config.temperature,
        top_p=config.top_p,
        max_tokens=config.max_tokens,
        seed=task_seed(config, task),
        use_grammar=config.use_grammar,
        repair_rounds=config.repair_rounds,
        grounding=config.grounding,
        selection=config.selection,
    )
    result = generate_script(request, domain, session.sampler, session.build_context)
    chosen = result.choice.index if result.choice else None
    records = []
    for index, candidate in enumerate(result.candidates):
        functional = None
        if task.expected_state is not None:
            functional = bool(
                candidate.report.valid
                and candidate.report.state is not None
                and domain.outcome_matches(candidate.report.state, task.expected_state)
            )
        coverage = candidate.coverage
        records.append(
            SampleRecord(
                task_id=task.id,
                task_digest=task.digest,
                suite=task.suite,
                level=task.level,
                intent=task.intent,
                index=index,
                text=candidate.sample.text,
                tokens=candidate.sample.tokens,
                seconds=candidate.sample.seconds,
                round=candidate.round,
                first_valid=candidate.report.valid,
                functional=functional,
                logprob=candidate.sample.logprob,
                group=candidate.group,
                coverage=coverage.share,
                vote=coverage.weight,
                acts=coverage.acts,
                named=coverage.named,
                unasked=len(coverage.unasked),
                chosen=index == chosen,
                **verdicts(candidate.report),
            )
        )
    return records


_WORKER: dict[str, Any] = {}


def _start_worker(config: EvalConfig) -> None:
    """Open the worker's session, with the cores shared out: N workers each running torch's
    default thread count oversubscribe the CPU, which slows every matrix product many times."""
    import os

    from dslgen.decode.session import open_session, resolve_runtime

    threads = max(1, (os.cpu_count() or 1) // config.workers)
    if resolve_runtime(config.runtime) == "llama.cpp":
        os.environ["DSLGEN_THREADS"] = str(threads)
    else:
        import torch

        torch.set_num_threads(threads)

    domain = get_domain(config.domain, config.catalog_path)
    _WORKER.update(
        config=config,
        domain=domain,
        session=open_session(
            domain, config.model, config.adapter, config.use_retrieval, runtime=config.runtime
        ),
    )


def _worker_task(task: EvalTask) -> list[SampleRecord]:
    return sample_task(_WORKER["config"], _WORKER["domain"], _WORKER["session"], task)
