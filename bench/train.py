"""Training throughput: tokens/s of LoRA SFT on the default model on this device.

Usage: DSLGEN_HOME=... .venv/bin/python bench/train.py [--steps 6] [--batch-size 4]
       [--context none|oracle|pack] [--quantize auto|nf4|none] [--corpus DIR]

Runs `dslgen train` for a few steps into a temporary runs folder (no dev evaluation) and prints
non-padding input tokens per second of training (the trainer's own count over its wall time),
seconds per step and the mean tokens per example. On CUDA, --quantize nf4 is QLoRA and
--quantize none is LoRA in bf16.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--context", default="none", choices=["none", "oracle", "pack"])
    parser.add_argument("--quantize", default="auto", choices=["auto", "nf4", "none"])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--precision", default="fp32", choices=["auto", "bf16", "fp32"])
    parser.add_argument("--trl-loss", action="store_true", help="trl's own fused-head loss")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"

    import torch

    from dslgen.train.config import TrainConfig
    from dslgen.train.trainer import train

    runs = Path(tempfile.mkdtemp(prefix="dslgen-bench-train-"))
    config = TrainConfig(
        model=args.model,
        corpus=args.corpus,
        corpus_examples=400,
        runs_dir=runs,
        max_steps=args.steps,
        batch_size=args.batch_size,
        context=args.context,
        quantize=args.quantize,
        precision=args.precision,
        completion_only_head=not args.trl_loss,
        dev_tasks=0,
        save_steps=10_000,
    )
    outcome = train(config)
    device = "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    print(
        f"device {device}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
        f"torch {torch.__version__}, Python {platform.python_version()}"
    )
    examples = args.steps * args.batch_size
    print(
        f"context {args.context}, batch {args.batch_size}, {args.steps} steps, "
        f"quantize {args.quantize}: {outcome.tokens} tokens in {outcome.seconds:.1f} s"
    )
    print(
        f"training tokens/s {outcome.tokens_per_second:.0f}; "
        f"{outcome.seconds / args.steps:.2f} s/step; {outcome.tokens / examples:.0f} tokens/example"
    )


if __name__ == "__main__":
    main()
