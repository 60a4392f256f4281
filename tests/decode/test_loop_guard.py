"""The loop guard ends a sample that repeats a block of lines, and nothing else."""

from __future__ import annotations

import torch

from dslgen.decode.loopguard import LoopGuard, looping_tail, newline_token_ids
from dslgen.models import load_tokenizer

SCRIPT = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file top.def\n"


def test_one_line_written_three_times_is_a_loop() -> None:
    assert looping_tail(SCRIPT + "# This is the default.\n" * 3)
    assert not looping_tail(SCRIPT + "# This is the default.\n" * 2)


def test_a_block_of_lines_written_three_times_is_a_loop() -> None:
    block = "# Load top.def.\n# Create a clock net CLK.\n"
    assert looping_tail(SCRIPT + block * 3)
    assert not looping_tail(SCRIPT + block * 2 + "# Create a clock net CLK.\n")


def test_the_line_being_written_does_not_count() -> None:
    assert not looping_tail(SCRIPT + "# x\n# x\n# x")


def test_closing_braces_and_blank_lines_are_not_a_loop() -> None:
    assert not looping_tail(SCRIPT + "dsl {\n  rule r {\n    x\n  }\n}\n}\n}\n\n\n\n")


def test_guard_stops_only_the_looping_row(default_model_path) -> None:
    tokenizer = load_tokenizer(str(default_model_path))
    prompt = tokenizer("Write a script.", add_special_tokens=False)["input_ids"]
    looping = tokenizer(SCRIPT + "# again\n" * 3, add_special_tokens=False)["input_ids"]
    healthy = tokenizer(SCRIPT + "# again\n" * 2, add_special_tokens=False)["input_ids"]
    guard = LoopGuard(tokenizer, newline_token_ids(tokenizer))
    guard(torch.tensor([prompt + looping[:1]] * 2), None)  # first call learns the prompt length
    # Left padding with "#" so both rows end on their last line break.
    width = max(len(looping), len(healthy))
    pad = tokenizer("#", add_special_tokens=False)["input_ids"]
    rows = [prompt + pad * (width - len(ids)) + ids for ids in (looping, healthy)]
    done = guard(torch.tensor(rows), None)
    assert done.tolist() == [True, False]


def test_stop_when_ends_sampling_as_soon_as_its_condition_holds(tiny_model, one_torch_thread):
    """The server's deadline stops a sample mid-way: a condition true from the start ends the
    sample after one token instead of at max_tokens."""
    from dslgen.decode.sampler import Sampler
    from dslgen.models import load_model, load_tokenizer

    sampler = Sampler(load_model(str(tiny_model)), load_tokenizer(str(tiny_model)))
    messages = [{"role": "user", "content": "Write anything."}]
    free = sampler.sample(messages, max_tokens=40, temperature=0, stop_loops=False)
    stopped = sampler.sample(
        messages, max_tokens=40, temperature=0, stop_loops=False, stop_when=lambda: True
    )
    # (token counts are of the re-tokenised text, which merges this model's newlines: use length)
    assert len(free[0].text) >= 30
    assert len(stopped[0].text) <= 8 and not stopped[0].truncated


def test_a_command_written_again_stops_the_sample() -> None:
    from dslgen.decode.loopguard import repeated_command

    script = "my::load_design -file top.def\nmy::create_net -name CLK\n"
    assert repeated_command(script + "my::create_net -name CLK\n")
    assert not repeated_command(script + "my::create_net -name CLK2\n")
    assert not repeated_command(script + "my::create_net -name CLK")  # still being written
    # block openers and closers, comments and puts repeat in real scripts
    for line in ("dsl {", "}", "} else {", "# note", 'puts "x"'):
        assert not repeated_command(f"{line}\nmy::route -net CLK -layer M3\n{line}\n")
