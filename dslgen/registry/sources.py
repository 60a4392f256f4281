"""What a version is made from: a finished training run folder, or a bare base model.

A run folder (`dslgen.train.run`) records everything a version needs: `config.json` holds the
domain and the resolved base model, `run.json` the status and the sha256 and counts of the data
it trained on, and `adapter/` the LoRA adapter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dslgen.errors import RegistryError
from dslgen.registry.records import ModelVersion


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(
            f"{path.parent} is not a training run folder: cannot read {path.name} "
            f"({exc.strerror}); give a `runs/<name>-NNN` folder made by `dslgen train`"
        ) from exc
    except ValueError as exc:
        raise RegistryError(f"{path} is not valid JSON ({exc}); the run folder is damaged") from exc
    if not isinstance(data, dict):
        raise RegistryError(f"{path} does not hold a JSON object; the run folder is damaged")
    return data


def version_from_run(run: Path, notes: str = "") -> ModelVersion:
    """A candidate version for a finished run (named when it is registered)."""
    run = run.expanduser().resolve()
    state = _read(run / "run.json")
    config = _read(run / "config.json")
    if state.get("status") != "finished":
        raise RegistryError(
            f"{run} has not finished training (status {state.get('status')!r}); re-run the "
            "same `dslgen train` command to finish it, then register it"
        )
    adapter = run / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise RegistryError(f"{run} has no adapter/ folder with adapter_config.json")
    counts = state.get("data_counts") or {}
    return ModelVersion(
        name="v1",  # replaced by the registry's next name
        domain=str(config.get("config", {}).get("domain", "pdflow")),
        base_model=str(config.get("base_model", "")),
        adapter=str(adapter),
        run=str(run),
        data_files=dict(state.get("data_files") or {}),
        data_counts={k: int(v) for k, v in counts.items()},
        notes=notes,
    )


def version_from_base(domain: str, model: str | None, notes: str = "") -> ModelVersion:
    """A candidate version that is the base model alone (no adapter): `model` is a local
    folder (stored absolute) or hub id; None is the fetched default model."""
    from dslgen.models import resolve_model

    resolved = resolve_model(model)
    base = str(resolved.resolve()) if isinstance(resolved, Path) else resolved
    return ModelVersion(name="v1", domain=domain, base_model=base, notes=notes)
