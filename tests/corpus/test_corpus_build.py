"""Corpus acceptance: positives execute to their expected state, negatives fail with their label,
every error class is covered, no template or parameter combination leaks, rebuilds are identical."""

from __future__ import annotations

import filecmp
import json
from dataclasses import replace
from pathlib import Path

import pytest

from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
from dslgen.corpus.records import read_jsonl
from dslgen.corpus.write import write_corpus
from dslgen.domains.pdflow.state import equal_states
from tests.validate.test_error_classes import SPEC_CLASSES

EVALS = Path(__file__).parents[2] / "evals" / "pdflow"


def build(config: CorpusConfig, out: Path) -> dict:
    corpus = assemble(config, generate_examples(config))
    return write_corpus(config, corpus, out, 0.0)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    build(CorpusConfig(n=2400, seed=3, negative_rate=1.0, workers=2), out)
    return out


def test_positives_validate_and_reach_their_expected_state(pdflow, corpus_dir):
    positives = [
        r for split in ("train", "dev", "test") for r in read_jsonl(corpus_dir / f"{split}.jsonl")
    ]
    positives += [
        r | {"output": r["reference"]}
        for s in ("syntax", "unit", "scenario")
        for r in read_jsonl(EVALS / f"{s}.jsonl")
    ]
    assert len(positives) >= 2000
    for record in positives:
        report = pdflow.validate(record["output"], record["fixture"])
        assert report.valid, (record["id"], [e.render() for e in report.errors])
        assert equal_states(report.state, record["expected_state"]), record["id"]


def test_negatives_fail_with_their_label_and_cover_every_class(pdflow, corpus_dir):
    negatives = read_jsonl(corpus_dir / "negatives.jsonl")
    assert len(negatives) >= 2000
    for record in negatives:
        report = pdflow.validate(record["output"], record["fixture"]).to_json()
        assert not report["valid"]
        assert report["errors"][0]["class"] == record["error_class"], record["id"]
    assert {r["error_class"] for r in negatives} == SPEC_CLASSES


def test_repair_pairs_go_from_broken_to_the_valid_reference(corpus_dir):
    repairs = read_jsonl(corpus_dir / "repairs.jsonl")
    negatives = {
        r["id"].removesuffix("-neg"): r for r in read_jsonl(corpus_dir / "negatives.jsonl")
    }
    assert len(repairs) == len(negatives)
    for repair in repairs[:200]:
        broken = negatives[repair["id"].removesuffix("-repair")]
        assert (
            broken["output"] in repair["instruction"]
            and broken["error_class"] in repair["instruction"]
        )


def test_no_template_or_parameter_overlap_between_train_and_test(corpus_dir):
    stats = json.loads((corpus_dir / "stats.json").read_text())
    assert stats["overlap"] == {
        "templates_train_test": 0,
        "params_train_test": 0,
        "instructions_train_test": 0,
    }
    train_templates = {
        t
        for r in read_jsonl(corpus_dir / "train.jsonl")
        for t in r["metadata"]["template_id"].split("+")
    }
    for suite in ("syntax", "unit", "scenario"):
        for record in read_jsonl(EVALS / f"{suite}.jsonl"):
            assert not set(record["template_id"].split("+")) & train_templates, record["id"]


def test_record_format(corpus_dir):
    record = read_jsonl(corpus_dir / "train.jsonl")[0]
    assert set(record) >= {
        "id",
        "level",
        "instruction",
        "context",
        "output",
        "valid",
        "error_class",
        "fixture",
        "expected_state",
        "metadata",
    }
    assert set(record["metadata"]) >= {"validators_passed", "topic", "template_id"}
    chat = read_jsonl(corpus_dir / "train.chat.jsonl")[0]
    assert [m["role"] for m in chat["prompt"]] == ["system", "user"]
    assert chat["completion"] == [{"role": "assistant", "content": record["output"]}]


def test_same_seed_gives_byte_identical_files_whatever_the_workers(tmp_path):
    config = CorpusConfig(n=300, seed=11, workers=1)
    build(config, tmp_path / "a")
    build(replace(config, workers=2), tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(names) >= 10


def test_eval_suites_are_frozen_and_reproducible(tmp_path):
    from dslgen.corpus.evals import build_eval_suites

    counts = build_eval_suites("pdflow", tmp_path)
    assert counts["unit"] >= 200 and counts["scenario"] >= 100 and counts["syntax"] >= 100
    for suite in counts:
        assert (tmp_path / f"{suite}.jsonl").read_bytes() == (EVALS / f"{suite}.jsonl").read_bytes()


def test_no_training_record_leaks_any_eval_suite_handwritten_included(corpus_dir):
    """The leakage check (the one curation refuses examples with) covers every committed suite,
    the hand-phrased one included, and no generated training record trips it."""
    from dslgen.curate.leakage import EvalSuiteIndex

    index = EvalSuiteIndex.load(EVALS)
    assert index is not None
    assert any(ident.startswith("hw-") for ident in index.task_ids)
    handwritten = read_jsonl(EVALS / "handwritten.jsonl")[0]
    assert index.leak("new", handwritten["instruction"], "", None) is not None
    for record in read_jsonl(corpus_dir / "train.jsonl"):
        reason = index.leak(
            record["id"],
            record["instruction"],
            record["output"],
            record.get("expected_state"),
            record.get("fixture"),
        )
        assert reason is None, (record["id"], reason)
