"""Candidates: what a reviewer sees first, and what they never see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from dslgen.cli import main
from dslgen.curate import CandidateFilter, ReviewStore, list_candidates, next_candidate, reject
from tests.curate.conftest import BAD_SCRIPT, GOOD_SCRIPT, log_one


def _signals(store, **filters) -> list[tuple[str, int]]:
    found = list_candidates(ReviewStore(store), CandidateFilter(**filters), limit=100)
    return [(c.signal, c.interaction.id) for c in found]


def _log_mixed(store) -> dict[str, int]:
    """One interaction per kind of feedback, logged in this order (later = newer)."""
    ids = {name: log_one(store, instruction=f"task {name}") for name in (
        "plain", "up", "down", "edit_old", "comment_only", "up_followup", "up_then_down",
        "down_then_up", "edit_new", "reviewed", "followup_only",
    )}  # fmt: skip
    store.add_feedback(ids["up"], rating="up")
    store.add_feedback(ids["down"], rating="down")
    store.add_edit(ids["edit_old"], BAD_SCRIPT)  # an invalid edit is still the user's gold try
    store.add_feedback(ids["comment_only"], comment="nice")
    store.add_feedback(ids["up_followup"], rating="up", had_followup=True)
    store.add_feedback(ids["up_then_down"], rating="up")
    store.add_feedback(ids["up_then_down"], rating="down")
    store.add_feedback(ids["down_then_up"], rating="down")
    store.add_feedback(ids["down_then_up"], rating="up")
    store.add_feedback(ids["edit_new"], rating="down")
    store.add_edit(ids["edit_new"], GOOD_SCRIPT)
    store.add_edit(ids["reviewed"], GOOD_SCRIPT)
    store.add_feedback(ids["followup_only"], had_followup=True)
    reject(ReviewStore(store), ids["reviewed"], reviewer="ann")
    return ids


def test_candidates_come_edited_then_up_then_down_newest_first(store):
    ids = _log_mixed(store)
    assert _signals(store) == [
        ("edited", ids["edit_new"]),
        ("edited", ids["edit_old"]),
        ("up", ids["down_then_up"]),  # the latest rating counts
        ("up", ids["up"]),
        ("down", ids["followup_only"]),  # the user had to ask again
        ("down", ids["up_then_down"]),
        ("down", ids["up_followup"]),
        ("down", ids["down"]),
    ]  # no feedback, a comment alone, and reviewed interactions are not candidates


def test_a_decision_removes_a_candidate_and_exclude_passes_over_ids(store):
    ids = _log_mixed(store)
    reviews = ReviewStore(store)
    reject(reviews, ids["edit_new"], reviewer="ann")
    first = next_candidate(reviews)
    assert first is not None and first.interaction.id == ids["edit_old"]
    second = next_candidate(reviews, exclude={ids["edit_old"]})
    assert second is not None and second.interaction.id == ids["down_then_up"]


def test_candidates_filter_by_domain_and_since(store):
    old = log_one(store, instruction="old one")
    finance = log_one(store, instruction="Margin of ACME?", domain="finance")
    for interaction in (old, finance):
        store.add_feedback(interaction, rating="up")
    assert [i for _, i in _signals(store, domain="finance")] == [finance]
    future = datetime.now(UTC) + timedelta(days=1)
    assert _signals(store, since=future) == []
    assert len(_signals(store, since=datetime.now(UTC) - timedelta(days=1))) == 2


def test_candidates_cli_lists_text_and_json(db, store):
    ids = _log_mixed(store)
    result = CliRunner().invoke(main, ["curate", "candidates", "--db", db, "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [int(line.split()[0]) for line in lines] == [
        ids["edit_new"],
        ids["edit_old"],
        ids["down_then_up"],
    ]
    assert lines[0].split()[1] == "edited" and "task edit_new" in lines[0]
    result = CliRunner().invoke(
        main, ["curate", "candidates", "--db", db, "--format", "json", "--domain", "pdflow"]
    )
    items = json.loads(result.stdout)
    assert items[0] == {**items[0], "id": ids["edit_new"], "signal": "edited", "edited": True}
    assert [item["signal"] for item in items].count("down") == 4


def test_candidates_cli_bad_limit_is_one_sentence(db):
    result = CliRunner().invoke(main, ["curate", "candidates", "--db", db, "--limit", "0"])
    assert result.exit_code == 1
    assert result.output == "Error: --limit must be between 1 and 10000, not 0\n"
