"""Each trial runs in a child process of its worker.

Why: a trial's figures must be its own. In one long-lived process the allocator keeps what
earlier trials freed, so a worker's resident set only grows (3.5 → 6.2 GB over 24 CPU trials
in docs/results/sweep.md) and a later trial's "peak memory" was mostly its predecessors'. A fresh
process per trial measures the trial alone, returns all its memory (and a GPU's) when it ends,
and keeps one trial's crash from taking the worker down.

The child talks to the study itself (reporting stage-end figures, asking whether to prune)
through the same RDB storage, and sends its outcome back over a pipe. It exits when its worker
dies, so a killed sweep leaves no trial training on in the background.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError
from dslgen.sweep.config import SweepConfig, SweepError, Value
from dslgen.sweep.trial import TrialOutcome


class TrialPrunedInChild(Exception):
    """The child pruned the trial; the message says at which stage."""


def run_trial_in_child(
    sweep: SweepConfig,
    params: dict[str, Value],
    folder: Path,
    storage_url: str,
    trial_id: int,
) -> TrialOutcome:
    """Run one trial (see `dslgen.sweep.trial.run_trial`) in a fresh process and return what it
    measured; raises TrialPrunedInChild or SweepError."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child_main,
        args=(
            sweep.model_dump_json(),
            params,
            str(folder),
            storage_url,
            trial_id,
            os.getpid(),
            sender,
        ),
        name=f"dslgen-trial-{trial_id}",
    )
    process.start()
    sender.close()  # the child holds the only sending end: its death ends the pipe
    try:
        kind, payload = receiver.recv()
    except EOFError:
        kind, payload = "died", None
    finally:
        process.join()
        receiver.close()
    if kind == "done":
        return TrialOutcome(**payload)
    if kind == "pruned":
        raise TrialPrunedInChild(payload)
    if kind == "error":
        raise SweepError(payload)
    if kind == "crash":
        raise SweepError(f"the trial failed in its process: {payload}")
    raise SweepError(
        f"the trial's process ended (exit code {process.exitcode}) before reporting: killed, or "
        "out of memory? Run the sweep again to retry it"
    )


def _child_main(
    config_json: str,
    params: dict[str, Value],
    folder: str,
    storage_url: str,
    trial_id: int,
    parent_pid: int,
    sender: Any,
) -> None:
    _exit_with_parent(parent_pid)
    try:
        sender.send(_run(config_json, params, Path(folder), storage_url, trial_id))
    except DslgenError as exc:
        sender.send(("error", str(exc)))
    except Exception:  # noqa: BLE001 - reported to the worker, which stops with one sentence
        lines = traceback.format_exc().strip().splitlines()
        traceback.print_exc()  # the whole traceback on the child's stderr, for a bug report
        sender.send(("crash", lines[-1]))
    finally:
        sender.close()


def _run(
    config_json: str, params: dict[str, Value], folder: Path, storage_url: str, trial_id: int
) -> tuple[str, Any]:
    import optuna

    from dslgen.sweep.study import open_study
    from dslgen.sweep.trial import intermediate_figure, run_trial

    sweep = SweepConfig.model_validate_json(config_json)
    study = open_study(sweep, storage_url, create=False, check=False)
    trial = optuna.trial.Trial(study, trial_id)

    def on_dev(stage: int, step: int, row: dict[str, Any]) -> None:
        figure = intermediate_figure(sweep, row)
        trial.report(figure, stage)
        if trial.should_prune():
            raise optuna.TrialPruned(f"stage {stage} (step {step}): dev {figure:.2f}")

    try:
        outcome = run_trial(sweep, params, folder, on_dev=on_dev, say=_say)
    except optuna.TrialPruned as pruned:
        return "pruned", str(pruned)
    return "done", asdict(outcome)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _exit_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """End this process as soon as the worker that started it is gone (a killed sweep)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(interval)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
