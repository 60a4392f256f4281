"""One sweep trial: a short `dslgen train` run with the trial's LoRA settings, then the sweep's
fixed dev slice through `dslgen eval`, measured (seconds, tokens/s, peak memory, adapter size).

A trial's run folder is named by its settings, so a trial interrupted mid-training resumes from
its last checkpoint when the sweep is run again, and one that finished training but was cut off
while being scored is scored without training again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dslgen.sweep.config import OBJECTIVES, SweepConfig, SweepError, Value, params_key
from dslgen.train.config import TrainConfig
from dslgen.train.run import RUN_FILE, read_json, runs_like, write_json
from dslgen.train.trainer import OnDev, Say

TRIAL_FILE = "sweep-trial.json"  # in the run folder: what the sweep measured while training it


@dataclass
class TrialOutcome:
    value: float
    train_seconds: float
    eval_seconds: float
    tokens_per_second: float
    peak_memory_mb: float
    adapter_bytes: int
    device: str
    seed: int
    final_loss: float | None
    valid_rate: float
    pass_at_1: float  # recorded whatever the objective: the headline figure
    run: str

    @property
    def seconds(self) -> float:
        """What the configuration cost: training plus scoring time. Training seconds add up
        over resumed attempts and scoring seconds are the samples' own, cached or not, so a
        trial's cost is the same however often it was interrupted or retried."""
        return self.train_seconds + self.eval_seconds

    def row(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": self.seconds}


def trial_train_config(sweep: SweepConfig, params: dict[str, Value], runs_dir: Path) -> TrainConfig:
    """The training config of one configuration: the sweep's fixed `[train]` plus its settings."""
    data: dict[str, Any] = dict(sweep.train)
    data |= {
        "domain": sweep.domain,
        "seed": sweep.seed,
        "lora": sweep.lora_settings(params),
        "learning_rate": float(params["learning_rate"]),
        "weight_decay": float(params["weight_decay"]),
        "max_steps": int(params["max_steps"]),
        "runs_dir": runs_dir,
        "name": f"t-{params_key(params)}",
    }
    return TrainConfig.model_validate(data)


def run_trial(
    sweep: SweepConfig,
    params: dict[str, Value],
    folder: Path,
    on_dev: OnDev | None = None,
    say: Say = lambda message: None,
) -> TrialOutcome:
    """Train and score one configuration; its run folder goes under `folder`/trials."""
    from dslgen.train.trainer import train

    config = trial_train_config(sweep, params, folder / "trials")
    with peak_memory() as peak:
        finished = _finished_run(config)
        if finished is None:
            outcome = train(config, say=say, on_dev=on_dev)
            if outcome.tokens == 0:
                raise SweepError(
                    f"the trial {outcome.run} trained on no tokens: are [train] max_length and "
                    "batch_size too small for the corpus's examples?"
                )
            run = outcome.run
        else:
            say(f"already trained: {finished}")
            run = finished
        figures, eval_seconds = _score(sweep, config, run)
    state = read_json(run / RUN_FILE) or {}
    settings = read_json(run / "config.json") or {}
    # the peak of the attempt that trained it, when this attempt only scored it
    measured = read_json(run / TRIAL_FILE) or {}
    peak_mb = max(peak.megabytes, float(measured.get("peak_memory_mb", 0.0)))
    write_json(run / TRIAL_FILE, {"peak_memory_mb": peak_mb})
    return TrialOutcome(
        value=float(figures.get(sweep.objective) or 0.0),
        train_seconds=float(state.get("train_seconds", 0.0)),
        eval_seconds=eval_seconds,
        tokens_per_second=float(state.get("tokens_per_second", 0.0)),
        peak_memory_mb=peak_mb,
        adapter_bytes=sum(f.stat().st_size for f in (run / "adapter").rglob("*") if f.is_file()),
        device=str(settings.get("device", "cpu")),
        seed=sweep.seed,
        final_loss=state.get("final_loss"),
        valid_rate=float(figures.get("valid_rate") or 0.0),
        pass_at_1=float(figures.get("pass@1") or 0.0),
        run=str(run),
    )


def intermediate_figure(sweep: SweepConfig, dev_row: dict[str, Any]) -> float:
    """The stage-end dev figure that stands for the objective while a trial trains."""
    return float(dev_row.get(OBJECTIVES[sweep.objective], 0.0))


def _finished_run(config: TrainConfig) -> Path | None:
    """A finished run folder of exactly this training config, if a previous attempt left one."""
    finished = [f for f, state in runs_like(config) if state.get("status") == "finished"]
    return finished[0] if finished else None


def _score(sweep: SweepConfig, config: TrainConfig, run: Path) -> tuple[dict[str, Any], float]:
    """The dev slice's overall figures for the trained adapter (greedy, n = k = 1, grammar on),
    and the seconds its samples took to make (recorded with each sample, so cached ones count
    what they cost when they were made)."""
    from dslgen.evals.config import EvalConfig
    from dslgen.evals.metrics import summarize
    from dslgen.evals.runner import run_eval

    eval_config = EvalConfig(
        domain=sweep.domain,
        suites=(sweep.eval.suite,),
        n=1,
        k=1,
        temperature=0.0,
        max_tokens=sweep.eval.max_tokens,
        seed=sweep.seed,
        model=config.model,
        adapter=str(run),
        use_grammar=True,
        use_retrieval=sweep.eval.use_retrieval,
        limit=sweep.eval.limit,
        evals_dir=sweep.eval.evals_dir,
    )
    samples = run_eval(eval_config).samples
    return summarize(samples, [1]), sum(sample.seconds for sample in samples)


@dataclass
class PeakMemory:
    megabytes: float = 0.0


@contextmanager
def peak_memory(interval: float = 0.2) -> Iterator[PeakMemory]:
    """The peak memory of the block: CUDA's allocator peak on a GPU, else the process's peak
    resident set size, sampled every `interval` seconds (the OS's own peak is per process, and a
    worker runs many trials)."""
    peak = PeakMemory()
    cuda = _cuda_reset()
    if cuda is not None:
        yield peak
        peak.megabytes = cuda() / 2**20
        return
    import psutil

    process = psutil.Process(os.getpid())
    stop = threading.Event()

    def sample() -> None:
        while True:
            peak.megabytes = max(peak.megabytes, process.memory_info().rss / 2**20)
            if stop.wait(interval):
                return

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        stop.set()
        watcher.join()
        peak.megabytes = max(peak.megabytes, process.memory_info().rss / 2**20)


def _cuda_reset() -> Callable[[], int] | None:
    try:
        import torch
    except ModuleNotFoundError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.cuda.reset_peak_memory_stats()
    return torch.cuda.max_memory_allocated
