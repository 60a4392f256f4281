"""The curriculum plan: stage lengths, shares, repairs, curated examples, order, online weights."""

from __future__ import annotations

import json

import pytest

from dslgen.errors import InputFileError
from dslgen.train.config import TrainConfig, load_train_config
from dslgen.train.data import load_pool, plan_stage, stage_lengths

LEVELS = ("micro", "unit", "multi", "scenario")


def test_stage_steps_follow_the_shares_and_sum_to_max_steps():
    shares = {"micro": 0.15, "unit": 0.35, "multi": 0.3, "scenario": 0.2}
    config = TrainConfig(max_steps=100, stages=shares)
    assert stage_lengths(config, LEVELS) == [
        ("micro", 15),
        ("unit", 35),
        ("multi", 30),
        ("scenario", 20),
    ]
    tiny = TrainConfig(max_steps=3, stages=shares)
    assert sum(n for _, n in stage_lengths(tiny, LEVELS)) == 3


def test_unknown_stage_level_is_a_clear_error():
    with pytest.raises(InputFileError, match="levels the domain does not have: macro"):
        stage_lengths(TrainConfig(stages={"macro": 1.0}), LEVELS)


def test_stage_draws_its_level_with_the_repair_share_easiest_bucket_first(small_corpus):
    pool = load_pool(small_corpus, [])
    config = TrainConfig(max_steps=40, batch_size=4, repair_share=0.25, difficulty_buckets=2)
    rows = plan_stage(config, pool, 1, "unit", 10, {})
    assert len(rows) == 40
    assert {r["level"] for r in rows} == {"unit"}
    repairs = [r for r in rows if r["id"].endswith("-repair")]
    assert len(repairs) == 10
    lengths = [len(r["output"]) for r in rows]
    assert max(lengths[:20]) <= min(lengths[20:])  # bucket 1 holds the shorter half
    again = plan_stage(config, pool, 1, "unit", 10, {})
    assert [r["id"] for r in again] == [r["id"] for r in rows]  # deterministic per seed


def test_only_repairs_of_train_positives_are_used(small_corpus):
    pool = load_pool(small_corpus, [])
    train_ids = {
        json.loads(x)["id"] for x in (small_corpus / "train.jsonl").read_text().splitlines()
    }
    repairs = [r for level in pool.repairs.values() for r in level]
    assert repairs and all(r["id"].removesuffix("-repair") in train_ids for r in repairs)


def test_curated_examples_are_never_dropped(small_corpus, tmp_path):
    curated = tmp_path / "curated.jsonl"
    rows = [
        {"id": f"cur-{i}", "level": "unit", "instruction": f"task {i}", "output": "x\n"}
        for i in range(3)
    ]
    curated.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pool = load_pool(small_corpus, [curated])
    config = TrainConfig(max_steps=4, batch_size=1)
    planned = plan_stage(config, pool, 1, "unit", 2, {})
    assert {f"cur-{i}" for i in range(3)} <= {r["id"] for r in planned}


def test_curated_examples_of_a_level_left_without_steps_go_to_the_first_stage(
    small_corpus, tmp_path
):
    """Two steps over four levels leave two levels without a stage: their curated examples
    must ride in the first stage instead of vanishing (found by the whole-round test)."""
    config = TrainConfig(max_steps=2, batch_size=1, stages=dict.fromkeys(LEVELS, 1.0))
    stages = stage_lengths(config, LEVELS)
    staged = {level for level, _ in stages}
    unstaged = [level for level in LEVELS if level not in staged]
    assert unstaged
    curated = tmp_path / "curated.jsonl"
    rows = [
        {"id": f"cur-{level}", "level": level, "instruction": "task", "output": "x\n"}
        for level in unstaged
    ]
    curated.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pool = load_pool(small_corpus, [curated])
    planned = [
        r["id"]
        for index, (level, steps) in enumerate(stages)
        for r in plan_stage(config, pool, index, level, steps, {}, staged)
    ]
    assert sorted(i for i in planned if i.startswith("cur-")) == sorted(r["id"] for r in rows)


