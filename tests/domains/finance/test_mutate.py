"""Finance hard negatives: each is invalid with its label as the validator's first error, every
class of spec §3 is produced (swapped periods included), and the output depends on the seed."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from dslgen.domains.finance.context import parse_context
from dslgen.domains.finance.mutate import _FAMILIES, CLASSES, mutate_answer
from dslgen.domains.finance.questions import LEVELS, make_question_task
from dslgen.domains.finance.validator import validate_answer

SPEC_CLASSES = {
    "json_syntax", "schema", "calc_syntax", "calc_runtime", "value_mismatch",
    "unknown_source", "missing_citation", "missing_risk_note", "ticker_mismatch",
}  # fmt: skip


@pytest.fixture(scope="module")
def judged():
    """(task, negative, the validator's error classes in report order) over 50 tasks a level."""
    out = []
    for level in LEVELS:
        rng = random.Random(f"neg:{level}")
        for _ in range(50):
            task = make_question_task(rng, level, "train")
            context = parse_context(task.fixture)
            for negative in mutate_answer(task.script, task.fixture, rng):
                report = validate_answer(negative.text, context)
                classes = [e["class"] for e in report.to_json()["errors"]]
                out.append((task, negative, classes))
    return out


def test_classes_are_the_spec_classes():
    assert set(CLASSES) == SPEC_CLASSES


def test_every_negative_fails_with_its_class_first(judged):
    assert len(judged) > 1000
    wrong = [(n.error_class, c, n.mutation) for _, n, c in judged if not c or c[0] != n.error_class]
    assert not wrong, wrong[:10]


def test_mutators_aim_right_without_the_safety_net():
    """The validator check in mutate_answer is a safety net: the mutators themselves (unchanged
    texts aside) already cause exactly their class, so no class is made by filtering noise."""
    made, hit = Counter(), Counter()
    for level in LEVELS:
        rng = random.Random(f"aim:{level}")
        for i in range(25):
            task = make_question_task(rng, level, "train")
            context, data = parse_context(task.fixture), json.loads(task.script)
            for family in _FAMILIES:
                for cls, text, _ in family(data, context, random.Random(i)):
                    if text != task.script:
                        errors = validate_answer(text, context).to_json()["errors"]
                        made[cls] += 1
                        hit[cls] += bool(errors) and errors[0]["class"] == cls
    assert all(hit[c] >= 0.98 * made[c] for c in SPEC_CLASSES), (made, hit)


def test_every_class_is_produced_often(judged):
    counts = Counter(n.error_class for _, n, _ in judged)
    assert set(counts) == SPEC_CLASSES
    assert all(counts[c] >= 20 for c in SPEC_CLASSES), counts


def test_realistic_mistakes_are_among_them(judged):
    said = Counter(n.mutation.split(" ")[0] for _, n, _ in judged)
    for what in ("swapped", "flipped", "cited", "misspelt", "dated", "left", "named", "divided"):
        assert said[what] > 0, what
    swaps = [n for _, n, _ in judged if n.mutation.startswith("swapped")]
    assert all(n.error_class == "value_mismatch" for n in swaps)
    assert any("-price" in n.mutation or "-revenue" in n.mutation for n in swaps)


def test_risk_notes_are_only_dropped_from_investment_answers(judged):
    for task, negative, _ in judged:
        if negative.error_class == "missing_risk_note":
            assert task.intent == "investment"
            assert json.loads(negative.text)["risk_note"] is None


def test_negatives_change_the_source_and_say_how(judged):
    for task, negative, _ in judged:
        assert negative.source == task.script != negative.text
        assert negative.mutation and "None" not in negative.mutation.replace("Python None", "")


def test_refusals_get_negatives_too(judged):
    kinds = Counter(n.error_class for t, n, _ in judged if t.intent == "refusal")
    assert {"json_syntax", "schema", "unknown_source", "ticker_mismatch"} <= set(kinds)


def test_classes_are_interleaved():
    task = make_question_task(random.Random(3), "screen", "train")
    first = [n.error_class for n in mutate_answer(task.script, task.fixture, random.Random(0))]
    assert len(set(first[:6])) == 6


def test_same_seed_same_negatives():
    for level in LEVELS:
        task = make_question_task(random.Random(level), level, "train")

        def run(seed: int, task=task) -> list[tuple[str, str, str]]:
            found = mutate_answer(task.script, task.fixture, random.Random(seed))
            return [(n.text, n.error_class, n.mutation) for n in found]

        assert run(4) == run(4)
        assert run(4) != run(5)


def test_invalid_input_gives_nothing():
    task = make_question_task(random.Random(1), "growth", "train")
    rng = random.Random(0)
    assert list(mutate_answer(task.script[:-1], task.fixture, rng)) == []
    assert list(mutate_answer(task.script, {"facts": "nope"}, rng)) == []
    assert list(mutate_answer(task.script, {}, rng)) == []  # valid JSON, but not for this context
