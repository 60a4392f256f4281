"""Supervised fine-tuning (LoRA, QLoRA on CUDA) with a curriculum: `dslgen train`.

torch, trl and peft load only inside the functions that train.
"""
