"""Eval leakage: a curated example must never be (nearly) an eval-suite task.

Training on an eval task inflates every score measured on that suite, so a match is a refusal
with no override. The suites are the committed files `evals/<domain>/*.jsonl` (records with
`instruction`, `fixture`, `expected_state` and, for built suites, the gold `reference`).

Instructions are compared after `dslgen.corpus.hygiene.normalise` (lower case, words, single
spaces) with sentence punctuation dropped first: the normaliser keeps "." and ":" inside words
(file names, `my::proc`), so without this "Load top.def." and "Load top.def" would differ.

An example is refused when, for some task:
1. its normalised instruction equals the task's;
2. its instruction's word 3-gram Jaccard with the task's is ≥ LEAK_THRESHOLD (0.9);
3. its instruction + output against the task's instruction + reference is ≥ LEAK_THRESHOLD;
4. its executed state equals the task's expected state, and its fixture is the task's or the
   instructions are ≥ OUTCOME_THRESHOLD (0.5) alike: the same task reworded, which short
   instructions let slip under 0.9 (two changed words in a 15-word instruction leave J ≈ 0.4).

Measured against the committed suites (pdflow 520 tasks, finance 120) with training corpora
from `dslgen corpus build` (pdflow 9,000 and 1,800 records, finance 900): the highest instruction
similarity between a training record and an eval task is 0.52 (pdflow) and 0.69 (finance),
instruction + output 0.73 and 0.67, between two different eval tasks 0.77 and 0.64; no pdflow
record reaches a task's state, and the 70 finance records that share a (degenerate) state with a
task have another fixture and instructions ≤ 0.17 alike. No training record is refused. So 0.9
refuses copies and light rewordings only, and rule 4 refuses heavier rewordings of the same task
without touching tasks that merely share an outcome.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import read_jsonl
from dslgen.curate.signatures import SignatureTable, normalised
from dslgen.errors import CurationError

LEAK_THRESHOLD = 0.9
OUTCOME_THRESHOLD = 0.5
_SENTENCE_MARK = re.compile(r"[.:;,!?]+(?=\s|$)")


def plain_instruction(text: str) -> str:
    """The instruction without sentence punctuation (a word's last "." or ":" and the like)."""
    return _SENTENCE_MARK.sub("", text)


def _key(value: Any) -> str:
    """Canonical JSON, to compare states and fixtures by value."""
    return json.dumps(value, sort_keys=True)


@dataclass
class EvalSuiteIndex:
    """Every task of a folder of suite files, ready to compare a new example against."""

    folder: Path
    task_ids: list[str]
    files: dict[str, str]  # task id -> the suite file holding it
    instructions: SignatureTable
    pairs: SignatureTable  # instruction + "\n" + reference, where a reference is given
    states: dict[str, list[int]]  # canonical JSON of an expected state -> task indexes
    fixtures: list[str]  # canonical JSON of each task's fixture

    @classmethod
    def load(cls, folder: Path) -> EvalSuiteIndex | None:
        """The tasks of `folder/*.jsonl`; None when the folder does not exist."""
        if not folder.is_dir():
            return None
        index = cls(folder, [], {}, SignatureTable(), SignatureTable(), {}, [])
        for path in sorted(folder.glob("*.jsonl")):
            for line, record in enumerate(_records(path), 1):
                if not isinstance(record.get("instruction"), str):
                    raise CurationError(
                        f"{path} line {line} has no instruction, so it is not an eval suite "
                        "file; point --evals-dir at a folder of suite files (evals/DOMAIN)"
                    )
                index._add(record, f"{path.stem}:{line}", path)
        return index

    def _add(self, record: dict[str, Any], fallback_id: str, path: Path) -> None:
        ident = str(record.get("id") or fallback_id)
        position = len(self.task_ids)
        self.task_ids.append(ident)
        self.files[ident] = str(path)
        self.fixtures.append(_key(record.get("fixture")))
        instruction = plain_instruction(record["instruction"])
        self.instructions.add(ident, instruction)
        reference = record.get("reference")
        if isinstance(reference, str):
            self.pairs.add(ident, instruction + "\n" + reference)
        if record.get("expected_state") is not None:
            self.states.setdefault(_key(record["expected_state"]), []).append(position)

    def __len__(self) -> int:
        return len(self.task_ids)

    def leak(
        self,
        example_id: str,
        instruction: str,
        output: str,
        state: dict[str, Any] | None,
        fixture: dict[str, Any] | None = None,
    ) -> str | None:
        """Why the example leaks an eval task (a sentence naming the task), None if it does
        not. A task whose id is `example_id` (the example's own held-out copy) is skipped."""
        if len(self) == 0:
            return None
        instruction = plain_instruction(instruction)
        exact = self.instructions.exact.get(normalised(instruction), [])
        same = [i for i in exact if i != example_id]
        if same:
            return f"its instruction is the instruction of eval task {self._name(same[0])}"
        alike = self.instructions.similarities(instruction)
        for rule, table, text in (
            ("instruction", self.instructions, instruction),
            ("instruction + output", self.pairs, instruction + "\n" + output),
        ):
            match = table.nearest(text, exclude=example_id)
            if match is not None and match.similarity >= LEAK_THRESHOLD:
                return (
                    f"its {rule} is near-identical to eval task {self._name(match.id)} "
                    f"(similarity {match.similarity:.2f} ≥ {LEAK_THRESHOLD})"
                )
        for position in self.states.get(_key(state), []) if state is not None else []:
            ident = self.task_ids[position]
            if ident == example_id:
                continue
            if self.fixtures[position] == _key(fixture):
                return f"it produces the expected state of eval task {self._name(ident)} from its fixture"
            if float(alike[position]) >= OUTCOME_THRESHOLD:
                return (
                    f"it produces the expected state of eval task {self._name(ident)} from an "
                    f"instruction {float(alike[position]):.2f} alike (≥ {OUTCOME_THRESHOLD})"
                )
        return None

    def _name(self, ident: str) -> str:
        return f"{ident} ({self.files[ident]})"


def _records(path: Path) -> list[dict[str, Any]]:
    try:
        return read_jsonl(path)
    except (OSError, ValueError) as exc:
        raise CurationError(
            f"cannot read the eval suite {path} ({exc}); fix the file or point --evals-dir "
            "elsewhere"
        ) from exc
