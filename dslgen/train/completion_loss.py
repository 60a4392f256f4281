"""SFT loss computed on the completion positions only, for CPU training.

A pdflow training row is about three quarters prompt (system message and task), and only the
completion is trained on. trl's SFTTrainer runs its fused LM head over every position, in
float32, and adds entropy metrics over the 49k-token vocabulary: on the 2-core machine that
was 36 % of a step (bench/train.py, cProfile). This trainer runs the transformer body as
usual and the LM head only on the positions that have a label, in the autocast dtype, with a
float32 cross-entropy. The loss is the same quantity (mean negative log-likelihood of the
completion tokens); the logged `mean_token_accuracy` is kept, the entropy metric is dropped.
"""

from __future__ import annotations

from typing import Any


def completion_only_trainer_class() -> type:
    """An `SFTTrainer` subclass whose `compute_loss` reads the LM head on labelled positions."""
    import torch
    from trl import SFTTrainer

    class CompletionOnlySFTTrainer(SFTTrainer):  # type: ignore[misc]
        def compute_loss(
            self,
            model: Any,
            inputs: dict[str, Any],
            return_outputs: bool = False,
            num_items_in_batch: Any = None,
        ) -> Any:
            causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
            hidden = causal_lm.model(
                input_ids=inputs["input_ids"],
                attention_mask=inputs.get("attention_mask"),
                position_ids=inputs.get("position_ids"),
                use_cache=False,
            ).last_hidden_state
            targets = inputs["labels"][:, 1:]
            labelled = targets != -100
            logits = causal_lm.lm_head(hidden[:, :-1][labelled]).float()
            wanted = targets[labelled]
            total = torch.nn.functional.cross_entropy(logits, wanted, reduction="sum")
            count = labelled.sum() if num_items_in_batch is None else num_items_in_batch
            loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
            if model.training:
                correct = (logits.argmax(-1) == wanted).sum().item()
                self._metrics["train"]["mean_token_accuracy"].append(
                    correct / max(1, int(labelled.sum()))
                )
            return (loss, {"loss": loss}) if return_outputs else loss

    return CompletionOnlySFTTrainer
