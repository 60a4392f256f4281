"""`dslgen train`: LoRA / QLoRA SFT with trl, stage by stage, resumable.

The run trains one curriculum stage at a time with one `SFTTrainer` per stage over the stage
files so far (sequential sampler, so the order is the plan's) and the run's total `max_steps`
(so the learning-rate schedule is the same as an uninterrupted run). A stage ends with a
checkpoint; then the dev sample is generated and scored, and with the online filter the next
stage is planned from the result. A re-run finds the last checkpoint and the stage files
already written, and goes on from there: the trainer skips the batches the checkpoint has seen.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import read_jsonl, write_jsonl
from dslgen.decode.session import PROMPT_SETTINGS_FILE
from dslgen.domain import Domain, get_domain
from dslgen.hardware import trains_in_bf16
from dslgen.prompts import PROMPT_VERSION
from dslgen.train.completion_loss import completion_only_trainer_class
from dslgen.train.config import TrainConfig
from dslgen.train.data import (
    Pool,
    context_for,
    dev_sample,
    file_sha256,
    load_pool,
    plan_stage,
    stage_lengths,
    to_training_row,
)
from dslgen.train.devcheck import check_dev
from dslgen.train.run import (
    RunFolder,
    append_metrics,
    last_checkpoint,
    open_run,
    read_json,
    truncate_metrics,
    write_json,
)


@dataclass
class TrainOutcome:
    run: Path
    resumed_from: int
    steps: int
    seconds: float
    tokens: int
    final_loss: float | None
    dev: dict[str, Any]

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


Say = Callable[[str], None]
# called after each stage's dev check with (stage number from 1, global step, dev row); may raise
# to stop the run (a sweep prunes a hopeless trial this way; the run stays unfinished, resumable)
OnDev = Callable[[int, int, dict[str, Any]], None]


def train(
    config: TrainConfig, say: Say = lambda message: None, on_dev: OnDev | None = None
) -> TrainOutcome:
    """Train (or resume) the run `config` describes; returns where it is and what it measured."""
    import torch

    from dslgen.models import resolve_model

    domain = get_domain(config.domain)
    if config.stages is None:  # the domain's level mix, recorded in the run's config
        config = config.model_copy(update={"stages": dict(domain.level_shares)})
    run = open_run(config)
    checkpoint, step = last_checkpoint(run)
    say(
        f"{'resuming' if run.resumed else 'new run'} {run.path}"
        + (f" from step {step}" if step else "")
    )
    truncate_metrics(run, step)
    device = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
    quantize = config.quantize == "nf4" or (config.quantize == "auto" and device.startswith("cuda"))
    base = str(resolve_model(config.model))
    _write_config(run, config, base, device, quantize)

    corpus = config.corpus or _build_corpus(run, config, say)
    pool = load_pool(corpus, config.curated)
    run.update(data_files=pool.files, data_counts=pool.counts(), corpus=str(corpus))
    say(f"pool: {pool.counts()}")
    model, tokenizer = _load_for_training(config, base, device, quantize)
    context = context_for(
        config, _pack_builder(domain, config, base) if config.context == "pack" else None
    )
    dev_tasks = dev_sample(pool, config.dev_tasks, config.seed)

    stages = stage_lengths(config, domain.levels)
    staged = {level for level, _ in stages}
    seconds = float(run.state().get("train_seconds", 0.0))
    tokens = int(run.state().get("train_tokens", 0))
    last_dev: dict[str, Any] = {}
    trained = False
    end = 0
    for index, (level, steps) in enumerate(stages):
        start, end = end, end + steps
        if end <= step:
            continue
        rows = _stage_rows(
            run, config, domain, pool, context, index, level, steps, dev_tasks, staged
        )
        dataset = _dataset(run, index)
        say(
            f"stage {index + 1}/{len(stages)} {level}: steps {start + 1}-{end}, {len(rows)} examples"
        )
        started = time.perf_counter()
        trainer = _trainer(config, run, model, tokenizer, dataset, device, stop_at=end)
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        seconds += time.perf_counter() - started
        trained = True
        tokens = int(trainer.state.num_input_tokens_seen or 0)
        checkpoint, step = last_checkpoint(run)
        run.update(train_seconds=seconds, train_tokens=tokens, step=step)
        if dev_tasks:
            result = check_dev(model, tokenizer, domain, dev_tasks, context, config.dev_max_tokens)
            last_dev = result.row()
            append_metrics(run, {"step": step, "stage": level, "kind": "dev", **last_dev})
            say(
                f"dev after {level}: valid {last_dev['dev_valid_rate']:.2f}, "
                f"functional {last_dev['dev_functional_rate']:.2f}"
            )
            write_json(run.data_dir / f"stage-{index}.dev.json", last_dev)
            if on_dev is not None:
                on_dev(index + 1, step, last_dev)
    if not trained and checkpoint is not None:  # everything was trained before a resume
        _load_checkpoint_weights(model, checkpoint)
    _save_adapter(run, config, model, tokenizer)
    losses = [r["loss"] for r in _metrics(run) if "loss" in r]
    from dslgen.train.plot import plot_training

    plot_training(_metrics(run), run.path / "training.png")
    outcome = TrainOutcome(
        run.path,
        step if run.resumed else 0,
        end,
        seconds,
        tokens,
        losses[-1] if losses else None,
        last_dev,
    )
    run.update(
        status="finished",
        finished=time.strftime("%Y-%m-%dT%H:%M:%S"),
        tokens_per_second=outcome.tokens_per_second,
        final_loss=outcome.final_loss,
        dev=last_dev,
    )
    return outcome


def _write_config(
    run: RunFolder, config: TrainConfig, base: str, device: str, quantize: bool
) -> None:
    import peft
    import torch
    import transformers
    import trl

    write_json(
        run.path / "config.json",
        {
            "config": config.model_dump(mode="json"),
            "base_model": base,
            "device": device,
            "quantization": "nf4" if quantize else None,
            "dtype": "bfloat16" if trains_in_bf16(config.precision, device) else "float32",
            "prompt_version": PROMPT_VERSION,
            "versions": {
                "python": platform.python_version(),
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "trl": trl.__version__,
                "peft": peft.__version__,
            },
        },
    )


def _build_corpus(run: RunFolder, config: TrainConfig, say: Say) -> Path:
    """A corpus of `corpus_examples` positives in the run folder (kept across a resume)."""
    return build_corpus(run.path / "corpus", config, say)


def build_corpus(out: Path, config: TrainConfig, say: Say) -> Path:
    """The corpus `config` asks for when it names none (`corpus_examples` positives of its
    domain, seeded from its seed) in `out`; one already finished there is kept."""
    from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
    from dslgen.corpus.write import write_corpus

    if (out / "stats.json").is_file():
        return out
    say(f"building a corpus of {config.corpus_examples} examples in {out}")
    corpus_config = CorpusConfig(
        domain=config.domain, n=config.corpus_examples, seed=config.seed + 1
    )
    started = time.perf_counter()
    built = assemble(corpus_config, iter(list(generate_examples(corpus_config))))
    write_corpus(corpus_config, built, out, time.perf_counter() - started)
    return out


def _pack_builder(domain: Domain, config: TrainConfig, base: str) -> Callable[[str], str]:
    from dslgen.decode.session import retrieval_context

    build = retrieval_context(domain, base, config.budget)
    return lambda instruction: build(instruction)[0]


def _load_for_training(
    config: TrainConfig, base: str, device: str, quantize: bool
) -> tuple[Any, Any]:
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoTokenizer

    from dslgen.models import load_model

    torch.manual_seed(config.seed)
    on_cuda = device.startswith("cuda")
    # under bf16 autocast the frozen base weights are stored in bf16 too (not cast every step)
    model = load_model(
        base,
        device=device,
        dtype="bf16" if on_cuda or trains_in_bf16(config.precision, device) else "fp32",
        quantize_4bit=quantize,
    )
    if quantize:
        model = prepare_model_for_kbit_training(model)
    lora = LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=config.lora.target_modules,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _stage_rows(
    run: RunFolder,
    config: TrainConfig,
    domain: Domain,
    pool: Pool,
    context: Callable[[dict[str, Any]], str],
    index: int,
    level: str,
    steps: int,
    dev_tasks: list[dict[str, Any]],
    staged: set[str],
) -> list[dict[str, Any]]:
    """The stage's training rows: read back if planned before (resume), else planned now."""
    path = run.data_dir / f"stage-{index}-{level}.jsonl"
    if path.is_file():
        return read_jsonl(path)
    weights: dict[str, float] = {}
    if config.online_filter and index > 0:
        previous = read_json(run.data_dir / f"stage-{index - 1}.dev.json") or {}
        failed = previous.get("dev_failed_intents", {})
        weights = {intent: 1.0 + config.filter_boost * rate for intent, rate in failed.items()}
    records = plan_stage(config, pool, index, level, steps, weights, staged)
    rows = [to_training_row(domain.name, r, context(r)) for r in records]
    write_jsonl(path, rows)
    hashes = run.state().get("stage_files", {}) | {path.name: file_sha256(path)}
    run.update(stage_files=hashes, **({"filter_weights": {level: weights}} if weights else {}))
    return rows


