"""The resumable sample cache: one JSONL file per cache key under `<home>/evals/cache/`.

A key is the sha256 of everything that changes what a run samples (`cache_key`). Each finished
task is appended as its n lines in one write, flushed and fsynced, so a killed run loses at most
the task it was on; a torn last line is ignored when the file is read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from dslgen.corpus.records import dumps, write_text
from dslgen.domain import Domain
from dslgen.evals.config import EvalConfig
from dslgen.evals.records import SampleRecord
from dslgen.models.fingerprint import adapter_fingerprint, model_fingerprint
from dslgen.paths import home

CACHE_VERSION = 2  # 2: records are generate's candidates with selection fields


def cache_key(config: EvalConfig, domain: Domain) -> dict[str, Any]:
    """What a cached sample depends on (the task itself is matched by id and digest)."""
    from dslgen.decode.pipeline import GROUNDING_VERSION, SAMPLING_VERSION
    from dslgen.decode.session import resolve_runtime
    from dslgen.prompts import PROMPT_VERSION

    runtime = resolve_runtime(config.runtime)
    key = {
        "cache_version": CACHE_VERSION,
        "domain": config.domain,
        "catalog": domain.fingerprint(),
        "model": model_fingerprint(config.model),
        "adapter": adapter_fingerprint(config.adapter),
        "dtype": _dtype(runtime),
        "prompt_version": PROMPT_VERSION,
        "sampling_version": SAMPLING_VERSION,
        "seed": config.seed,
        "n": config.n,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "max_tokens": config.max_tokens,
        "use_grammar": config.use_grammar,
        "grounding": GROUNDING_VERSION if config.grounding and config.use_grammar else False,
        "use_retrieval": config.use_retrieval,
        "repair_rounds": config.repair_rounds,
        # which candidate wins decides whether a repair round runs, so only then does it matter
        "selection": config.selection if config.repair_rounds else None,
    }
    if runtime != "transformers":  # transformers runs keep the keys they had before runtimes
        key["runtime"] = runtime
    return key


def _dtype(runtime: str) -> str:
    """What the weights are computed in: the torch dtype, or the GGUF type llama.cpp serves."""
    if runtime == "llama.cpp":
        from dslgen.models.gguf_cache import EXPORT_VERSION, WEIGHT_TYPE

        return f"gguf-{WEIGHT_TYPE}-v{EXPORT_VERSION}"
    from dslgen.models.load import inference_dtype

    return inference_dtype()


class SampleCache:
    """Finished tasks' samples for one cache key."""

    def __init__(self, key: dict[str, Any], directory: Path | None = None) -> None:
        self.key = key
        self.id = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
        self.directory = directory or home() / "evals" / "cache"
        self.path = self.directory / f"{self.id}.jsonl"

    def finished(self, n: int) -> dict[tuple[str, str], list[SampleRecord]]:
        """(task id, task digest) -> its n samples, for every task with all n in the file."""
        by_task: dict[tuple[str, str], dict[int, SampleRecord]] = defaultdict(dict)
        if not self.path.is_file():
            return {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = SampleRecord.from_json(json.loads(line))
            except (ValueError, TypeError):
                continue  # a line torn by a killed run
            by_task[(record.task_id, record.task_digest)][record.index] = record
        return {
            task: [samples[i] for i in sorted(samples)]
            for task, samples in by_task.items()
            if set(range(n)) <= set(samples)
        }

    def append(self, records: list[SampleRecord]) -> None:
        """Add one task's samples durably (one write, flushed and fsynced)."""
        if not self.path.is_file():
            write_text(self.directory / f"{self.id}.key.json", json.dumps(self.key, indent=2))
        self.directory.mkdir(parents=True, exist_ok=True)
        text = "".join(dumps(r.to_json()) + "\n" for r in records)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
