"""Write an assembled corpus: JSONL per split, negatives, repairs, trl exports, stats."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dslgen.corpus.build import Assembled, CorpusConfig
from dslgen.corpus.records import to_prompt_completion, write_jsonl, write_text
from dslgen.corpus.stats import corpus_stats, render_markdown
from dslgen.domain import get_domain


def write_corpus(
    config: CorpusConfig, corpus: Assembled, out: Path, seconds: float
) -> dict[str, Any]:
    """Write every file atomically under `out`; return the stats (also in stats.json)."""
    for split, records in corpus.splits.items():
        write_jsonl(out / f"{split}.jsonl", records)
        write_jsonl(
            out / f"{split}.chat.jsonl", (to_prompt_completion(config.domain, r) for r in records)
        )
    write_jsonl(out / "negatives.jsonl", corpus.negatives)
    write_jsonl(out / "repairs.jsonl", corpus.repairs)
    write_jsonl(
        out / "repairs.chat.jsonl", (to_prompt_completion(config.domain, r) for r in corpus.repairs)
    )
    stats = corpus_stats(corpus.splits, corpus.negatives, corpus.repairs)
    stats["hygiene"] = {
        "dropped_near_duplicates": corpus.dropped_duplicates,
        "dropped_too_long": corpus.dropped_long,
        "generator_failures": len(corpus.failures),
        "negatives_discarded_mislabelled": corpus.mislabelled,
    }
    stats["config"] = asdict(config) | {"workers": "any (output does not depend on it)"}
    write_text(out / "stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n")
    write_text(
        out / "stats.md",
        render_markdown(stats, dict(stats["hygiene"]), list(get_domain(config.domain).levels)),
    )
    return stats | {"seconds": seconds}
