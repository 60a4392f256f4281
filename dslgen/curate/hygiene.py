"""Hygiene of a promoted example: duplicates are flagged, eval leakage is refused.

- Near-duplicates (word 3-gram Jaccard of instruction + output ≥ FLAG_THRESHOLD, 0.8) of a
  training-corpus record or of another curated example are *flagged*: stored with the review
  and printed as warnings. Promotion proceeds: a close variant may still teach something (a
  user's wording), but the reviewer should know it adds little. 0.8 sits above what distinct
  generated tasks reach (in a 9,000-record pdflow corpus the closest other record is 0.39 alike
  at the median and 0.67 at the 99th percentile; none of 400 sampled reach 0.8) and below the
  corpus builder's own drop threshold (0.95).
- An *exact* duplicate (same normalised instruction + output) adds nothing and is refused unless
  forced (`--force-duplicate`); a forced promotion keeps the flag and `forced = true`.
- Eval leakage (see leakage.py) is refused, with no override.

Checking against a corpus signs every record of its train.jsonl (about 0.2 ms each, ~10 s for
50,000), so a `Hygiene` is built once per domain and reused across the decisions of a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslgen.corpus.records import read_jsonl
from dslgen.curate.leakage import EvalSuiteIndex
from dslgen.curate.records import HygieneFlag, curated_id
from dslgen.curate.reviews import ReviewStore
from dslgen.curate.signatures import SignatureTable
from dslgen.errors import DuplicateExampleError, EvalLeakageError, InputFileError

FLAG_THRESHOLD = 0.8


def default_evals_dir(domain: str) -> Path:
    """`evals/<domain>` under the working directory, as `dslgen eval` reads it."""
    return Path("evals") / domain


@dataclass
class Hygiene:
    """The comparisons one domain's promotions are checked against."""

    domain: str
    evals: EvalSuiteIndex | None
    evals_dir: Path
    corpus: SignatureTable | None
    curated: SignatureTable
    warnings: list[str] = field(default_factory=list)  # said once, when the checks are built

    @classmethod
    def build(
        cls,
        reviews: ReviewStore,
        domain: str,
        corpus_dir: Path | None = None,
        evals_dir: Path | None = None,
    ) -> Hygiene:
        """Load the eval suites (default evals/<domain>; skipped with a warning when absent),
        the corpus' train.jsonl (when `corpus_dir` is given) and the accepted examples."""
        folder = evals_dir or default_evals_dir(domain)
        hygiene = cls(domain, EvalSuiteIndex.load(folder), folder, None, SignatureTable())
        if hygiene.evals is None:
            hygiene.warnings.append(
                f"no eval suites at {folder}: eval leakage is NOT checked; run from the "
                "repository root or pass --evals-dir"
            )
        if corpus_dir is not None:
            hygiene.corpus = _corpus_table(corpus_dir)
        else:
            hygiene.warnings.append(
                "no --corpus: near-duplicates of the training corpus are not checked"
            )
        for example in reviews.accepted(domain=domain):
            if example.review.output is not None:
                hygiene.remember(example.example_id, example.instruction, example.review.output)
        return hygiene

    def remember(self, example_id: str, instruction: str, output: str) -> None:
        """Count a newly promoted example among the curated ones (an interactive session)."""
        self.curated.add(example_id, _pair(instruction, output))

    def screen(
        self,
        interaction_id: int,
        instruction: str,
        output: str,
        state: dict[str, Any] | None,
        force_duplicate: bool = False,
        fixture: dict[str, Any] | None = None,
    ) -> list[HygieneFlag]:
        """The flags to store with the example; raises EvalLeakageError on leakage and
        DuplicateExampleError on an exact duplicate (unless `force_duplicate`). `fixture` is the
        interaction's fixture as the user gave it (compared with the eval tasks')."""
        example_id = curated_id(interaction_id)
        if self.evals is not None:
            reason = self.evals.leak(example_id, instruction, output, state, fixture)
            if reason is not None:
                raise EvalLeakageError(
                    f"interaction {interaction_id} cannot be promoted: {reason}; training on it "
                    "would leak the eval suite (no override), so reject it"
                )
        flags = [] if self.evals is not None else [_evals_unchecked(self.evals_dir)]
        text = _pair(instruction, output)
        for kind, table in (("corpus", self.corpus), ("curated", self.curated)):
            match = table.nearest(text, exclude=example_id) if table is not None else None
            if match is None or match.similarity < FLAG_THRESHOLD:
                continue
            if match.exact:
                flag = HygieneFlag(
                    f"exact_duplicate_{kind}",
                    f"exact duplicate of {kind} example {match.id}",
                    match.id,
                    1.0,
                )
                if not force_duplicate:
                    raise DuplicateExampleError(
                        f"interaction {interaction_id} is an {flag.message} (same instruction "
                        "and output) and adds nothing; pass --force-duplicate to promote it anyway"
                    )
            else:
                flag = HygieneFlag(
                    f"near_duplicate_{kind}",
                    f"near-duplicate of {kind} example {match.id} (similarity "
                    f"{match.similarity:.2f} ≥ {FLAG_THRESHOLD})",
                    match.id,
                    round(match.similarity, 4),
                )
            flags.append(flag)
        return flags


def _pair(instruction: str, output: str) -> str:
    """The text compared for duplicates: what `dslgen corpus build` deduplicates on."""
    return instruction + "\n" + output


def _evals_unchecked(folder: Path) -> HygieneFlag:
    return HygieneFlag("evals_unchecked", f"eval leakage not checked: no eval suites at {folder}")


def _corpus_table(corpus_dir: Path) -> SignatureTable:
    path = corpus_dir / "train.jsonl"
    if not path.is_file():
        raise InputFileError(
            f"{corpus_dir}: no train.jsonl there; pass the folder `dslgen corpus build --out` wrote"
        )
    try:
        records = read_jsonl(path)
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: cannot read it as JSONL ({exc}); rebuild the corpus"
        ) from exc
    return SignatureTable.build(
        (str(r.get("id", n)), _pair(r["instruction"], r["output"]))
        for n, r in enumerate(records)
        if r.get("valid", True) and "instruction" in r and "output" in r
    )
