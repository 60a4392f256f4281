"""The CPU trainer's completion-only LM head computes the same loss as trl's own."""

from __future__ import annotations

import pytest

pytest.importorskip("trl")


def test_completion_only_loss_equals_trls_loss_on_the_same_batch(tiny_model, tmp_path):
    import torch
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from dslgen.prompts import render_messages
    from dslgen.train.completion_loss import completion_only_trainer_class

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    rows = [
        {
            "prompt": render_messages("pdflow", f"Load top.def and create net N{i}."),
            "completion": [{"role": "assistant", "content": f"my::create_net -name N{i}\n" * i}],
        }
        for i in (1, 3)  # two lengths: the batch is padded
    ]
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model), dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj"], task_type="CAUSAL_LM"))
    args = SFTConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=2, use_cpu=True, report_to="none"
    )
    losses = []
    for trainer_class in (SFTTrainer, completion_only_trainer_class()):
        trainer = trainer_class(
            model=model, args=args, train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
        )  # fmt: skip
        batch = next(iter(trainer.get_train_dataloader()))
        assert (batch["labels"] == -100).any() and (batch["labels"] != -100).any()
        model.eval()
        with torch.no_grad():
            losses.append(float(trainer.compute_loss(model, dict(batch))))
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
