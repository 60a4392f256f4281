"""`dslgen sweep run`: an Optuna study over the sweep's grid, one trial at a time per worker.

The study lives in an Optuna RDB storage (SQLite in the sweep folder by default; a PostgreSQL URL
lets several workers, on one machine or many, share one study). Every finished trial is also
appended to the worker's `results.jsonl`, and its figures are kept on the Optuna trial, so a
report can be made from the study alone.

A killed sweep resumes: running it again finds the trials its dead workers left RUNNING (a dead
process on this host at once; a silent worker elsewhere once its heartbeat is 3 intervals old),
marks them failed and queues their configurations again, and each retried trial resumes its
training run from the last checkpoint.
"""

from __future__ import annotations

import json
import os
import socket
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_text
from dslgen.paths import exclusive_lock
from dslgen.sweep.config import SweepConfig, SweepError, Value, params_key

Say = Callable[[str], None]
STUDY_FILE = "study.db"
RESULTS_FILE = "results.jsonl"


@dataclass
class SweepSummary:
    study: str
    storage: str
    finished: int  # complete + pruned trials in the study
    ran: int  # trials this worker ran now
    best_value: float | None
    best_params: dict[str, Value] | None


def default_storage(folder: Path) -> str:
    return f"sqlite:///{(folder / STUDY_FILE).resolve()}"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def open_study(
    sweep: SweepConfig, storage_url: str, create: bool = True, check: bool = True
) -> Any:
    """The sweep's study in `storage_url` (made if `create`), with its sampler and pruner;
    `check`: refuse a study made with other fixed settings (a trial's own process skips it: its
    config carries the corpus the worker chose)."""
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failures are reported by the CLI
    database = _sqlite_file(storage_url)
    if database is not None and create:
        database.parent.mkdir(parents=True, exist_ok=True)
    elif database is not None and not database.is_file():  # opening would make an empty one
        raise SweepError(
            f"no study {sweep.name!r}: {database} does not exist; run `dslgen sweep run` first"
        )
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    try:
        storage = _storage(sweep, storage_url)
        if create:
            study = optuna.create_study(
                storage=storage,
                sampler=_sampler(sweep),
                pruner=_pruner(sweep),
                study_name=sweep.name,
                direction="maximize",
                load_if_exists=True,
            )
        else:
            study = optuna.load_study(
                study_name=sweep.name,
                storage=storage,
                sampler=_sampler(sweep),
                pruner=_pruner(sweep),
            )
    except KeyError as exc:
        raise SweepError(
            f"no study {sweep.name!r} in {_shown(storage_url)}; run `dslgen sweep run` first"
        ) from exc
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise SweepError(
            f"cannot open the study storage {_shown(storage_url)}: {exc}; give an Optuna RDB "
            "URL such as sqlite:///sweeps/study.db or postgresql+psycopg://user@host/db"
        ) from exc
    if not check:
        return study
    made_with = study.user_attrs.get("fingerprint")
    if made_with is None and create:
        study.set_user_attr("fingerprint", sweep.fingerprint())
        study.set_user_attr("config", sweep.model_dump(mode="json"))
    elif made_with is not None and made_with != sweep.fingerprint():
        raise SweepError(
            f"the study {sweep.name!r} in {_shown(storage_url)} was made with other fixed "
            "settings ([train], [eval], domain, seed or objective); give the sweep another name"
        )
    return study


