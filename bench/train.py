"""Training throughput: tokens/s of LoRA SFT on the default model, old recipe beside the new.

Usage: DSLGEN_HOME=... .venv/bin/python bench/train.py [--steps 14] [--batch-size 4]
       [--context none|oracle|pack] [--quantize auto|nf4|none] [--corpus DIR]
       [--recipes before,after,...]

Runs `dslgen train` for a few steps per recipe into a temporary runs folder (no dev evaluation),
on the same rows (the unit level of one corpus), and prints a table: non-padding input tokens
per second (the trainer's own count over its wall time), seconds per step, tokens per example
and the mean loss of the last logged steps (a faster recipe must train the same thing).

Recipes:
  before    float32, trl's own loss (fused LM head over every position, entropy metrics),
            LoRA dropout 0.05: the recipe of configs/train-cpu.toml until now
  bf16      + bf16 autocast with the frozen base stored in bf16 (native-bf16 CPUs and CUDA)
  head      + the LM head on labelled positions only (dslgen.train.completion_loss)
  after     bf16 + head + no LoRA dropout: configs/pdflow-default.toml's recipe
On CUDA, --quantize nf4 is QLoRA and --quantize none is LoRA in bf16.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

RECIPES: dict[str, dict[str, Any]] = {
    "before": {"precision": "fp32", "completion_only_head": False, "dropout": 0.05},
    "bf16": {"precision": "auto", "completion_only_head": False, "dropout": 0.05},
    "head": {"precision": "fp32", "completion_only_head": True, "dropout": 0.05},
    "after": {"precision": "auto", "completion_only_head": True, "dropout": 0.0},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=14)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--context", default="none", choices=["none", "oracle", "pack"])
    parser.add_argument("--quantize", default="auto", choices=["auto", "nf4", "none"])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--recipes", default="before,after")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"

    import torch

    from dslgen.hardware import trains_in_bf16
    from dslgen.train.config import LoraSettings, TrainConfig
    from dslgen.train.trainer import train

    device = "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    print(
        f"device {device}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
        f"torch {torch.__version__}, Python {platform.python_version()}; {args.steps} steps of "
        f"{args.batch_size} unit rows, context {args.context}, quantize {args.quantize}"
    )
    rows = []
    for name in args.recipes.split(","):
        recipe = RECIPES[name]
        config = TrainConfig(
            model=args.model,
            corpus=args.corpus,
            corpus_examples=400,
            runs_dir=Path(tempfile.mkdtemp(prefix=f"dslgen-bench-train-{name}-")),
            max_steps=args.steps,
            batch_size=args.batch_size,
            context=args.context,
            quantize=args.quantize,
            precision=recipe["precision"],
            completion_only_head=recipe["completion_only_head"],
            lora=LoraSettings(dropout=recipe["dropout"]),
            stages={"unit": 1.0},
            repair_share=0.0,
            logging_steps=2,
            dev_tasks=0,
            save_steps=10_000,
        )
        outcome = train(config)
        metrics = [json.loads(x) for x in (outcome.run / "metrics.jsonl").read_text().splitlines()]
        losses = [row["loss"] for row in metrics if "loss" in row][-3:]
        bf16 = trains_in_bf16(config.precision, "cuda" if torch.cuda.is_available() else "cpu")
        rows.append(
            (
                name,
                "bf16" if bf16 else "fp32",
                outcome.tokens_per_second,
                outcome.seconds / args.steps,
                outcome.tokens / (args.steps * args.batch_size),
                sum(losses) / len(losses) if losses else float("nan"),
            )
        )
    print("| recipe | dtype | tokens/s | s/step | tokens/example | loss (last logs) |")
    print("|---|---|---|---|---|---|")
    for name, dtype, speed, step, per_example, loss in rows:
        print(f"| {name} | {dtype} | {speed:.0f} | {step:.2f} | {per_example:.0f} | {loss:.3f} |")


if __name__ == "__main__":
    main()
