"""What one eval run is: `EvalConfig` (its fields are the `dslgen eval` flags) and the eval tasks.

The config's output-changing fields, with fingerprints of the model, adapter, catalog and prompt
format, make the cache key (`dslgen.evals.cache`): two runs that would sample the same text share
cached samples, and changing any of them starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dslgen.errors import EvalConfigError

DATA_DIR_VARIABLE = "DSLGEN_DATA_DIR"


@dataclass(frozen=True)
class EvalConfig:
    """One eval run.

    temperature: 0.8 by default, because pass@k with n > 1 needs diverse samples (Chen et al.
    sample at 0.8 for large k); 0 (greedy) is allowed only with n = 1, since greedy decoding gives
    one sample. limit: the first N tasks of each suite (CPU evals are slow). repair_rounds: 0 by
    default, so the headline numbers measure single-shot generation; the ablation adds a round.
    """

    domain: str = "pdflow"
    suites: tuple[str, ...] = ("unit",)
    n: int = 16
    k: int = 8
    temperature: float = 0.8
    top_p: float = 0.95
    max_tokens: int = 1024
    seed: int = 0
    model: str | None = None
    adapter: str | None = None
    runtime: str = "auto"  # decoding runtime (dslgen.decode.session.RUNTIMES)
    use_grammar: bool = True
    use_retrieval: bool = True
    repair_rounds: int = 0
    grounding: bool = True  # ground the grammar in each request (see Domain.grammar)
    selection: str = "consensus"  # how the pick is replayed (dslgen.decode.selection)
    limit: int | None = None
    workers: int = 1
    evals_dir: str | None = None  # default: evals/<domain> under the working directory
    catalog_path: str | None = None
    data_dir: str | None = None  # real-data suites; default $DSLGEN_DATA_DIR or ../shared/data
    # JSONL files of tasks in `EvalTask.to_json()` form (e.g. `dslgen curate export
    # --heldout-out`), evaluated after the named suites; a task's suite is its record's `suite`,
    # else the file's stem. Cached samples are matched by task id and digest, as for any suite.
    extra_suites: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise EvalConfigError naming the first setting that cannot work."""
        known = suite_names(self.domain, self.evals_dir)
        unknown = [s for s in self.suites if s not in known]
        if unknown or not (self.suites or self.extra_suites):
            raise EvalConfigError(
                f"unknown suite {', '.join(unknown) or '(none)'} for {self.domain}; choose from "
                f"{', '.join(known)} or all"
            )
        for path in map(Path, self.extra_suites):
            if not path.is_file():
                raise EvalConfigError(f"no suite file {path}; give a JSONL file of eval tasks")
            if path.stem in known:
                raise EvalConfigError(
                    f"the suite file {path} is named like the {self.domain} suite {path.stem!r}; "
                    "rename the file"
                )
        if self.n < 1:
            raise EvalConfigError(f"--n must be at least 1, not {self.n}")
        if not 1 <= self.k <= self.n:
            raise EvalConfigError(f"--k must be between 1 and --n ({self.n}), not {self.k}")
        if self.temperature <= 0 and self.n > 1:
            raise EvalConfigError(
                "greedy decoding (--temperature 0) gives one sample per task; use --n 1 or a "
                "temperature above 0"
            )
        for name in ("workers", "max_tokens"):
            if getattr(self, name) < 1:
                raise EvalConfigError(f"--{name.replace('_', '-')} must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise EvalConfigError(f"--limit must be at least 1, not {self.limit}")
        if self.repair_rounds < 0:
            raise EvalConfigError("--repair-rounds cannot be negative")
        from dslgen.decode.selection import SELECTIONS

        if self.selection not in SELECTIONS:
            raise EvalConfigError(
                f"unknown --selection {self.selection!r}; choose from {', '.join(SELECTIONS)}"
            )

    @property
    def ks(self) -> list[int]:
        """The k of every pass@k reported: always 1, and the asked-for k."""
        return sorted({1, self.k})

    def data_path(self) -> Path:
        return Path(self.data_dir or os.environ.get(DATA_DIR_VARIABLE) or "../shared/data")

    def suite_path(self, suite: str) -> Path:
        return Path(self.evals_dir or Path("evals") / self.domain) / f"{suite}.jsonl"

    def label(self) -> str:
        """A short name for run folders: domain, suites, and what differs from the defaults."""
        names = [*self.suites, *(Path(p).stem for p in self.extra_suites)]
        parts = [self.domain, "+".join(names), f"n{self.n}"]
        parts += [] if self.use_grammar else ["nogrammar"]
        parts += [] if self.grounding or not self.use_grammar else ["nogrounding"]
        parts += [] if self.selection == "consensus" else [f"select-{self.selection}"]
        parts += [] if self.use_retrieval else ["noretrieval"]
        parts += ["adapter"] if self.adapter else []
        parts += [f"repair{self.repair_rounds}"] if self.repair_rounds else []
        return "-".join(parts)

    def with_changes(self, **changes: Any) -> EvalConfig:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["suites"] = list(self.suites)
        out["extra_suites"] = list(self.extra_suites)
        return out


def suite_names(domain: str, evals_dir: str | None = None) -> tuple[str, ...]:
    """The domain's built suites, its real-data suites, then the hand-written suite files in its
    evals folder (e.g. pdflow's `handwritten.jsonl`, built from `handwritten.toml`)."""
    from dslgen.domain import get_domain

    chosen = get_domain(domain)
    folder = Path(evals_dir or Path("evals") / domain)
    written = sorted(p.stem for p in folder.glob("*.jsonl")) if folder.is_dir() else []
    built = (*chosen.eval_suites, *chosen.real_suites)
    return (*built, *(name for name in written if name not in built))


def parse_suites(text: str, domain: str = "pdflow") -> tuple[str, ...]:
    """`unit`, `unit,scenario` or `all` (the domain's built suites) as a tuple of suite names."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    if "all" in names:
        from dslgen.domain import get_domain

        return tuple(get_domain(domain).eval_suites)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class EvalTask:
    """One held-out task of a suite file (written by `dslgen corpus evals`)."""

    id: str
    suite: str
    level: str
    intent: str
    instruction: str
    fixture: dict[str, Any] | None
    expected_state: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def digest(self) -> str:
        """Changes when the task's content does, so an edited suite file never reuses samples."""
        content = [self.instruction, self.fixture, self.expected_state]
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "suite": self.suite,
            "level": self.level,
            "intent": self.intent,
            "instruction": self.instruction,
            "fixture": self.fixture,
            "expected_state": self.expected_state,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any], suite: str) -> EvalTask:
        known = {"id", "suite", "level", "intent", "instruction", "fixture", "expected_state"}
        return cls(
            id=record["id"],
            suite=record.get("suite", suite),
            level=record.get("level", ""),
            intent=record.get("intent", ""),
            instruction=record["instruction"],
            fixture=record.get("fixture"),
            expected_state=record.get("expected_state"),
            extra={k: v for k, v in record.items() if k not in known},
        )


