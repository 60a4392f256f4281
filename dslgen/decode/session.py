"""Load once what generation needs (model, tokenizer, sampler, retriever) for a CLI run or a server."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.decode.pipeline import ContextBuilder, no_context
from dslgen.decode.sampler import Sampler, TextSampler
from dslgen.domain import Domain
from dslgen.errors import DslgenError, ModelNotAvailableError

PROMPT_SETTINGS_FILE = "dslgen_prompt.json"  # written beside an adapter by `dslgen train`


#: `--runtime` choices: "auto" is llama.cpp where it is installed and no GPU is, else transformers.
RUNTIMES = ("auto", "llama.cpp", "transformers")


@dataclass
class GenerationSession:
    domain: Domain
    sampler: TextSampler
    build_context: ContextBuilder
    model_name: str
    adapter: str | None

    @property
    def runtime(self) -> str:
        """The sampler's runtime ("custom" for a sampler a caller wrote without one)."""
        return str(getattr(self.sampler, "runtime", "custom"))

    @property
    def weights(self) -> str:
        return str(getattr(self.sampler, "weights", ""))


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible, without importing torch (1.5 s of start-up)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def resolve_runtime(runtime: str = "auto") -> str:
    """The runtime `runtime` names: "auto" is llama.cpp on a CPU-only machine that has
    llama-cpp-python, transformers elsewhere (GPUs decode fast there, and it is what trains)."""
    from dslgen.models.llama_native import llama_cpp_available

    if runtime not in RUNTIMES:
        raise DslgenError(f"unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}")
    if runtime != "auto":
        return runtime
    return "llama.cpp" if llama_cpp_available() and not gpu_present() else "transformers"


def open_sampler(
    model: str | None = None,
    adapter: str | Path | None = None,
    runtime: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> TextSampler:
    """The sampler for (model, adapter) on `runtime`. On "auto", a model llama.cpp cannot serve
    (not a Llama folder with the default vocabulary) falls back to transformers; named
    explicitly, the runtime's reason is the error."""
    chosen = resolve_runtime(runtime)
    if chosen == "llama.cpp":
        from dslgen.decode.llamacpp import LlamaCppSampler
        from dslgen.models.gguf_cache import runtime_weights

        try:
            weights = runtime_weights(model, adapter, progress)
        except ModelNotAvailableError as exc:
            if runtime != "auto":
                raise
            if progress is not None:
                progress(f"llama.cpp cannot serve this model ({exc}); using transformers")
        else:
            return LlamaCppSampler(
                weights.gguf,
                weights.tokenizer_json,
                weights=weights.description,
                logit_bias=token_biases(weights.tokenizer_json.parent),
            )
    from dslgen.models import load_model, load_tokenizer

    hf_model = load_model(model, adapter=adapter, merge_adapter=True)
    return Sampler(hf_model, load_tokenizer(model))


def token_biases(model_folder: Path) -> dict[int, float]:
    """The single-token `sequence_bias` entries of a model folder's generation_config.json, which
    transformers applies when it samples: llama.cpp applies them too, so both runtimes sample the
    same model the same way. (Multi-token biases are transformers-only: no model dslgen makes
    has them.)"""
    try:
        config = json.loads((model_folder / "generation_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    biases: dict[int, float] = {}
    for entry in config.get("sequence_bias") or []:
        if isinstance(entry, list) and len(entry) == 2 and len(entry[0]) == 1:
            biases[int(entry[0][0])] = float(entry[1])
    return biases


def open_session(
    domain: Domain,
    model: str | None = None,
    adapter: str | Path | None = None,
    use_retrieval: bool = True,
    budget: int | None = None,
    runtime: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> GenerationSession:
    """Load the model (default: the fetched SmolLM2) on `runtime` and the retriever; raises
    DslgenError if absent.

    An adapter trained by `dslgen train` carries the prompt settings it was trained with
    (`dslgen_prompt.json`: context mode and pack budget); they apply unless `budget` is given,
    so the prompts at inference look like the ones it learned from.
    """
    from dslgen.models import resolve_model

    trained = adapter_prompt_settings(adapter)
    if trained.get("context") == "none":
        use_retrieval = False
    budget = budget or trained.get("budget")

    resolved = resolve_model(model)
    sampler = open_sampler(model, adapter, runtime, progress)
    builder = retrieval_context(domain, model, budget) if use_retrieval else no_context
    return GenerationSession(
        domain,
        sampler,
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
    return {
        "model": session.model_name,
        "adapter": session.adapter,
        "domain": session.domain.name,
        "runtime": session.runtime,
        "weights": session.weights,
    }
