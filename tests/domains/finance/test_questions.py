"""Finance tasks: every spec §4 family at its level, gold answers the validator accepts and that
agree with the one executor, citations of the facts used, risk notes exactly for investment
questions, refusals that name the missing figure, small contexts with distractors, a clean
train/test split, and tasks that depend on the seed alone."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter

import pytest

from dslgen.domains.finance.answer import values_agree
from dslgen.domains.finance.context import (
    is_investment_question,
    mentioned_tickers,
    parse_context,
)
from dslgen.domains.finance.phrases import QUESTIONS
from dslgen.domains.finance.program import execute_program, parse_program
from dslgen.domains.finance.questions import (
    LEVELS,
    MIX,
    make_question_task,
    param_bucket,
    template_allowed,
)
from dslgen.domains.finance.validator import validate_answer

N = 200  # tasks per level and split
FAMILIES = {
    "lookup": {"lookup", "refusal"},
    "growth": {"yoy_growth", "qoq_growth", "margin", "ratio", "fast_growing", "refusal"},
    "compare": {"sector_rank", "sector_gap", "sector_total", "sector_greater", "refusal"},
    "screen": {"hype_move", "investment", "refusal"},
}
INVESTMENT_BASES = {"investment_stock", "investment_sector", "investment_pick"}


def _tasks(level: str, split: str, n: int = N, seed: int = 0):
    rng = random.Random(f"{seed}:{level}:{split}")
    return [make_question_task(rng, level, split) for _ in range(n)]


@pytest.fixture(scope="module")
def tasks():
    """(level, split) -> N tasks, with their parsed context and gold answer."""
    out = {}
    for level in LEVELS:
        for split in ("train", "test"):
            out[level, split] = [
                (t, parse_context(t.fixture), json.loads(t.script)) for t in _tasks(level, split)
            ]
    return out


def _all(tasks):
    return [item for items in tasks.values() for item in items]


def test_every_family_appears_at_its_level(tasks):
    assert set(FAMILIES) == set(LEVELS) == set(MIX)
    for (level, split), items in tasks.items():
        seen = Counter(t.intent for t, _, _ in items)
        assert set(seen) == FAMILIES[level], (level, split, seen)
        assert all(t.level == level for t, _, _ in items)
    bases = {t.topic for t, _, _ in _all(tasks)}
    assert bases >= INVESTMENT_BASES


def test_gold_answers_validate(tasks):
    for (level, split), items in tasks.items():
        for task, context, _ in items:
            report = validate_answer(task.script, context)
            assert report.valid, (level, split, task.script, report.errors)


def test_values_come_from_the_calculation(tasks):
    for task, context, gold in _all(tasks):
        if gold["calculation"] is None:
            continue
        result = execute_program(gold["calculation"], context.fact_values(), context.rows())
        if isinstance(result, str):
            assert gold["value"] is None and gold["answer"].lower().startswith(result)
        else:
            assert values_agree(gold["value"], result, gold["unit"]), task.script


def test_citations_are_the_facts_used_with_their_dates(tasks):
    for task, context, gold in _all(tasks):
        cited = [c["source"] for c in gold["citations"]]
        assert len(cited) == len(set(cited))
        for citation in gold["citations"]:
            assert citation["timestamp"] == context.timestamp_of(citation["source"])
        if gold["calculation"]:
            facts = context.fact_values()
            used = {a for s in parse_program(gold["calculation"]) for a in s.args if a in facts}
            assert used <= set(cited), task.script
        elif gold["value"] is not None:  # a lookup cites the fact whose value it states
            assert any(context.fact_values().get(s) == gold["value"] for s in cited)


def test_risk_note_exactly_for_investment_questions(tasks):
    for task, _, gold in _all(tasks):
        investment = is_investment_question(task.instruction)
        assert investment == (task.intent == "investment"), task.instruction
        assert (gold["risk_note"] is not None) == investment


def test_templates_say_investment_only_in_investment_families():
    fields = dict(T="QVRA", A="QVRA", B="LUMX", L="QVRA, LUMX and ZEPH", P="2022Q3", M="revenue")
    fields |= dict(N="20", D="2022-09-30", S="software", Y="YoY", X="net income", P0="2021Q3", P3="2021Q4")  # fmt: skip
    for base, templates in QUESTIONS.items():
        assert len(templates) == 8
        for template in templates:
            text = template.format(**fields)
            assert is_investment_question(text) == (base in INVESTMENT_BASES), text


def test_answer_tickers_are_the_asked_ones(tasks):
    for task, context, gold in _all(tasks):
        asked = mentioned_tickers(task.instruction, context)
        assert gold["tickers"] and set(gold["tickers"]) <= set(asked), task.instruction


def test_refusals_name_the_missing_fact(tasks):
    refusals = [(t, c, g) for t, c, g in _all(tasks) if t.intent == "refusal"]
    assert len(refusals) > 100
    for task, context, gold in refusals:
        assert gold["value"] is None and gold["calculation"] is None and gold["unit"] == "none"
        assert gold["context_required"] is True and gold["citations"] == []
        missing = re.search(r"\(([A-Z]{3,4}-\d{4}Q[1-4]-[a-z_]+)\)", gold["answer"]).group(1)
        assert missing not in context.source_ids()
        ticker, period, _ = missing.split("-", 2)
        assert ticker in task.instruction or ticker in gold["tickers"]
        assert not any(s.ticker == ticker for s in context.snippets)  # no call restating it
    assert {t.topic for t, _, _ in refusals} >= {"lookup", "yoy_growth", "sector_rank", "hype_move"}


def test_contexts_are_small_with_distractors(tasks):
    for task, context, gold in _all(tasks):
        assert len(context.facts) <= 40 and len(context.snippets) <= 4
        assert len(context.facts) > len(gold["citations"])  # more than what is needed
        assert bool(context.sentiment) == (task.topic in ("hype_move", "investment_stock"))
        assert context.question == task.instruction
        for fact in context.facts:
            assert re.fullmatch(r"[A-Z]{3,4}-\d{4}Q[1-4]-[a-z_]+", fact.id)
        for snippet in context.snippets:
            assert re.fullmatch(r"[A-Z]{3,4}-call-\d{4}Q[1-4]-\d", snippet.id)
    with_bystanders = sum(
        bool(set(c.tickers()) - set(mentioned_tickers(t.instruction, c))) for t, c, _ in _all(tasks)
    )
    assert with_bystanders > 0.8 * len(_all(tasks))


def test_yes_and_no_both_occur(tasks):
    said = Counter(
        (t.intent, g["answer"].split(".")[0])
        for t, _, g in _all(tasks)
        if t.intent in ("fast_growing", "sector_greater")
    )
    assert all(said[(f, w)] >= 10 for f in ("fast_growing", "sector_greater") for w in ("Yes", "No")), said  # fmt: skip


def test_train_and_test_share_no_template_or_parameters(tasks):
    for level in LEVELS:
        train = tasks[level, "train"]
        test = tasks[level, "test"]
        assert not {t.template_id for t, _, _ in train} & {t.template_id for t, _, _ in test}
        assert not {t.param_key for t, _, _ in train} & {t.param_key for t, _, _ in test}
        for split, items in (("train", train), ("test", test)):
            for task, _, _ in items:
                assert param_bucket(task.param_key) == split
                assert template_allowed(int(task.template_id.rsplit("/", 1)[1]), split)


def test_dev_split_uses_train_templates_and_its_own_bucket():
    for task in _tasks("compare", "dev", 30):
        assert param_bucket(task.param_key) == "dev"
        assert int(task.template_id.rsplit("/", 1)[1]) % 4 != 3


@pytest.mark.parametrize("level", LEVELS)
def test_same_seed_same_tasks(level):
    for split in ("train", "test"):
        a, b = _tasks(level, split, 25, seed=9), _tasks(level, split, 25, seed=9)
        assert a == b
        assert [json.dumps(t.fixture) for t in a] == [json.dumps(t.fixture) for t in b]
    assert _tasks(level, "train", 5, seed=1) != _tasks(level, "train", 5, seed=2)


def test_tasks_do_not_depend_on_the_hash_seed():
    """Byte-identical across processes: no iteration over sets of strings decides anything."""
    code = (
        "import json, random\n"
        "from dslgen.domains.finance.questions import make_question_task\n"
        "rng = random.Random(5)\n"
        "print(json.dumps([make_question_task(rng, level, 'train').__dict__ "
        "for level in ('lookup', 'growth', 'compare', 'screen') for _ in range(5)]))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_unknown_level_or_split_is_a_clear_error():
    with pytest.raises(ValueError, match="level must be one of"):
        make_question_task(random.Random(0), "micro", "train")
    with pytest.raises(ValueError, match="split one of"):
        make_question_task(random.Random(0), "lookup", "validation")
