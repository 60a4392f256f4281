"""LoRA configuration sweeps (Optuna), a performance predictor and their report."""
