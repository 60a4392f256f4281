"""Load once what generation needs (model, tokenizer, sampler, retriever) for a CLI run or a server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.decode.pipeline import ContextBuilder, no_context
from dslgen.decode.sampler import Sampler
from dslgen.domain import Domain

PROMPT_SETTINGS_FILE = "dslgen_prompt.json"  # written beside an adapter by `dslgen train`


@dataclass
class GenerationSession:
    domain: Domain
    sampler: Sampler
    build_context: ContextBuilder
    model_name: str
    adapter: str | None


def open_session(
    domain: Domain,
    model: str | None = None,
    adapter: str | Path | None = None,
    use_retrieval: bool = True,
    budget: int | None = None,
) -> GenerationSession:
    """Load the model (default: the fetched SmolLM2) and the retriever; raises DslgenError if absent.

    An adapter trained by `dslgen train` carries the prompt settings it was trained with
    (`dslgen_prompt.json`: context mode and pack budget); they apply unless `budget` is given,
    so the prompts at inference look like the ones it learned from.
    """
    from dslgen.models import load_model, load_tokenizer, resolve_model

    trained = adapter_prompt_settings(adapter)
    if trained.get("context") == "none":
        use_retrieval = False
    budget = budget or trained.get("budget")

    resolved = resolve_model(model)
    hf_model = load_model(model, adapter=adapter, merge_adapter=True)
    tokenizer = load_tokenizer(model)
    builder = retrieval_context(domain, model, budget) if use_retrieval else no_context
    return GenerationSession(
        domain,
        Sampler(hf_model, tokenizer),
        builder,
        str(resolved),
        str(adapter) if adapter else None,
    )


def adapter_prompt_settings(adapter: str | Path | None) -> dict[str, Any]:
    """The prompt settings saved with an adapter by `dslgen train` ({} when there are none)."""
    if adapter is None:
        return {}
    from dslgen.models.load import adapter_folder

    path = adapter_folder(Path(adapter)) / PROMPT_SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def retrieval_context(domain: Domain, model: str | None, budget: int | None) -> ContextBuilder:
    """Context packs from the domain's index (built on first use if missing or stale)."""
    from dslgen.retrieve import DEFAULT_BUDGET, build_context_pack, load_index, tokenizer_counter

    index = load_index(domain, rebuild=True)
    count = tokenizer_counter(model)

    def build(instruction: str) -> tuple[str, list[str], list[str] | None]:
        pack = build_context_pack(index, instruction, budget or DEFAULT_BUDGET, count)
        return pack.render(), [d.id for d in pack.docs], sorted(pack.procs)

    return build


def describe(session: GenerationSession) -> dict[str, Any]:
    return {"model": session.model_name, "adapter": session.adapter, "domain": session.domain.name}
