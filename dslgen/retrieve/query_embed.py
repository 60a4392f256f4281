"""Embed retrieval queries with llama.cpp instead of sentence-transformers: the same MiniLM weights,
without importing torch.

Why: a `dslgen generate` call embeds one instruction, and importing sentence-transformers (torch,
scipy, ...) costs 3–7 s of a CLI call's start-up, more than the whole decode on the llama.cpp
runtime (issue #20). The packaged all-MiniLM-L6-v2 safetensors are written once as an f32 GGUF
(`bert` architecture, mean pooling, read with safetensors' numpy API), and queries are tokenised
with the model's own `tokenizer.json` (the `tokenizers` library sentence-transformers uses
underneath), truncated at the model's `max_seq_length`, decoded, mean-pooled and L2-normalised,
as sentence-transformers does. The vectors match sentence-transformers' to cosine ≥ 0.9999
(tests/retrieve/test_query_embed.py), so an index built with sentence-transformers is searched
the same way. Documents are still embedded by sentence-transformers when an index is built.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError
from dslgen.models.gguf_export import staged_gguf
from dslgen.models.llama_native import default_threads, load_llama_cpp

EXPORT_VERSION = "1"


def minilm_gguf(model_folder: Path, cache: Path) -> Path:
    """The GGUF of the sentence-transformers model in `model_folder`, written into `cache` once
    (keyed by the weights' size and mtime and the export version)."""
    import hashlib

    weights = model_folder / "model.safetensors"
    stat = weights.stat()
    key = hashlib.sha256(
        f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}".encode()
    ).hexdigest()[:16]
    target = cache / f"minilm-{key}.gguf"
    if not target.is_file():
        _write_bert_gguf(model_folder, target)
    return target


def _write_bert_gguf(folder: Path, out: Path) -> None:
    """Write a BERT sentence encoder (weights, WordPiece vocabulary, mean pooling) as GGUF."""
    import gguf
    import numpy as np
    from safetensors import safe_open

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, config["num_hidden_layers"])
    with staged_gguf(out, "bert") as writer:
        writer.add_name(folder.name)
        writer.add_context_length(config["max_position_embeddings"])
        writer.add_embedding_length(config["hidden_size"])
        writer.add_feed_forward_length(config["intermediate_size"])
        writer.add_block_count(config["num_hidden_layers"])
        writer.add_head_count(config["num_attention_heads"])
        writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
        writer.add_causal_attention(False)
        writer.add_token_type_count(config.get("type_vocab_size", 2))
        writer.add_pooling_type(gguf.PoolingType.MEAN)
        writer.add_tokenizer_model("bert")
        writer.add_token_list([_phantom_space(token) for token in vocab])
        control = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
        writer.add_token_types(
            [gguf.TokenType.CONTROL if t in control else gguf.TokenType.NORMAL for t in vocab]
        )
        keys = gguf.Keys.Tokenizer  # llama.cpp's BERT reads [CLS] as its BOS
        for key, token in (
            (keys.BOS_ID, "[CLS]"),
            (keys.SEP_ID, "[SEP]"),
            (keys.UNK_ID, "[UNK]"),
            (keys.PAD_ID, "[PAD]"),
            (keys.MASK_ID, "[MASK]"),
        ):
            writer.add_uint32(key, vocab.index(token))
        with safe_open(str(folder / "model.safetensors"), "np") as tensors:
            for hf_name in tensors.keys():  # noqa: SIM118 - safe_open is not a mapping
                name = names.get_name(
                    hf_name.removeprefix("bert."), try_suffixes=(".weight", ".bias")
                )
                if name is None:
                    continue  # position_ids, the pooler: not part of the sentence encoder
                writer.add_tensor(
                    name, np.ascontiguousarray(tensors.get_tensor(hf_name), dtype=np.float32)
                )


def _phantom_space(token: str) -> str:
    """llama.cpp's WordPiece vocabulary marks word starts with a phantom space ("▁play") where
    BERT marks continuations ("##ing"); special tokens ([CLS]) stay as they are."""
    if token.startswith("[") and token.endswith("]"):
        return token
    if token.startswith("##"):
        return token[2:]
    return "\u2581" + token


class QueryEmbedder:
    """Sentence embeddings of short texts on llama.cpp (see the module docstring)."""

    def __init__(self, model_folder: Path, cache: Path) -> None:
        from tokenizers import Tokenizer

        llama_cpp = load_llama_cpp()
        self._llama = llama_cpp
        settings = json.loads(
            (model_folder / "sentence_bert_config.json").read_text(encoding="utf-8")
        )
        self.max_tokens = int(settings.get("max_seq_length", 256))
        self.tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        path = minilm_gguf(model_folder, cache)
        self._model = llama_cpp.llama_model_load_from_file(
            str(path).encode(), llama_cpp.llama_model_default_params()
        )
        if not self._model:
            raise DslgenError(f"llama.cpp could not load the embedding model {path}")
        self.dim = int(llama_cpp.llama_model_n_embd(self._model))
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = params.n_batch = params.n_ubatch = self.max_tokens
        params.embeddings = True
        params.pooling_type = llama_cpp.LLAMA_POOLING_TYPE_MEAN
        params.n_threads = params.n_threads_batch = default_threads()
        self._ctx = llama_cpp.llama_init_from_model(self._model, params)
        if not self._ctx:
            raise DslgenError("llama.cpp could not create an embedding context")
        self._batch = llama_cpp.llama_batch_init(self.max_tokens, 0, 1)

    def embed(self, texts: Sequence[str]) -> Any:
        """L2-normalised float32 rows (len(texts), dim)."""
        import numpy as np

        llama_cpp = self._llama
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        memory = llama_cpp.llama_get_memory(self._ctx)
        for i, text in enumerate(texts):
            ids = self.tokenizer.encode(text).ids
            if memory:
                llama_cpp.llama_memory_clear(memory, True)
            batch = self._batch
            for row, token in enumerate(ids):
                batch.token[row] = token
                batch.pos[row] = row
                batch.n_seq_id[row] = 1
                batch.seq_id[row][0] = 0
                batch.logits[row] = True
            batch.n_tokens = len(ids)
            if llama_cpp.llama_decode(self._ctx, batch) != 0:
                raise DslgenError("llama.cpp could not embed a query")
            pointer = llama_cpp.llama_get_embeddings_seq(self._ctx, 0)
            vector = np.ctypeslib.as_array(pointer, shape=(self.dim,)).astype(np.float32)
            rows[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return rows


@functools.lru_cache(maxsize=1)
def query_embedder() -> QueryEmbedder:
    """The process's query embedder over the packaged MiniLM (GGUF cached under the dslgen home)."""
    from dslgen.paths import home
    from dslgen.retrieve.embed import model_dir

    return QueryEmbedder(model_dir(), home() / "models" / "gguf")