def _storage(sweep: SweepConfig, storage_url: str, attempts: int = 5) -> Any:
    """The RDB storage; when workers start at once on a new database, one creating Optuna's
    tables races the others (a duplicate type or table), so a loser waits and opens it again."""
    import optuna
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(1, attempts + 1):
        try:
            return optuna.storages.RDBStorage(
                storage_url,
                heartbeat_interval=sweep.heartbeat_seconds,
                grace_period=3 * sweep.heartbeat_seconds,
                heartbeat_stale_trial_callback=_retry(),
            )
        except (IntegrityError, ProgrammingError):
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def run_sweep(
    sweep: SweepConfig,
    folder: Path,
    storage_url: str | None = None,
    trials: int | None = None,
    say: Say = lambda message: None,
) -> SweepSummary:
    """Run trials until the study has `trials` finished ones (default: the config's count, else
    the whole grid); other workers on the same storage count towards it."""
    import optuna

    folder.mkdir(parents=True, exist_ok=True)
    storage_url = storage_url or default_storage(folder)
    study = open_study(sweep, storage_url)
    # what `sweep predict --transfer` and `sweep report` read back from the folder
    write_text(folder / "sweep.json", json.dumps(sweep.model_dump(mode="json"), indent=2) + "\n")
    sweep = with_corpus(sweep, folder, say)
    recovered = recover_dead_trials(study)
    if recovered:
        say(f"re-queued {recovered} trial(s) left running by a stopped worker")
    grid = sweep.grid()
    target = trials or sweep.trials
    if target is None:
        if sweep.sampler != "grid":
            raise SweepError(f"the {sweep.sampler} sampler needs a trial count: give --trials")
        target = len(grid)
    finished_states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    before = len(study.get_trials(deepcopy=False, states=finished_states))
    if before >= target:
        say(f"the study already has {before} finished trial(s) (target {target}); nothing to do")
        return _summary(study, storage_url, 0)
    say(
        f"study {sweep.name}: {before}/{target} trials finished, grid of {len(grid)}, "
        f"storage {_shown(storage_url)}"
    )
    ran = _optimize(
        study,
        sweep,
        folder,
        storage_url,
        say,
        callbacks=[optuna.study.MaxTrialsCallback(target, states=finished_states)],
    )
    return _summary(study, storage_url, ran)


def run_queued(
    sweep: SweepConfig,
    folder: Path,
    storage_url: str,
    configs: list[dict[str, Value]],
    say: Say = lambda message: None,
) -> int:
    """Run the given configurations as trials of the study (`dslgen sweep predict`'s top-k)."""
    study = open_study(sweep, storage_url)
    sweep = with_corpus(sweep, folder, say)
    for params in configs:
        study.enqueue_trial(params, skip_if_exists=True)
    return _optimize(study, sweep, folder, storage_url, say, n_trials=len(configs))


def _optimize(
    study: Any,
    sweep: SweepConfig,
    folder: Path,
    storage_url: str,
    say: Say,
    n_trials: int | None = None,
    callbacks: list[Any] | None = None,
) -> int:
    """Run trials of `study` until `n_trials` or a callback (or the grid's end) stops it."""
    counter = {"ran": 0}
    study.optimize(
        lambda trial: _objective(sweep, folder, storage_url, trial, say, counter),
        n_trials=n_trials,
        callbacks=callbacks,
        gc_after_trial=True,
    )
    return counter["ran"]


def with_corpus(sweep: SweepConfig, folder: Path, say: Say) -> SweepConfig:
    """The sweep with a corpus every trial shares: `[train] corpus`, else one built once in the
    sweep folder (a corpus per trial would cost minutes each and differ between trials)."""
    if sweep.train.get("corpus"):
        return sweep
    from dslgen.sweep.trial import trial_train_config
    from dslgen.train.trainer import build_corpus

    config = trial_train_config(sweep, sweep.grid()[0], folder / "trials")
    corpus = build_corpus(folder / "corpus", config, say)
    return sweep.model_copy(update={"train": sweep.train | {"corpus": str(corpus)}})


