"""The preference stage after SFT: DPO on pairs ranked by execution.

SFT teaches the form of a script; what it does not teach is to prefer the script that does the
task over a valid one that does something else, which is the mistake left after SFT. The
executor already says which is which, so the pairs need no labeller:

1. sample the SFT model on train-split tasks the way `dslgen generate` does (the adapter's own
   prompt settings, the grounded grammar, k samples, each validated and executed);
2. per task, pair a sample whose executed state matches the task's expected state (chosen) with
   one that is valid but wrong, or else invalid (rejected); a task none of whose samples is
   right takes its reference script as the chosen side when `reference_chosen` is on;
3. train the SFT adapter further with trl's DPOTrainer, the SFT adapter itself (frozen copy) as
   the reference model;
4. run the regression gate's eval on the held-out suites for SFT and DPO: the DPO adapter is
   kept only when no suite drops by more than the gate's threshold and pass@1 summed over the
   suites is higher. `gate.json` records both sides and the verdict.

Folder (`dslgen train dpo SFT_RUN`, default SFT_RUN/dpo/): config.json, pairs.jsonl (kept
across a re-run: sampling is the slow part), metrics.jsonl, adapter/, gate.json.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dslgen.corpus.records import read_jsonl, write_jsonl
from dslgen.domain import Domain
from dslgen.errors import InputFileError
from dslgen.prompts import render_messages
from dslgen.tomlfile import read_toml, validated

Say = Callable[[str], None]


class PreferenceConfig(BaseModel):
    """What one DPO stage does. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    tasks: int = Field(240, ge=1)  # train-split tasks sampled for pairs
    levels: dict[str, float] | None = None  # level -> share of tasks; default: the SFT stages
    k: int = Field(4, ge=2)
    temperature: float = Field(0.8, gt=0)
    max_tokens: int = Field(512, ge=16)
    reference_chosen: bool = True
    runtime: str = "auto"
    seed: int = 0
    # optimisation
    beta: float = Field(0.1, gt=0)
    learning_rate: float = Field(5e-5, gt=0)
    max_steps: int = Field(60, ge=1)
    batch_size: int = Field(4, ge=1)
    max_length: int = Field(1024, ge=64)
    precision: Literal["auto", "bf16", "fp32"] = "auto"  # see dslgen.hardware.trains_in_bf16
    # the gate: greedy, one sample per task, the first `gate_limit` tasks of each suite
    gate_suites: list[str] = ["unit", "handwritten"]
    gate_limit: int = Field(48, ge=1)
    gate_threshold: float = Field(0.05, ge=0)


def load_preference_config(path: Path | None, overrides: dict[str, Any]) -> PreferenceConfig:
    """The DPO config in `path` (TOML) with `overrides` (flags; None values ignored) applied."""
    data = read_toml(path, "the DPO config") if path is not None else {}
    data |= {key: value for key, value in overrides.items() if value is not None}
    return validated(PreferenceConfig, data, str(path or "the command line"), "DPO config")


@dataclass
class PreferenceOutcome:
    folder: Path
    pairs: int
    kept: bool
    reason: str
    scores: dict[str, dict[str, float | None]]  # "sft"/"dpo" -> suite -> pass@1


def pick_tasks(sft_run: Path, config: PreferenceConfig) -> list[dict[str, Any]]:
    """`config.tasks` train-split records of the SFT run's corpus, spread over levels like its
    stages (or `config.levels`), seeded; tasks with an expected state only (to score them)."""
    run_config = json.loads((sft_run / "config.json").read_text(encoding="utf-8"))["config"]
    state = json.loads((sft_run / "run.json").read_text(encoding="utf-8"))
    corpus = Path(state.get("corpus") or sft_run / "corpus")
    records = [
        r
        for r in read_jsonl(corpus / "train.jsonl")
        if r.get("valid", True) and r.get("expected_state")
    ]
    shares = config.levels or run_config.get("stages") or {}
    total = sum(shares.values()) or 1.0
    rng = random.Random(f"{config.seed}:dpo")
    chosen: list[dict[str, Any]] = []
    for level, share in shares.items():
        pool = sorted((r for r in records if r["level"] == level), key=lambda r: r["id"])
        rng.shuffle(pool)
        chosen += pool[: round(config.tasks * share / total)]
    return chosen


