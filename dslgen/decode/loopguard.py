"""Stop a sample that has fallen into a loop of repeated lines.

An untuned small model rarely emits end-of-sequence: after a good script it writes the same comment
line, or the same few lines, until `max_tokens` (`# This is the default.` forty times). Those tokens
cost most of the decode time and add nothing. The guard ends a sample once its last lines are one
block of 1–`max_period` lines written `repeats` times in a row. It only stops: the text keeps the
copies it has, so a script that really repeats a block is not changed, merely not extended by it.
The stop falls on a line break, so the text up to it is whole lines. It also stops a sample
whose last line repeats a command it already wrote (`repeated_command`); the pipeline then cuts
the repeat off with the rest of what made the script invalid (see pipeline.checked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Decoding this many trailing tokens per check is enough to hold `repeats × max_period` lines.
TAIL_TOKENS = 384


def looping_tail(text: str, repeats: int = 3, max_period: int = 4) -> bool:
    """True when the complete lines of `text` end with a block written `repeats` times in a row.

    Blank lines and lines of closing braces alone do not count as a block: scripts end in them.
    """
    lines = text.split("\n")[:-1]  # the last piece is the line being written
    for period in range(1, max_period + 1):
        span = period * repeats
        if len(lines) < span:
            break
        block = lines[-period:]
        if not any(line.strip().strip("}") for line in block):
            continue
        if all(lines[-span + i] == block[i % period] for i in range(span)):
            return True
    return False


def repeated_command(text: str) -> bool:
    """True when the last complete line is a command the text already holds, word for word: an
    untuned model that has run out of things to do writes the same call again
    (`my::create_net -name CLK` twice is a `duplicate_net`). Comments, `puts`, blank lines and
    lines that open or close a block (`dsl {`, `} else {`, `}`) do not count."""
    lines = text.split("\n")[:-1]
    if not lines:
        return False
    last = lines[-1].strip()
    if (
        not last
        or last.startswith(("#", "//", "puts"))
        or last.endswith("{")
        or not last.strip("}")
    ):
        return False
    return any(line.strip() == last for line in lines[:-1])


def newline_token_ids(tokenizer: Any) -> frozenset[int]:
    """The ids of tokens whose text holds a line break: only after one can a loop be complete.
    (A scan of the vocabulary, ~0.15 s: compute it once per tokenizer.)"""
    return frozenset(
        token_id
        for token, token_id in tokenizer.get_vocab().items()
        if "\n" in tokenizer.convert_tokens_to_string([token])
    )


class LoopGuard:
    """A transformers stopping criterion: a row stops when its generated text loops."""

    def __init__(self, tokenizer: Any, newline_ids: frozenset[int], repeats: int = 3) -> None:
        self.tokenizer, self.newline_ids, self.repeats = tokenizer, newline_ids, repeats
        self.prompt_length: int | None = None  # learnt at the first call, after one new token

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if self.prompt_length is None:
            self.prompt_length = input_ids.shape[1] - 1
        for row in range(input_ids.shape[0]):
            if int(input_ids[row, -1]) not in self.newline_ids:
                continue
            start = max(self.prompt_length, input_ids.shape[1] - TAIL_TOKENS)
            tail = self.tokenizer.decode(input_ids[row, start:], skip_special_tokens=True)
            done[row] = looping_tail(tail, self.repeats) or repeated_command(tail)
        return done


class StopWhen:
    """Ends every sequence once `condition()` is true (checked after each token): a caller
    that no longer wants the result — a server request past its deadline — stops paying for it."""

    def __init__(self, condition: Callable[[], bool]) -> None:
        self.condition = condition

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        stop = bool(self.condition())
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)
