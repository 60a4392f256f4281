"""Curation: the other half of the feedback loop (see docs/curation.md).

Logged interactions with a signal (an edit, a thumbs-up, a thumbs-down) become candidates; a
reviewer promotes (validated, executed, screened for duplicates and eval leakage) or rejects each
one; export writes the accepted ones as training records for `dslgen train --curated` and a
stable held-out share as an eval suite.

Names are imported on first use (PEP 562), so `dslgen.cli` registers `dslgen curate` without
loading SQLAlchemy for commands that never touch the log.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dslgen.curate.candidates import list_candidates, next_candidate
    from dslgen.curate.decisions import (
        Promotion,
        check_output,
        default_reviewer,
        gold_output,
        promote,
        read_gold_file,
        reject,
    )
    from dslgen.curate.export import (
        export_curated,
        heldout_fraction,
        is_heldout,
        to_corpus_record,
        to_eval_task,
    )
    from dslgen.curate.hygiene import FLAG_THRESHOLD, Hygiene
    from dslgen.curate.leakage import LEAK_THRESHOLD, OUTCOME_THRESHOLD
    from dslgen.curate.records import (
        SIGNALS,
        Candidate,
        CandidateFilter,
        CuratedExample,
        ExportSummary,
        HygieneFlag,
        ReviewRecord,
        curated_id,
    )
    from dslgen.curate.reviews import ReviewStore

_EXPORTS = {
    "list_candidates": "dslgen.curate.candidates",
    "next_candidate": "dslgen.curate.candidates",
    "export_curated": "dslgen.curate.export",
    "heldout_fraction": "dslgen.curate.export",
    "is_heldout": "dslgen.curate.export",
    "to_corpus_record": "dslgen.curate.export",
    "to_eval_task": "dslgen.curate.export",
    "FLAG_THRESHOLD": "dslgen.curate.hygiene",
    "Hygiene": "dslgen.curate.hygiene",
    "LEAK_THRESHOLD": "dslgen.curate.leakage",
    "OUTCOME_THRESHOLD": "dslgen.curate.leakage",
    "Promotion": "dslgen.curate.decisions",
    "check_output": "dslgen.curate.decisions",
    "default_reviewer": "dslgen.curate.decisions",
    "gold_output": "dslgen.curate.decisions",
    "promote": "dslgen.curate.decisions",
    "read_gold_file": "dslgen.curate.decisions",
    "reject": "dslgen.curate.decisions",
    "SIGNALS": "dslgen.curate.records",
    "Candidate": "dslgen.curate.records",
    "CandidateFilter": "dslgen.curate.records",
    "CuratedExample": "dslgen.curate.records",
    "ExportSummary": "dslgen.curate.records",
    "HygieneFlag": "dslgen.curate.records",
    "ReviewRecord": "dslgen.curate.records",
    "curated_id": "dslgen.curate.records",
    "ReviewStore": "dslgen.curate.reviews",
}
__all__ = [
    "Candidate",
    "CandidateFilter",
    "CuratedExample",
    "ExportSummary",
    "FLAG_THRESHOLD",
    "Hygiene",
    "HygieneFlag",
    "LEAK_THRESHOLD",
    "OUTCOME_THRESHOLD",
    "Promotion",
    "ReviewRecord",
    "ReviewStore",
    "SIGNALS",
    "check_output",
    "curated_id",
    "default_reviewer",
    "export_curated",
    "gold_output",
    "heldout_fraction",
    "is_heldout",
    "list_candidates",
    "next_candidate",
    "promote",
    "read_gold_file",
    "reject",
    "to_corpus_record",
    "to_eval_task",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dslgen.curate' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