def collect_pairs(
    domain: Domain,
    base: str,
    adapter: Path,
    tasks: list[dict[str, Any]],
    config: PreferenceConfig,
    say: Say = lambda message: None,
) -> list[dict[str, Any]]:
    """One chosen/rejected pair per task where the executor tells two samples apart."""
    from dslgen.decode.pipeline import GenerateRequest, bound_to_domain, generate_script
    from dslgen.decode.session import open_session

    session = open_session(domain, base, adapter, runtime=config.runtime)
    pairs = []
    started = time.perf_counter()
    for number, record in enumerate(tasks, 1):
        request = GenerateRequest(
            record["instruction"],
            record.get("fixture"),
            k=config.k,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            seed=config.seed + number,
            repair_rounds=0,
        )
        result = generate_script(request, domain, session.sampler, session.build_context)
        # the prompt the samples were drawn from: the pipeline's context and bound fixture
        fixture = bound_to_domain(request, domain).fixture
        messages = render_messages(domain.name, request.instruction, result.context, fixture)
        pair = _pair(domain, record, result.candidates, config.reference_chosen)
        if pair is not None:
            pairs.append({"id": record["id"], "level": record["level"], "prompt": messages} | pair)
        if number % 20 == 0 or number == len(tasks):
            say(
                f"sampled {number}/{len(tasks)} tasks, {len(pairs)} pairs, "
                f"{time.perf_counter() - started:.0f} s"
            )
    return pairs


def _pair(
    domain: Domain, record: dict[str, Any], candidates: list[Any], reference_chosen: bool
) -> dict[str, Any] | None:
    """The chosen and rejected texts of one task (None when the executor cannot rank two)."""
    right, wrong, invalid = [], [], []
    for candidate in candidates:
        text = candidate.sample.text
        if not candidate.report.valid or candidate.report.state is None:
            invalid.append(text)
        elif domain.outcome_matches(candidate.report.state, record["expected_state"]):
            right.append(text)
        else:
            wrong.append(text)
    rejected = (wrong or invalid or [None])[0]
    if rejected is None:
        return None
    if right:
        chosen, source = right[0], "sample"
    elif reference_chosen:
        chosen, source = record["output"], "reference"
    else:
        return None
    if chosen.strip() == rejected.strip():
        return None
    return {
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "chosen_source": source,
        "rejected_kind": "wrong" if wrong else "invalid",
    }


def train_preference(
    sft_run: Path,
    domain: Domain,
    config: PreferenceConfig,
    out: Path | None = None,
    say: Say = lambda message: None,
) -> PreferenceOutcome:
    """The whole stage (see the module docstring); returns the folder and the gate's verdict."""
    from dslgen.models.load import adapter_folder

    sft_adapter = adapter_folder(sft_run)
    base = json.loads((sft_run / "config.json").read_text(encoding="utf-8"))["base_model"]
    folder = out or sft_run / "dpo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    pairs_file = folder / "pairs.jsonl"
    if pairs_file.is_file():
        pairs = read_jsonl(pairs_file)
        say(f"{len(pairs)} pairs from {pairs_file}")
    else:
        tasks = pick_tasks(sft_run, config)
        say(f"sampling the SFT model on {len(tasks)} train tasks, k = {config.k}")
        pairs = collect_pairs(domain, base, sft_adapter, tasks, config, say)
        write_jsonl(pairs_file, pairs)
    if not pairs:
        raise InputFileError(
            f"{pairs_file}: no task gave a right and a wrong sample; sample more tasks or raise "
            "the temperature"
        )
    adapter = folder / "adapter"
    if not (adapter / "adapter_model.safetensors").is_file():
        say(f"DPO on {len(pairs)} pairs, {config.max_steps} steps")
        _fit(base, sft_adapter, pairs, config, folder)
    kept, reason, scores = _gate(domain, base, sft_adapter, adapter, config, say)
    gate = {"kept": kept, "reason": reason, "pass@1": scores, "pairs": len(pairs)}
    (folder / "gate.json").write_text(json.dumps(gate, indent=2) + "\n", encoding="utf-8")
    return PreferenceOutcome(folder, len(pairs), kept, reason, scores)


