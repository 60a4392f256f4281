"""Selection: coverage-weighted execution consensus (dslgen.decode.selection)."""

from __future__ import annotations

import pytest

from dslgen.decode.selection import Ballot, choose, outcome_groups
from dslgen.domain import get_domain
from dslgen.records import Coverage

FULL = Coverage(named=4, covered=4)
HALF = Coverage(named=4, covered=2)
NOTHING = Coverage(named=4, covered=0, acts=False)


def ballot(group, coverage=FULL, logprob=-10.0, tokens=20, valid=True):
    return Ballot(valid, group, coverage, logprob, tokens)


def test_header_only_never_wins_when_the_request_asks_for_an_action():
    # the do-nothing script is the most likely one and has company; it still loses
    ballots = [
        ballot(0, NOTHING, logprob=-1.0, tokens=5),
        ballot(0, NOTHING, logprob=-1.0, tokens=5),
        ballot(1, HALF, logprob=-40.0),
    ]
    assert choose(ballots).index == 2
    assert choose(ballots, "logprob").index == 0  # the old pick
    alone = choose([ballot(0, NOTHING)])
    assert alone.index == 0 and "does what the request asks" in alone.reason


def test_the_largest_group_wins_when_coverage_is_equal():
    ballots = [ballot(0, logprob=-5.0), ballot(1, logprob=-30.0), ballot(1, logprob=-31.0)]
    choice = choose(ballots)
    assert choice.index == 1 and choice.group_votes == {0: 1.0, 1: 2.0}


def test_coverage_outweighs_a_larger_group_that_does_half_the_task():
    ballots = [ballot(0, HALF), ballot(0, HALF), ballot(0, HALF), ballot(1, FULL)]
    assert choose(ballots).index == 3  # 3 x 0.25 < 1


def test_unasked_actions_lower_the_vote():
    extra = Coverage(named=4, covered=4, unasked=["action my::save_design"])
    assert choose([ballot(0, extra, logprob=-1.0), ballot(1, FULL, logprob=-9.0)]).index == 1


def test_ties_break_by_length_normalised_logprob():
    # equal votes, equal sizes: the better mean log-probability wins, not the shorter script
    short = ballot(0, logprob=-6.0, tokens=6)  # -1.0 per token
    long = ballot(1, logprob=-10.0, tokens=20)  # -0.5 per token
    assert choose([short, long]).index == 1
    # inside the winning group too
    assert (
        choose([ballot(0, logprob=-6.0, tokens=6), ballot(0, logprob=-10.0, tokens=20)]).index == 1
    )


def test_invalid_candidates_never_win_and_none_valid_is_none():
    assert choose([ballot(None, valid=False, logprob=-1.0), ballot(0, logprob=-50.0)]).index == 1
    assert choose([ballot(None, valid=False)]).index is None
    with pytest.raises(ValueError, match="unknown selection"):
        choose([ballot(0)], "vibes")


def test_groups_follow_the_domains_outcome_comparison():
    pdflow = get_domain("pdflow")
    state = {"design": "top.def", "nets": {}}
    same = {"design": "top.def", "nets": {}}
    other = {"design": "chip.def", "nets": {}}
    assert outcome_groups(pdflow, [state, None, same, other]) == [0, None, 0, 1]
    finance = get_domain("finance")
    values = [
        {"value": 12.5, "unit": "percent"},
        {"value": 12.5000000001, "unit": "percent"},
        {"value": 3.0, "unit": "percent"},
    ]
    assert outcome_groups(finance, values) == [0, 0, 1]
