"""The handwritten pdflow suite: the committed JSONL is the build of the committed TOML, it covers
every host proc and DSL statement, its phrasing is not copied from the generated suites, and the
builder refuses broken references, duplicate ids and missing keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dslgen.errors import EvalConfigError
from dslgen.evals.handwritten import build_handwritten_suite

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals" / "pdflow"
SOURCE = EVALS / "handwritten.toml"
BUILT = EVALS / "handwritten.jsonl"

REQUIRED_INTENTS = {
    "load_design",
    "save",
    "create_net",
    "route",
    "keepout",
    "shield",
    "add_buffer",
    "place",
    "set_effort",
    "report_timing",
    "set_corner",
    "set_fanout",
    "dsl_rule",
    "dsl_group",
    "dsl_layer",
    "multi",
}

GOOD_TASK = '''
[[task]]
id = "{id}"
intent = "route"
instruction = "route CLK on M2 in top.def"
fixture = {{design_nets = {{CLK = "clock"}}}}
reference = """
#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
my::route -net CLK -layer {layer}
"""
'''


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def test_committed_jsonl_is_the_build_of_the_toml(tmp_path: Path) -> None:
    out = tmp_path / "handwritten.jsonl"
    count = build_handwritten_suite(SOURCE, out)
    assert out.read_bytes() == BUILT.read_bytes(), "rebuild evals/pdflow/handwritten.jsonl"
    assert count == len(_records(BUILT))


def test_suite_size_and_intent_coverage() -> None:
    records = _records(BUILT)
    assert len(records) >= 40
    intents = {r["intent"] for r in records}
    assert intents >= REQUIRED_INTENTS, REQUIRED_INTENTS - intents
    assert sum(r["intent"] == "multi" for r in records) >= 10
    for record in records:
        assert record["suite"] == record["level"] == "handwritten"
        assert record["expected_state"]["design"], record["id"]


def test_references_cover_every_host_proc_and_dsl_form() -> None:
    text = "\n".join(r["reference"] for r in _records(BUILT))
    for needle in (
        "my::load_design",
        "my::save_design",
        "my::create_net -name VDDA -type",
        "my::create_net -name SCAN_OUT\n",
        "-width",
        "my::keepout",
        "my::shield",
        "-count",
        "-orient",
        "my::set_effort",
        "-paths",
        "set ::tech::corner",
        "set ::flow::max_fanout",
        "apply_to: @",
        "apply_to: *",
        "max_length:",
        "shield: VSS",
        "layers: M",
        "nm",
        "direction: vertical",
        "foreach",
    ):
        assert needle in text, needle


def test_broken_reference_names_the_task(tmp_path: Path) -> None:
    source = tmp_path / "hw.toml"
    source.write_text(
        GOOD_TASK.format(id="hw-ok", layer="M2") + GOOD_TASK.format(id="hw-bad", layer="M9"),
        encoding="utf-8",
    )
    out = tmp_path / "hw.jsonl"
    with pytest.raises(EvalConfigError, match="hw-bad") as caught:
        build_handwritten_suite(source, out)
    assert str(source) in str(caught.value)
    assert "bad_enum" in str(caught.value)
    assert not out.exists()


def test_duplicate_ids_raise(tmp_path: Path) -> None:
    source = tmp_path / "hw.toml"
    source.write_text(GOOD_TASK.format(id="hw-1", layer="M2") * 2, encoding="utf-8")
    with pytest.raises(EvalConfigError, match="duplicate task id hw-1"):
        build_handwritten_suite(source, tmp_path / "hw.jsonl")


def test_missing_key_raises(tmp_path: Path) -> None:
    source = tmp_path / "hw.toml"
    source.write_text(
        GOOD_TASK.format(id="hw-1", layer="M2").replace('intent = "route"\n', ""),
        encoding="utf-8",
    )
    with pytest.raises(EvalConfigError, match="hw-1 lacks intent"):
        build_handwritten_suite(source, tmp_path / "hw.jsonl")


def test_builder_writes_sorted_records(tmp_path: Path) -> None:
    source = tmp_path / "hw.toml"
    source.write_text(GOOD_TASK.format(id="hw-1", layer="M2"), encoding="utf-8")
    out = tmp_path / "hw.jsonl"
    assert build_handwritten_suite(source, out) == 1
    line = out.read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    assert list(record) == sorted(record)
    assert record["expected_state"]["nets"]["CLK"]["route"] == {"layer": "M2", "width": 0.1}


def test_instructions_are_not_copied_from_generated_suites() -> None:
    generated: set[str] = set()
    for name in ("unit.jsonl", "scenario.jsonl"):
        path = EVALS / name
        if path.is_file():
            generated |= {_normalise(r["instruction"]) for r in _records(path)}
    assert generated, "no generated suites to compare with"
    copied = [r["id"] for r in _records(BUILT) if _normalise(r["instruction"]) in generated]
    assert not copied
