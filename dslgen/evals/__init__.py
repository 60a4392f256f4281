"""Evaluation harness: n samples per held-out task, validated and executed, scored with pass@k.

Importing this package is cheap; models load only when a run samples.
"""

from dslgen.evals.config import EvalConfig, EvalTask, load_tasks, parse_suites
from dslgen.evals.passk import mean_pass_at_k, pass_at_k

__all__ = ["EvalConfig", "EvalTask", "load_tasks", "mean_pass_at_k", "parse_suites", "pass_at_k"]