@pytest.mark.parametrize("cap", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_the_synthetic_share_cap_repeats_curated_examples_and_drops_none(
    small_corpus, tmp_path, cap
):
    curated = tmp_path / "curated.jsonl"
    rows = [
        {"id": f"cur-{i}", "level": "unit", "instruction": f"task {i}", "output": "x\n"}
        for i in range(3)
    ]
    curated.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pool = load_pool(small_corpus, [curated])
    config = TrainConfig(max_steps=40, batch_size=4, synthetic_share_max=cap)
    planned = plan_stage(config, pool, 1, "unit", 10, {})
    slots = 40
    ids = [r["id"] for r in planned]
    synthetic = [i for i in ids if not i.startswith("cur-")]
    assert len(synthetic) <= cap * slots + 1e-9
    assert {f"cur-{i}" for i in range(3)} <= set(ids)
    counts = {ids.count(f"cur-{i}") for i in range(3)}
    assert len(counts) == 1  # every curated example repeated alike
    assert len(planned) >= slots
    uncapped = plan_stage(
        config.model_copy(update={"synthetic_share_max": None}), pool, 1, "unit", 10
    )
    assert sum(i.startswith("cur-") for i in (r["id"] for r in uncapped)) == 3


def test_the_cap_leaves_stages_without_curated_examples_alone(small_corpus):
    pool = load_pool(small_corpus, [])
    capped = TrainConfig(max_steps=40, batch_size=4, synthetic_share_max=0.1)
    plain = TrainConfig(max_steps=40, batch_size=4)
    ids = lambda c: [r["id"] for r in plan_stage(c, pool, 1, "unit", 10, {})]  # noqa: E731
    assert ids(capped) == ids(plain) and len(ids(plain)) == 40


def test_online_filter_weights_draw_failing_intents_more_often(small_corpus):
    pool = load_pool(small_corpus, [])
    config = TrainConfig(max_steps=40, batch_size=4, repair_share=0.0)
    plain = plan_stage(config, pool, 1, "unit", 5, {})
    intents = sorted({r["intent"] for r in pool.tasks["unit"]})
    target = intents[0]
    boosted = plan_stage(config, pool, 1, "unit", 5, {target: 50.0})
    assert sum(r["intent"] == target for r in boosted) > sum(r["intent"] == target for r in plain)


def test_config_errors_name_the_file_and_field(tmp_path):
    bad = tmp_path / "train.toml"
    bad.write_text("max_steps = 0\nlora = { rank = 8 }\n")
    with pytest.raises(InputFileError) as caught:
        load_train_config(bad, {})
    message = str(caught.value)
    assert str(bad) in message and "max_steps" in message and "lora.rank" in message
    bad.write_text("max_steps = [\n")
    with pytest.raises(InputFileError, match="not valid TOML"):
        load_train_config(bad, {})


def test_flags_override_the_file(tmp_path):
    good = tmp_path / "train.toml"
    good.write_text('max_steps = 50\ncontext = "oracle"\n[lora]\nr = 8\n')
    config = load_train_config(good, {"max_steps": 7, "lora.alpha": 4, "seed": None})
    assert (config.max_steps, config.context, config.lora.r, config.lora.alpha) == (
        7,
        "oracle",
        8,
        4,
    )


def test_adapter_prompt_settings_follow_the_adapter_into_generation(tmp_path):
    from dslgen.decode.session import PROMPT_SETTINGS_FILE, adapter_prompt_settings

    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "adapter" / "adapter_config.json").write_text("{}")
    (run / "adapter" / PROMPT_SETTINGS_FILE).write_text('{"context": "none", "budget": 256}')
    assert adapter_prompt_settings(run) == {"context": "none", "budget": 256}
    assert adapter_prompt_settings(run / "adapter")["budget"] == 256
    assert adapter_prompt_settings(None) == {}
    assert adapter_prompt_settings(tmp_path / "elsewhere") == {}
