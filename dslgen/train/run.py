"""Run folders: one per training run, never overwritten, found again to resume.

    runs/<name>-NNN/
      config.json     every setting, the resolved base model, library versions, prompt version
      run.json        status (running | finished), identity hash, data hashes and counts, timings
      data/           the stage files actually trained on (trl prompt-completion JSONL)
      metrics.jsonl   one row per log step (loss, lr, tokens) and per dev evaluation
      checkpoints/    trainer checkpoints (adapter, optimizer, scheduler, RNG, step)
      adapter/        the final LoRA adapter + dslgen_prompt.json (context settings for inference)
      training.png    loss and dev pass rates against steps

Re-running the same command (same identity: every setting that decides what is trained) finds
the newest unfinished run with that identity and resumes it; a finished one is left alone and a
new numbered folder is made.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_text
from dslgen.train.config import TrainConfig

RUN_FILE = "run.json"


def write_json(path: Path, data: Any) -> None:
    """Atomic JSON write (temp file + rename)."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def identity_sha(config: TrainConfig) -> str:
    text = json.dumps(config.identity(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RunFolder:
    path: Path
    resumed: bool

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def adapter(self) -> Path:
        return self.path / "adapter"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.jsonl"

    def state(self) -> dict[str, Any]:
        return read_json(self.path / RUN_FILE) or {}

    def update(self, **fields: Any) -> None:
        write_json(self.path / RUN_FILE, self.state() | fields)


def runs_like(config: TrainConfig) -> list[tuple[Path, dict[str, Any]]]:
    """The run folders with this config's identity, newest first, with their run.json."""
    sha = identity_sha(config)
    prefix = config.name or config.domain
    found = []
    for folder in sorted(config.runs_dir.glob(f"{prefix}-[0-9][0-9][0-9]"), reverse=True):
        state = read_json(folder / RUN_FILE) or {}
        if state.get("identity") == sha:
            found.append((folder, state))
    return found


def open_run(config: TrainConfig) -> RunFolder:
    """The unfinished run with this config's identity, or a new numbered folder."""
    sha = identity_sha(config)
    prefix = config.name or config.domain
    config.runs_dir.mkdir(parents=True, exist_ok=True)
    for folder, state in runs_like(config):
        if state.get("status") != "finished":
            return RunFolder(folder, resumed=True)
    existing = sorted(config.runs_dir.glob(f"{prefix}-[0-9][0-9][0-9]"))
    number = 1 + max((int(p.name.rsplit("-", 1)[1]) for p in existing), default=0)
    while True:
        folder = config.runs_dir / f"{prefix}-{number:03d}"
        try:
            folder.mkdir()  # atomic: two runs started at once never share a folder
            break
        except FileExistsError:
            number += 1
    run = RunFolder(folder, resumed=False)
    run.update(identity=sha, status="running", created=time.strftime("%Y-%m-%dT%H:%M:%S"))
    return run


def last_checkpoint(run: RunFolder) -> tuple[Path | None, int]:
    """The newest complete checkpoint of the run and its global step (None, 0 if none)."""
    best: tuple[Path | None, int] = (None, 0)
    if not run.checkpoints.is_dir():
        return best
    for folder in run.checkpoints.glob("checkpoint-*"):
        if not (folder / "trainer_state.json").is_file():
            continue  # interrupted while saving
        try:
            step = int(folder.name.split("-")[1])
        except ValueError:
            continue
        if step > best[1]:
            best = (folder, step)
    return best


def truncate_metrics(run: RunFolder, step: int) -> None:
    """Drop metric rows logged after `step` (work lost with an interruption is redone)."""
    if not run.metrics.is_file():
        return
    kept = [
        line
        for line in run.metrics.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("step", 0) <= step
    ]
    write_text(run.metrics, "".join(line + "\n" for line in kept))


def append_metrics(run: RunFolder, row: dict[str, Any]) -> None:
    with run.metrics.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, sort_keys=True) + "\n")
        handle.flush()
