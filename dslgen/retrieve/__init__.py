"""Offline retrieval: an index over a domain's documents and the context packs built from it.

    index = load_index(get_domain("pdflow"), rebuild=True)      # faiss + bm25s, offline
    pack = build_context_pack(index, "Route CLK on M3.", count_tokens=tokenizer_counter())
    render_messages("pdflow", instruction, pack.render(), fixture)  # the one prompt renderer

Importing this package is cheap: faiss, bm25s and sentence-transformers load when used.
Generic code: it sees a domain only through `dslgen.domain.Domain` (no `dslgen.domains.*`).
"""

from dslgen.retrieve.index import (
    RetrievalIndex,
    build_and_save_index,
    build_index,
    index_dir,
    load_index,
    save_index,
)
from dslgen.retrieve.pack import (
    DEFAULT_BUDGET,
    ContextPack,
    PackEntry,
    build_context_pack,
    build_context_packs,
)
from dslgen.retrieve.search import METHODS, rank_documents
from dslgen.retrieve.tokens import default_counter, estimate_tokens, tokenizer_counter

__all__ = [
    "DEFAULT_BUDGET",
    "METHODS",
    "ContextPack",
    "PackEntry",
    "RetrievalIndex",
    "build_and_save_index",
    "build_context_pack",
    "build_context_packs",
    "build_index",
    "default_counter",
    "estimate_tokens",
    "index_dir",
    "load_index",
    "rank_documents",
    "save_index",
    "tokenizer_counter",
]
