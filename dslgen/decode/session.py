"""Load once what generation needs (model, tokenizer, sampler, retriever) for a CLI run or a server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.decode.pipeline import ContextBuilder, no_context
from dslgen.decode.sampler import Sampler
from dslgen.domain import Domain


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
    """Load the model (default: the fetched SmolLM2) and the retriever; raises DslgenError if absent."""
    from dslgen.models import load_model, load_tokenizer, resolve_model

    resolved = resolve_model(model)
    hf_model = load_model(model, adapter=adapter)
    tokenizer = load_tokenizer(model)
    builder = _retrieval_context(domain, model, budget) if use_retrieval else no_context
    return GenerationSession(
        domain,
        Sampler(hf_model, tokenizer),
        builder,
        str(resolved),
        str(adapter) if adapter else None,
    )


def _retrieval_context(domain: Domain, model: str | None, budget: int | None) -> ContextBuilder:
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
