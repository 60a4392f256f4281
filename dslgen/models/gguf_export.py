"""Write a Llama-family model (the default, a merged adapter, a tiny test model) as a GGUF file.

The fast CPU runtime (dslgen.decode.llamacpp) reads GGUF. The default model arrives as a GGUF
(`SmolLM2-135M-Instruct.Q4_1.gguf`, kept beside its safetensors copy); a trained adapter is merged
into the float weights and written here once, cached by fingerprint (see
`dslgen.models.gguf_cache.runtime_weights`).

Only the weights and the architecture numbers come from the model; the tokenizer (tokens, merges,
pre-tokenizer, special ids, chat template) is copied from a *template* GGUF that shares the
vocabulary — the default model's. That keeps one source of truth for tokenisation instead of a
second hand-written tokenizer export, and the vocabulary is checked token by token first.
llama.cpp's Llama graph expects q/k projections with rotary pairs interleaved per head, as its
converter writes them; `_rotary_interleave` does that permutation.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dslgen.errors import ModelNotAvailableError

#: GGUF tensor types a model may be written in; q8_0 is within noise of f32 and ~20 % faster.
WEIGHT_TYPES = ("f32", "f16", "q8_0")


def _rotary_interleave(weight: Any, heads: int) -> Any:
    """llama.cpp's q/k layout: within each head, the two rotary halves interleaved."""
    rows = weight.shape[0]
    return (
        weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def check_same_vocabulary(tokenizer: Any, template: Any) -> None:
    """Raise ModelNotAvailableError unless `tokenizer` (transformers) has the template GGUF's tokens
    in the same order: the copied tokenizer metadata must describe this model's ids."""
    field = template.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
    vocab = tokenizer.get_vocab()
    ids = sorted(vocab.values())
    if len(vocab) != len(tokens) or ids != list(range(len(tokens))):
        raise ModelNotAvailableError(
            f"the model's vocabulary ({len(vocab)} tokens) is not the template GGUF's "
            f"({len(tokens)}); the fast runtime serves models with the default tokenizer only "
            "(use --runtime transformers)"
        )
    by_id = {i: t for t, i in vocab.items()}
    for i, token in enumerate(tokens):
        if by_id[i] != token:
            raise ModelNotAvailableError(
                f"token {i} is {by_id[i]!r} in the model and {token!r} in the template GGUF; "
                "use --runtime transformers for this model"
            )


@contextlib.contextmanager
def staged_gguf(out: Path, arch: str) -> Iterator[Any]:
    """A GGUFWriter for `arch` whose file appears at `out` only once it is complete: written to a
    temporary sibling, then renamed (a killed conversion never leaves a half file in the cache)."""
    import gguf

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        writer = gguf.GGUFWriter(staged, arch)
        yield writer
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.chmod(staged, 0o644)  # mkstemp makes it private; the cache is shared
        os.replace(staged, out)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)


def write_gguf(
    model: Any,
    tokenizer: Any,
    template: Path,
    out: Path,
    weight_type: str = "q8_0",
    name: str = "dslgen",
) -> Path:
    """Write `model` (a transformers LlamaForCausalLM, float weights) to `out` as GGUF, atomically.

    Norms stay float32; matrices are `weight_type` (one of WEIGHT_TYPES; q8_0 needs rows that are
    a multiple of 32 wide, else they fall back to f16). The tokenizer comes from `template`.
    """
    import gguf
    import numpy as np

    if weight_type not in WEIGHT_TYPES:
        raise ModelNotAvailableError(
            f"unknown GGUF weight type {weight_type!r}; use {WEIGHT_TYPES}"
        )
    config = model.config
    if getattr(config, "model_type", None) != "llama":
        raise ModelNotAvailableError(
            f"the fast runtime converts Llama-family models; this one is "
            f"{getattr(config, 'model_type', '?')!r} (use --runtime transformers)"
        )
    reader = gguf.GGUFReader(str(template))
    check_same_vocabulary(tokenizer, reader)

    # gguf-py's own map of transformers names (as llama.cpp's converter uses), not a second table
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    with staged_gguf(out, "llama") as writer:
        _write_metadata(writer, config, reader, name)
        heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
        for hf_name, tensor in model.state_dict().items():
            if not hf_name.endswith(".weight"):
                continue  # buffers such as rotary inv_freq are not part of the llama.cpp graph
            gguf_name = names.get_name(hf_name, try_suffixes=(".weight",))
            if gguf_name is None:
                continue
            if gguf_name == "output.weight" and config.tie_word_embeddings:
                continue
            data = tensor.detach().float().cpu().numpy()
            if gguf_name.endswith("attn_q.weight"):
                data = _rotary_interleave(data, heads)
            elif gguf_name.endswith("attn_k.weight"):
                data = _rotary_interleave(data, kv_heads)
            _add_tensor(writer, gguf_name, np.ascontiguousarray(data), weight_type)
    return out


def _write_metadata(writer: Any, config: Any, reader: Any, name: str) -> None:
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    rope = getattr(config, "rope_parameters", None) or {}
    theta = rope.get("rope_theta") or getattr(config, "rope_theta", None) or 10000.0
    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(float(theta))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_vocab_size(config.vocab_size)
    for key, field in reader.fields.items():
        if key.startswith("tokenizer."):
            _copy_field(writer, key, field)


def _copy_field(writer: Any, key: str, field: Any) -> None:
    import gguf

    kind = field.types[0]
    if kind == gguf.GGUFValueType.ARRAY:
        writer.add_array(key, field.contents())
    elif kind == gguf.GGUFValueType.STRING:
        writer.add_string(key, field.contents())
    else:
        writer.add_key_value(key, field.contents(), kind)


def _add_tensor(writer: Any, name: str, data: Any, weight_type: str) -> None:
    import gguf
    import numpy as np

    if data.ndim == 1 or weight_type == "f32":
        writer.add_tensor(name, data.astype(np.float32))
    elif weight_type == "q8_0" and data.shape[-1] % 32 == 0:
        qtype = gguf.GGMLQuantizationType.Q8_0
        writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    else:
        writer.add_tensor(name, data.astype(np.float16))