def recover_dead_trials(study: Any) -> int:
    """Fail and re-queue the RUNNING trials whose worker was a process on this host that no
    longer exists (a killed sweep). Workers elsewhere are left to the heartbeat."""
    import optuna
    import psutil

    storage = study._storage  # noqa: SLF001 - the storage the study was opened with
    retry = _retry()
    host = socket.gethostname()
    count = 0
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get("worker", "")).rpartition(":")
        if worker_host != host or not pid.isdigit() or psutil.pid_exists(int(pid)):
            continue
        if storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL):  # noqa: SLF001
            retry(study, storage.get_trial(trial._trial_id))  # noqa: SLF001
            count += 1
    return count


def _objective(
    sweep: SweepConfig,
    folder: Path,
    storage_url: str,
    trial: Any,
    say: Say,
    counter: dict[str, int],
) -> float:
    """One trial: its settings drawn here, trained and scored in a child process."""
    import optuna

    from dslgen.sweep.child import TrialPrunedInChild, run_trial_in_child

    params = {
        name: trial.suggest_categorical(name, values)
        for name, values in sweep.space.dimensions().items()
    }
    trial.set_user_attr("worker", worker_id())
    trial.set_user_attr("key", params_key(params))
    say(f"trial {trial.number}: {describe(params)}")
    started = time.perf_counter()
    try:
        outcome = run_trial_in_child(sweep, params, folder, storage_url, trial._trial_id)  # noqa: SLF001
    except TrialPrunedInChild as pruned:
        seconds = time.perf_counter() - started
        trial.set_user_attr("seconds", seconds)
        _append_result(folder, trial, params, "pruned", {"seconds": seconds})
        say(f"trial {trial.number} pruned at {pruned} after {seconds:.0f} s")
        counter["ran"] += 1
        raise optuna.TrialPruned(str(pruned)) from None
    row = outcome.row() | {"wall_seconds": time.perf_counter() - started}
    for name, value in row.items():
        trial.set_user_attr(name, value)
    _append_result(folder, trial, params, "complete", row)
    counter["ran"] += 1
    say(
        f"trial {trial.number}: {sweep.objective} {outcome.value:.3f}, valid "
        f"{outcome.valid_rate:.2f}, train {outcome.train_seconds:.0f} s, "
        f"eval {outcome.eval_seconds:.0f} s, peak {outcome.peak_memory_mb:.0f} MB"
    )
    return outcome.value


def _append_result(
    folder: Path, trial: Any, params: dict[str, Value], state: str, row: dict[str, Any]
) -> None:
    record = {
        "trial": trial.number,
        "state": state,
        "key": params_key(params),
        "params": params,
        "worker": worker_id(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    } | row
    with (
        exclusive_lock(folder / ".results.lock"),
        (folder / RESULTS_FILE).open("a", encoding="utf-8") as handle,
    ):
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def describe(params: dict[str, Value]) -> str:
    return " ".join(f"{name}={value}" for name, value in params.items())


def _summary(study: Any, storage_url: str, ran: int) -> SweepSummary:
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    pruned = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.PRUNED,))
    best = max(complete, key=lambda t: t.value, default=None)
    return SweepSummary(
        study=study.study_name,
        storage=_shown(storage_url),
        finished=len(complete) + len(pruned),
        ran=ran,
        best_value=best.value if best else None,
        best_params=dict(best.params) if best else None,
    )


def _retry() -> Any:
    """Queue a dead worker's trial again with the same configuration (three times at most)."""
    import optuna

    return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3)


def _sampler(sweep: SweepConfig) -> Any:
    import optuna

    if sweep.sampler == "grid":
        return optuna.samplers.GridSampler(sweep.space.dimensions(), seed=sweep.seed)  # type: ignore[arg-type]
    if sweep.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=sweep.seed)
    return optuna.samplers.RandomSampler(seed=sweep.seed)


def _pruner(sweep: SweepConfig) -> Any:
    import optuna

    if sweep.pruner.kind == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=sweep.pruner.startup_trials,
        n_warmup_steps=sweep.pruner.warmup_stages + 1,  # stages are numbered from 1
    )


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _shown(url: str) -> str:
    """The URL without a password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url