def _dataset(run: RunFolder, upto: int) -> Any:
    """Stages 0..upto as one datasets.Dataset, in plan order."""
    from datasets import Dataset, disable_progress_bars

    disable_progress_bars()  # per-stage tokenising bars drown the training bar
    rows: list[dict[str, Any]] = []
    for index in range(upto + 1):
        (path,) = run.data_dir.glob(f"stage-{index}-*.jsonl")
        rows += [{"prompt": r["prompt"], "completion": r["completion"]} for r in read_jsonl(path)]
    return Dataset.from_list(rows)


def _trainer(
    config: TrainConfig,
    run: RunFolder,
    model: Any,
    tokenizer: Any,
    dataset: Any,
    device: str,
    stop_at: int,
) -> Any:
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    on_cuda = device.startswith("cuda")

    class StageAndMetrics(TrainerCallback):  # type: ignore[misc]
        """Writes every log row to metrics.jsonl; ends the stage with a checkpoint."""

        def on_log(
            self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any
        ) -> None:
            if logs and "loss" in logs:
                row = {
                    "step": state.global_step,
                    "kind": "train",
                    "tokens": state.num_input_tokens_seen,
                }
                append_metrics(
                    run, row | {k: v for k, v in logs.items() if isinstance(v, int | float)}
                )

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step >= stop_at:
                control.should_save = True
                control.should_training_stop = True

    args = SFTConfig(
        output_dir=str(run.checkpoints),
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,
        lr_scheduler_type=config.scheduler,
        logging_steps=config.logging_steps,
        save_steps=config.save_steps,
        save_total_limit=3,
        seed=config.seed,
        data_seed=config.seed,
        max_length=config.max_length,
        train_sampling_strategy="sequential",
        include_num_input_tokens_seen="non_padding",
        bf16=trains_in_bf16(config.precision, device),
        use_cpu=not on_cuda,
        report_to="none",
        dataloader_num_workers=0,
        activation_checkpointing=False,
        packing=False,
    )
    trainer_class = completion_only_trainer_class() if config.completion_only_head else SFTTrainer
    return trainer_class(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        callbacks=[StageAndMetrics()],
    )


def _load_checkpoint_weights(model: Any, checkpoint: Path) -> None:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(checkpoint / "adapter_model.safetensors")))


def _save_adapter(run: RunFolder, config: TrainConfig, model: Any, tokenizer: Any) -> None:
    """The final adapter, written beside and then renamed into place."""
    import shutil

    staging = run.path / ".adapter.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    tokenizer.save_pretrained(str(staging))
    write_json(
        staging / PROMPT_SETTINGS_FILE,
        {"context": config.context, "budget": config.budget, "prompt_version": PROMPT_VERSION},
    )
    shutil.rmtree(run.adapter, ignore_errors=True)
    staging.rename(run.adapter)


def _metrics(run: RunFolder) -> list[dict[str, Any]]:
    if not run.metrics.is_file():
        return []
    return [json.loads(line) for line in run.metrics.read_text().splitlines() if line.strip()]
