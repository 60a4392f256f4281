"""A run's samples say which candidate its own selection picks, even when they were cached by a
run with another selection (the selection ablation replays one set of samples)."""

from __future__ import annotations

import dataclasses

from dslgen.evals.config import EvalConfig
from dslgen.evals.records import SampleRecord
from dslgen.evals.runner import mark_pick
from tests.evals.sample_records import valid_record


def _record(index: int, *, acts: bool, logprob: float, chosen: bool) -> SampleRecord:
    return valid_record(
        intent="create_net",
        index=index,
        functional=acts,
        logprob=logprob,
        group=index,
        coverage=1.0 if acts else 0.0,
        vote=1.0 if acts else 0.0,
        acts=acts,
        named=2,
        chosen=chosen,
    )


def test_the_pick_is_replayed_with_the_run_selection():
    # cached by a logprob run: the header-only script (highest log-probability) was its pick
    cached = [
        _record(0, acts=True, logprob=-9.0, chosen=False),
        _record(1, acts=False, logprob=-1.0, chosen=True),
    ]
    consensus = mark_pick(cached, EvalConfig(selection="consensus"))
    assert [r.chosen for r in consensus] == [True, False]
    logprob = mark_pick(cached, EvalConfig(selection="logprob"))
    assert [r.chosen for r in logprob] == [False, True]


def test_no_valid_candidate_means_no_pick():
    cached = [
        dataclasses.replace(_record(i, acts=True, logprob=-1.0, chosen=False), valid=False)
        for i in range(2)
    ]
    assert not any(r.chosen for r in mark_pick(cached, EvalConfig()))
