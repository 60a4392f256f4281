"""The generic pipeline on the finance domain, end to end on a tiny random model: generate under the
fixture-bound grammar, the generic CLI commands, and the eval harness on synthetic and TAT-QA
suites. A random model answers nonsense; what the grammar guarantees is the form — schema-valid
JSON, a parseable calculation, and sources only from the context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.corpus.records import read_jsonl
from dslgen.decode.pipeline import GenerateRequest, generate_script
from dslgen.domain import get_domain

pytest.importorskip("outlines")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

REPO = Path(__file__).resolve().parents[3]
SUITE = REPO / "evals" / "finance" / "synthetic.jsonl"
DATA_DIR = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def finance():
    return get_domain("finance")


@pytest.fixture(scope="module")
def sampler(eager_tiny_model):
    from dslgen.decode.sampler import Sampler
    from dslgen.models import load_model, load_tokenizer

    return Sampler(load_model(str(eager_tiny_model)), load_tokenizer(str(eager_tiny_model)))


def _form_is_guaranteed(report_json: dict) -> None:
    classes = {e["class"] for e in report_json["errors"]}
    assert report_json["valid_syntax"], report_json["errors"]  # JSON + schema
    assert report_json["valid_dsl_blocks"] is not False  # the calculation parses
    assert not classes & {"json_syntax", "schema", "calc_syntax", "unknown_source"}


def test_grammar_answers_are_schema_valid_and_cite_only_the_context(finance, sampler):
    task = read_jsonl(SUITE)[0]
    request = GenerateRequest(
        task["instruction"],
        {k: v for k, v in task["fixture"].items() if k != "question"},
        k=2,
        temperature=1.0,
        max_tokens=2000,
        seed=3,
        repair_rounds=0,
    )
    result = generate_script(request, finance, sampler)
    sources = {f["id"] for f in task["fixture"]["facts"]} | {
        s["id"] for s in task["fixture"]["snippets"]
    }
    assert len(result.candidates) == 2
    for candidate in result.candidates:
        _form_is_guaranteed(candidate.report.to_json())
        answer = json.loads(candidate.sample.text)
        assert {c["source"] for c in answer["citations"]} <= sources


def test_generate_cli_takes_a_question_and_a_context_file(eager_tiny_model, tmp_path):
    task = read_jsonl(SUITE)[1]
    context = tmp_path / "ctx.json"
    context.write_text(json.dumps(task["fixture"]))
    args = ["generate", "--domain", "finance", "--question", task["instruction"]]
    args += ["--context", str(context), "--model", str(eager_tiny_model), "--k", "1"]
    args += ["--max-tokens", "2000", "--no-retrieval", "--repair-rounds", "0", "--format", "json"]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code in (0, 1), outcome.output
    result = json.loads(outcome.stdout)
    _form_is_guaranteed(result["candidates"][0]["report"])


def test_a_bad_context_file_is_a_sentence_naming_the_field(eager_tiny_model, tmp_path):
    context = tmp_path / "ctx.json"
    context.write_text(json.dumps({"facts": [{"id": "X-1", "value": "lots"}]}))
    args = ["generate", "--domain", "finance", "--question", "What was revenue?"]
    args += ["--context", str(context), "--model", str(eager_tiny_model), "--no-retrieval"]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code != 0
    assert "facts" in outcome.output and "Traceback" not in outcome.output


def test_eval_scores_synthetic_and_tatqa_suites(eager_tiny_model, tmp_path):
    from dslgen.evals.cli import eval_group

    suites = "synthetic,tatqa" if (DATA_DIR / "tatqa_test_gold.json").is_file() else "synthetic"
    args = ["--domain", "finance", "--suite", suites, "--limit", "1", "--n", "1", "--k", "1"]
    args += ["--temperature", "0", "--max-tokens", "1500", "--no-retrieval"]
    args += ["--model", str(eager_tiny_model), "--data-dir", str(DATA_DIR), "--out", str(tmp_path)]
    outcome = CliRunner().invoke(eval_group, args)
    assert outcome.exit_code == 0, outcome.output
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["metrics"]["by_suite"]) == set(suites.split(","))
    # Under the grammar every answer is schema-valid JSON whatever the model.
    assert results["metrics"]["overall"]["tcl_parse_rate"] == 1.0
    assert "value accuracy" in (tmp_path / "report.md").read_text()


def test_real_suite_without_its_data_names_the_option(eager_tiny_model, tmp_path):
    from dslgen.evals.cli import eval_group

    args = ["--domain", "finance", "--suite", "tatqa", "--n", "1", "--k", "1"]
    args += ["--temperature", "0", "--model", str(eager_tiny_model)]
    args += ["--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "run")]
    outcome = CliRunner().invoke(eval_group, args)
    assert outcome.exit_code != 0
    assert "--data-dir" in outcome.output and "Traceback" not in outcome.output
