"""The whole curation path on SQLite and on PostgreSQL: the SQL must mean the same on both."""

from __future__ import annotations

from dslgen.corpus.records import read_jsonl
from dslgen.curate import (
    CandidateFilter,
    Hygiene,
    ReviewStore,
    export_curated,
    list_candidates,
    promote,
    reject,
)
from dslgen.store import open_store
from tests.curate.conftest import GOOD_SCRIPT, log_one


def test_candidates_decisions_and_export_on_each_backend(store_url, evals_dir, tmp_path):
    with open_store(store_url) as store:
        up = log_one(store, instruction="Route CLK on M3.")
        store.add_feedback(up, rating="up")
        down = log_one(store, instruction="Route CLK on M5.")
        store.add_feedback(down, rating="down")
        edited = log_one(store, instruction="Route CLK on M4 for me.")
        store.add_edit(edited, GOOD_SCRIPT.replace("-layer M3", "-layer M4"))
        log_one(store, instruction="never rated")
        reviews = ReviewStore(store)
        found = list_candidates(reviews, CandidateFilter(domain="pdflow"))
        assert [(c.signal, c.interaction.id) for c in found] == [
            ("edited", edited),
            ("up", up),
            ("down", down),
        ]
        hygiene = Hygiene.build(reviews, "pdflow", None, evals_dir)
        promote(reviews, edited, score=8, category="routing", hygiene=hygiene, reviewer="ann")
        promote(reviews, up, score=4, category="unit", hygiene=hygiene, reviewer="ann")
        reject(reviews, down, reviewer="ann")
        assert list_candidates(reviews) == []
        out = tmp_path / "curated.jsonl"
        summary = export_curated(store, out, min_score=5, heldout_share=0.0)
    assert summary.train == 1
    [record] = read_jsonl(out)
    assert record["id"] == f"curated-{edited}" and record["level"] == "curated"
    assert record["expected_state"]["nets"]["CLK"]["route"]["layer"] == "M4"