def spread(records: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """`limit` records taken round-robin over the levels, each level in file order (all of them
    without a limit): a limited run of a suite built level by level samples every level, not
    just the first. A one-level suite gives its first `limit` records, as before."""
    if not limit:
        return records
    by_level: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_level.setdefault(record.get("level", ""), []).append(record)
    queues = [iter(level_records) for level_records in by_level.values()]
    chosen: list[dict[str, Any]] = []
    while queues and len(chosen) < limit:
        for queue in list(queues):
            record = next(queue, None)
            if record is None:
                queues.remove(queue)
            elif len(chosen) < limit:
                chosen.append(record)
    return chosen


def load_tasks(config: EvalConfig) -> list[EvalTask]:
    """The tasks of the config's suites, then of its extra suite files (with `limit`, a spread
    over each suite's levels)."""
    from dslgen.domain import get_domain

    domain = get_domain(config.domain)
    tasks: list[EvalTask] = []
    for suite in config.suites:
        if suite in domain.real_suites:
            records = domain.real_suite_records(suite, config.data_path())
            chosen = spread(records, config.limit)
            tasks += [EvalTask.from_json(record, suite) for record in chosen]
            continue
        path = config.suite_path(suite)
        if not path.is_file():
            raise EvalConfigError(
                f"no eval suite file {path}; run `dslgen corpus evals --domain {config.domain}` "
                "or pass --evals-dir"
            )
        tasks += _suite_file_tasks(path, suite, config.limit)
    for extra in map(Path, config.extra_suites):
        tasks += _suite_file_tasks(extra, extra.stem, config.limit)
    return tasks


def _suite_file_tasks(path: Path, suite: str, limit: int | None) -> list[EvalTask]:
    from dslgen.corpus.records import read_jsonl

    try:
        chosen = spread(read_jsonl(path), limit)
        return [EvalTask.from_json(record, suite) for record in chosen]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EvalConfigError(f"{path} is not an eval suite file: {exc}") from exc
