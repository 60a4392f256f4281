"""Choosing the next token from raw logits, in numpy: the grammar's mask, a model's logit biases,
greedy or temperature and top-p sampling, and the unconstrained log-probability that ranks a
sample. The llama.cpp runtime calls these each step; they hold no runtime state, so they are
the same maths whatever produced the logits."""

from __future__ import annotations

from typing import Any


def allowed_tokens(matcher: Any, mask: Any, vocab_size: int) -> Any:
    """The grammar's allowed tokens as a bool array of `vocab_size`: llguidance writes its bitmask
    straight into `mask` (int32, one bit a token), which is unpacked without a copy."""
    import numpy as np

    mask.fill(0)
    matcher.unsafe_compute_mask_ptr(mask.ctypes.data, mask.nbytes)
    bits = np.unpackbits(mask.view(np.uint8), bitorder="little")[:vocab_size]
    return bits.view(bool)  # 0/1 bytes: a bool view, no copy


def token_logprob(logits: Any, token: int) -> float:
    """log softmax(logits)[token]: the model's own score, before any mask, bias or temperature
    (what the transformers sampler sums over a sample's tokens)."""
    import numpy as np

    shifted = logits - logits.max()
    return float(shifted[token] - np.log(np.exp(shifted).sum()))


def pick_token(
    logits: Any,
    allowed: Any | None,
    bias: dict[int, float],
    greedy: bool,
    temperature: float,
    top_p: float,
    rng: Any,
) -> int:
    """The next token among `allowed` (None: any): the argmax when greedy, else a draw from the
    biased logits at `temperature`, kept to the smallest set whose probability reaches `top_p`."""
    import numpy as np

    candidates = logits
    if bias:
        candidates = logits.copy()
        for token_id, value in bias.items():
            candidates[token_id] += value
    if allowed is not None:
        candidates = np.where(allowed, candidates, -np.inf)
    if greedy:
        return int(np.argmax(candidates))
    probs = np.exp((candidates - candidates.max()) / temperature)
    probs /= probs.sum()
    if top_p < 1.0:
        order = np.argsort(-probs)
        cumulative = np.cumsum(probs[order])
        keep = order[: int(np.searchsorted(cumulative, top_p)) + 1]
        kept = np.zeros_like(probs)
        kept[keep] = probs[keep]
        probs = kept / kept.sum()
    return int(rng.choice(len(probs), p=probs))
