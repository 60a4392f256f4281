"""Aggregation and taxonomy on hand-made sample records (no model)."""

from __future__ import annotations

import pytest

from dslgen.evals.metrics import aggregate, failure_taxonomy, first_failure, summarize
from dslgen.evals.records import SampleRecord

PASS = dict(
    valid_syntax=True, dsl_ok=None, policy_ok=True, semantics_ok=True, valid=True, functional=True
)
WRONG_STATE = {**PASS, "functional": False}
BAD_TCL = dict(
    valid_syntax=False,
    dsl_ok=None,
    policy_ok=None,
    semantics_ok=None,
    valid=False,
    functional=False,
    error_classes=["tcl_syntax"],
)
BAD_DSL = dict(
    valid_syntax=True,
    dsl_ok=False,
    policy_ok=True,
    semantics_ok=None,
    valid=False,
    functional=False,
    error_classes=["dsl_syntax"],
)
BAD_POLICY = dict(
    valid_syntax=True,
    dsl_ok=True,
    policy_ok=False,
    semantics_ok=None,
    valid=False,
    functional=False,
    error_classes=["missing_header", "unknown_proc"],
)


def sample(task: str, index: int, verdict: dict, suite="unit", intent="route", seconds=1.0):
    return SampleRecord(
        task_id=task,
        task_digest="d",
        suite=suite,
        level=suite,
        intent=intent,
        index=index,
        text="",
        tokens=10 * (index + 1),
        seconds=seconds,
        round=0,
        first_valid=verdict["valid"],
        **{"error_classes": [], **verdict},
    )


@pytest.fixture()
def samples():
    # task a: 4 samples, 2 functionally correct; task b: 4 samples, none correct.
    a = [PASS, WRONG_STATE, PASS, BAD_TCL]
    b = [BAD_TCL, BAD_DSL, BAD_POLICY, WRONG_STATE]
    return [sample("a", i, v) for i, v in enumerate(a)] + [
        sample("b", i, v, suite="scenario", intent="create_net+route", seconds=3.0)
        for i, v in enumerate(b)
    ]


def test_rates_and_pass_at_k(samples):
    figures = summarize(samples, [1, 2])
    assert figures["tasks"] == 2 and figures["samples"] == 8
    assert figures["tcl_parse_rate"] == pytest.approx(6 / 8)
    # DSL parse rate is over the samples that parse and hold a DSL block: BAD_DSL and BAD_POLICY.
    assert figures["dsl_samples"] == 2 and figures["dsl_parse_rate"] == pytest.approx(0.5)
    assert figures["mixed_compliance"] == pytest.approx(5 / 8)
    assert figures["policy_compliance"] == pytest.approx(5 / 8)
    assert figures["valid_rate"] == pytest.approx(4 / 8)
    assert figures["functional_rate"] == pytest.approx(2 / 8)
    # pass@1: (2/4 + 0) / 2; pass@2: (1 - C(2,2)/C(4,2) + 0) / 2 = (5/6) / 2.
    assert figures["pass@1"] == pytest.approx(0.25)
    assert figures["pass@2"] == pytest.approx(5 / 12)
    assert figures["latency_mean_s"] == pytest.approx(2.0)
    assert figures["latency_p50_s"] == pytest.approx(2.0)
    assert figures["tokens_mean"] == pytest.approx(25.0)


def test_groups(samples):
    metrics = aggregate(samples, [1, 2])
    assert list(metrics["by_suite"]) == ["scenario", "unit"]
    assert metrics["by_suite"]["unit"]["pass@1"] == pytest.approx(0.5)
    assert metrics["by_suite"]["unit"]["pass@2"] == pytest.approx(5 / 6)
    assert metrics["by_suite"]["scenario"]["pass@2"] == 0.0
    assert metrics["by_intent"]["route"]["functional_rate"] == pytest.approx(0.5)


def test_tasks_without_expected_state_are_left_out_of_functional_figures(samples):
    unscored = [sample("c", i, {**PASS, "functional": None}) for i in range(4)]
    figures = summarize(samples + unscored, [1])
    assert figures["functional_samples"] == 8 and figures["pass@1"] == pytest.approx(0.25)
    assert summarize(unscored, [1])["pass@1"] is None


def test_failure_taxonomy(samples):
    taxonomy = failure_taxonomy(samples)
    assert taxonomy["error_classes"] == {
        "tcl_syntax": 2,
        "dsl_syntax": 1,
        "missing_header": 1,
        "unknown_proc": 1,
    }
    assert taxonomy["first_failure"] == {"syntax": 2, "dsl": 1, "policy": 1, "functional": 2}
    assert taxonomy["failing_intents"] == [
        {"intent": "create_net+route", "failed": 4, "samples": 4},
        {"intent": "route", "failed": 2, "samples": 4},
    ]
    assert taxonomy["failing_intent_steps"] == {"route": 6, "create_net": 4}


def test_first_failure_of_a_passing_sample_is_none():
    assert first_failure(sample("a", 0, PASS)) is None


def test_picked_pass_at_1_replays_the_selection_on_every_candidate():
    """picked@1 is what a user gets: the selection's pick among all candidates (repair rounds
    included); pass@1 is the unbiased sample estimate over the first round only."""
    import dataclasses

    def record(task, index, verdict, **selection):
        return dataclasses.replace(sample(task, index, verdict), **selection)

    records = [
        # task a: the likeliest script does nothing; the one that does the task is picked
        record("a", 0, WRONG_STATE, logprob=-1.0, tokens=4, acts=False, coverage=0.0, named=3),
        record("a", 1, PASS, logprob=-30.0, tokens=20, group=1, coverage=1.0, named=3),
        # task b: two candidates agree on a wrong outcome, one is right: with equal coverage the
        # larger group wins
        record("b", 0, WRONG_STATE, group=0, coverage=1.0, named=2),
        record("b", 1, WRONG_STATE, group=0, coverage=1.0, named=2),
        record("b", 2, PASS, group=1, coverage=1.0, named=2),
        # task c: round 0 all invalid, the repair round's candidate is right
        record("c", 0, BAD_TCL),
        record("c", 1, BAD_TCL),
        dataclasses.replace(record("c", 2, PASS, group=0), round=1),
    ]
    figures = summarize(records, [1, 2])
    assert figures["picked@1"] == pytest.approx(2 / 3)  # a and c
    assert figures["pass@1"] == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert figures["pass@2"] == pytest.approx((1 + (1 - 1 / 3) + 0) / 3)
    assert summarize(records, [1], "logprob")["picked@1"] == pytest.approx(1 / 3)  # c only
