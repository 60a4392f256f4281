"""Load a tokenizer or a causal LM (optionally 4-bit, optionally with a LoRA adapter) offline.

torch, transformers, peft and bitsandbytes are imported inside the functions: importing
`dslgen.models` stays light.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError, ModelNotAvailableError
from dslgen.hardware import cpu_has_native_bf16
from dslgen.models.resolve import resolve_model

DTYPE_VARIABLE = "DSLGEN_DTYPE"
_DTYPE_NAMES = {
    "fp32": "float32",
    "float32": "float32",
    "bf16": "bfloat16",
    "bfloat16": "bfloat16",
    "fp16": "float16",
    "float16": "float16",
    "half": "float16",
}


def load_tokenizer(spec: str | None = None) -> Any:
    """The tokenizer of model `spec` (see `resolve_model`), chat template included.

    Cached per resolved path for the life of the process: callers share one object and must not
    change it. A tokenizer without a pad token gets its eos token as pad.
    """
    return _load_tokenizer_cached(str(resolve_model(spec)))


@functools.lru_cache(maxsize=8)
def _load_tokenizer_cached(resolved: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved)
    except OSError as exc:
        raise ModelNotAvailableError(f"cannot load a tokenizer from {resolved}: {exc}") from exc
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(
    spec: str | None = None,
    adapter: str | Path | None = None,
    device: str | None = None,
    dtype: Any = None,
    quantize_4bit: bool = False,
    merge_adapter: bool = False,
) -> Any:
    """The causal LM `spec` (see `resolve_model`) in eval mode on `device`.

    device: "cuda" if available, else "cpu". dtype: a torch dtype or "fp32"/"bf16"/"fp16"; default
    `$DSLGEN_DTYPE` if set, else bfloat16 on CUDA (float16 where bf16 is unsupported), and on CPU
    bfloat16 where the CPU computes it natively (decoding is memory-bound: ~40 % more tokens/s),
    float32 elsewhere. Training passes its dtype explicitly. quantize_4bit: NF4 via
    bitsandbytes, CUDA only. adapter: a PEFT adapter folder loaded on top (PeftModel);
    merge_adapter: fold it into the weights (inference only: the same outputs without the
    adapter layers' per-token overhead, which is large for a model this small; not with 4-bit).
    """
    import torch
    from transformers import AutoModelForCausalLM

    resolved = resolve_model(spec)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    on_cuda = torch.device(device).type == "cuda"
    torch_dtype = _torch_dtype(dtype, on_cuda)
    kwargs: dict[str, Any] = {"dtype": torch_dtype}
    if quantize_4bit:
        kwargs.update(_four_bit_kwargs(device, on_cuda, torch_dtype))
    try:
        model = AutoModelForCausalLM.from_pretrained(resolved, **kwargs)
    except OSError as exc:
        raise ModelNotAvailableError(f"cannot load a model from {resolved}: {exc}") from exc
    if not quantize_4bit:
        model.to(device)
    if adapter is not None:
        model = _with_adapter(model, Path(adapter))
        if merge_adapter and not quantize_4bit:
            model = model.merge_and_unload()
    model.eval()
    return model


def inference_dtype() -> str:
    """The dtype `load_model` picks by default on this machine ("bfloat16", "float32", ...): what
    cached eval samples depend on besides the weights."""
    import torch

    return str(_torch_dtype(None, torch.cuda.is_available())).removeprefix("torch.")


def _torch_dtype(dtype: Any, on_cuda: bool) -> Any:
    import torch

    dtype = dtype or os.environ.get(DTYPE_VARIABLE, "").strip() or None
    if dtype is None:
        if not on_cuda:
            return torch.bfloat16 if cpu_has_native_bf16() else torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if isinstance(dtype, torch.dtype):
        return dtype
    name = _DTYPE_NAMES.get(str(dtype).lower().removeprefix("torch."))
    if name is None:
        raise DslgenError(
            f"unknown dtype {dtype!r} (argument or ${DTYPE_VARIABLE}); use one of fp32, bf16, fp16"
        )
    return getattr(torch, name)


def _four_bit_kwargs(device: str, on_cuda: bool, compute_dtype: Any) -> dict[str, Any]:
    import torch

    if not on_cuda:
        raise DslgenError(
            f"4-bit quantization needs a CUDA device, not {device}; drop --4bit on this machine"
        )
    try:
        import bitsandbytes  # noqa: F401
    except ModuleNotFoundError as exc:
        raise DslgenError(
            "4-bit quantization needs bitsandbytes; install it with `pip install 'dslgen[cuda]'`"
        ) from exc
    from transformers import BitsAndBytesConfig

    index = torch.device(device).index or 0
    config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )
    return {"quantization_config": config, "device_map": {"": index}}


def adapter_folder(adapter: Path) -> Path:
    """The PEFT folder of `adapter`: the folder itself, or the `adapter/` of a training run."""
    if (
        not (adapter / "adapter_config.json").is_file()
        and (adapter / "adapter" / "adapter_config.json").is_file()
    ):
        return adapter / "adapter"
    return adapter


def _with_adapter(model: Any, adapter: Path) -> Any:
    adapter = adapter_folder(adapter)
    if not (adapter / "adapter_config.json").is_file():
        raise ModelNotAvailableError(
            f"{adapter} is not a PEFT adapter folder (no adapter_config.json); "
            "give a training run folder or the adapter folder inside it"
        )
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter))