def _fit(
    base: str,
    sft_adapter: Path,
    pairs: list[dict[str, Any]],
    config: PreferenceConfig,
    folder: Path,
) -> None:
    """DPOTrainer on the pairs, starting from (and referenced to) the SFT adapter."""
    import shutil

    import torch
    from datasets import Dataset
    from peft import PeftModel
    from transformers import AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from dslgen.decode.session import PROMPT_SETTINGS_FILE
    from dslgen.hardware import trains_in_bf16
    from dslgen.models import load_model

    torch.manual_seed(config.seed)
    on_cuda = torch.cuda.is_available()
    bf16 = trains_in_bf16(config.precision, "cuda" if on_cuda else "cpu")
    model = load_model(base, device="cuda" if on_cuda else "cpu", dtype="bf16" if bf16 else "fp32")
    model = PeftModel.from_pretrained(model, str(sft_adapter), is_trainable=True)
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = [
        {"prompt": p["prompt"], "chosen": p["chosen"], "rejected": p["rejected"]} for p in pairs
    ]
    args = DPOConfig(
        output_dir=str(folder / "checkpoints"),
        beta=config.beta,
        learning_rate=config.learning_rate,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        max_length=config.max_length,
        precompute_ref_log_probs=True,
        bf16=bf16,
        use_cpu=not on_cuda,
        logging_steps=5,
        save_strategy="no",
        report_to="none",
        seed=config.seed,
    )
    trainer = DPOTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    trainer.train()
    with (folder / "metrics.jsonl").open("w", encoding="utf-8") as metrics:
        for row in trainer.state.log_history:
            metrics.write(json.dumps(row) + "\n")
    staging = folder / ".adapter.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging), selected_adapters=["default"])
    shutil.copy2(sft_adapter / PROMPT_SETTINGS_FILE, staging / PROMPT_SETTINGS_FILE)
    staging.rename(folder / "adapter")


def _gate(
    domain: Domain,
    base: str,
    sft_adapter: Path,
    dpo_adapter: Path,
    config: PreferenceConfig,
    say: Say,
) -> tuple[bool, str, dict[str, dict[str, float | None]]]:
    """The regression gate's eval of both adapters on the same held-out tasks."""
    from dslgen.evals.runner import run_eval
    from dslgen.registry.evaluate import eval_settings, gate_config, scores_of
    from dslgen.registry.gate import decide

    eval_config = gate_config(
        domain.name,
        tuple(config.gate_suites),
        limit=config.gate_limit,
        max_tokens=config.max_tokens,
        runtime=config.runtime,
    )
    scores = {}
    for name, adapter in (("sft", sft_adapter), ("dpo", dpo_adapter)):
        say(f"gate eval of the {name} adapter on {', '.join(config.gate_suites)}")
        run = run_eval(eval_config.with_changes(model=base, adapter=str(adapter)))
        scores[name] = scores_of(run.samples, eval_settings(run.config))
    decision = decide(scores["sft"], scores["dpo"], config.gate_threshold)
    summed = {
        name: sum(s.pass_at_1 or 0.0 for s in by_suite.values())
        for name, by_suite in scores.items()
    }
    better = summed["dpo"] > summed["sft"]
    kept = decision.passed and better
    if not decision.passed:
        reason = decision.reason()
    elif not better:
        reason = f"pass@1 summed over the suites did not rise ({summed['sft']:.3f} -> {summed['dpo']:.3f})"
    else:
        reason = f"pass@1 summed over the suites rose {summed['sft']:.3f} -> {summed['dpo']:.3f}"
    table = {
        name: {suite: score.pass_at_1 for suite, score in by_suite.items()}
        for name, by_suite in scores.items()
    }
    return kept, reason, table
