"""The per-step token maths of the llama.cpp runtime: mask, bias, greedy, top-p, score."""

from __future__ import annotations

import math

import numpy as np

from dslgen.decode.token_choice import pick_token, token_logprob

LOGITS = np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32))


def test_greedy_takes_the_best_allowed_token():
    rng = np.random.default_rng(0)
    assert pick_token(LOGITS, None, {}, True, 1.0, 1.0, rng) == 0
    allowed = np.array([False, False, True, True])
    assert pick_token(LOGITS, allowed, {}, True, 1.0, 1.0, rng) == 2


def test_a_bias_moves_the_pick_but_not_the_score():
    rng = np.random.default_rng(0)
    assert pick_token(LOGITS, None, {3: 10.0}, True, 1.0, 1.0, rng) == 3
    assert math.isclose(token_logprob(LOGITS, 3), math.log(0.05), rel_tol=1e-5)


def test_top_p_samples_only_from_the_smallest_set_that_reaches_it():
    rng = np.random.default_rng(1)
    drawn = {pick_token(LOGITS, None, {}, False, 1.0, 0.7, rng) for _ in range(300)}
    assert drawn == {0, 1}  # 0.5 + 0.3 reaches 0.7; 0.5 alone does not
    drawn = {pick_token(LOGITS, None, {}, False, 1.0, 1.0, rng) for _ in range(300)}
    assert drawn == {0, 1, 2, 3}
