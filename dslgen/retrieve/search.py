"""Rank an index's documents for a query: dense (cosine), BM25, or both fused by reciprocal rank.

Reciprocal-rank fusion (Cormack et al., 2009) scores a document `sum 1 / (k + rank)` over the
rankings it appears in (rank from 1). It needs no score calibration between cosine and BM25; the
usual k = 60 flattens the head so that agreement between the two matters more than either top-1.
Every ranking breaks ties by index order, so the same query always gives the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dslgen.retrieve.embed import embed_texts
from dslgen.retrieve.index import RetrievalIndex
from dslgen.retrieve.lexical import lexical_tokens

METHODS = ("dense", "bm25", "hybrid")
RRF_K = 60


@dataclass(frozen=True)
class Hit:
    """One ranked document: its position in `index.docs` and its score under the method used."""

    position: int
    score: float


def embed_queries(queries: Sequence[str]) -> Any:
    """Query vectors for `queries`: on llama.cpp where it is installed (the same MiniLM without
    torch's start-up, see dslgen.retrieve.query_embed), else sentence-transformers in one batch.
    `DSLGEN_QUERY_EMBEDDER=sentence-transformers` forces the latter."""
    import os

    from dslgen.models.llama_native import llama_cpp_available

    wanted = os.environ.get("DSLGEN_QUERY_EMBEDDER", "").strip()
    if wanted != "sentence-transformers" and llama_cpp_available():
        from dslgen.retrieve.query_embed import query_embedder

        return query_embedder().embed(list(queries))
    return embed_texts(list(queries))


def dense_scores(index: RetrievalIndex, query_vector: Any) -> list[float]:
    """Cosine similarity of every document to the query vector, in index order."""
    total = index.dense.ntotal
    found, positions = index.dense.search(query_vector.reshape(1, -1), total)
    scores = [0.0] * total
    for score, position in zip(found[0], positions[0], strict=True):
        if position >= 0:
            scores[int(position)] = float(score)
    return scores


def bm25_scores(index: RetrievalIndex, query: str) -> list[float]:
    """BM25 score of every document for the query's terms (0 where none match), in index order."""
    vocabulary = index.bm25.vocab_dict
    terms = [t for t in lexical_tokens(query) if t in vocabulary]
    if not terms:
        return [0.0] * len(index.docs)
    return [float(s) for s in index.bm25.get_scores(terms)]


def ranking(scores: Sequence[float], positive_only: bool = False) -> list[int]:
    """Positions by descending score, ties in index order; `positive_only` drops scores <= 0."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [i for i in order if scores[i] > 0] if positive_only else order


def fuse(rankings: Sequence[Sequence[int]], size: int, k: int = RRF_K) -> list[float]:
    """Reciprocal-rank fusion of `rankings` (lists of positions) into one score per position."""
    fused = [0.0] * size
    for order in rankings:
        for rank, position in enumerate(order, start=1):
            fused[position] += 1.0 / (k + rank)
    return fused


def rank_documents(
    index: RetrievalIndex, query: str, method: str = "hybrid", query_vector: Any = None
) -> list[Hit]:
    """Every document of `index`, best first, under `method` (dense | bm25 | hybrid).

    `query_vector` (from `embed_queries`) skips embedding the query again; BM25 ignores it.
    Dense and hybrid rank every document; BM25 alone ranks only documents sharing a term, so
    its list can be shorter.
    """
    if method not in METHODS:
        raise ValueError(f"unknown retrieval method {method!r}; use one of {', '.join(METHODS)}")
    size = len(index.docs)
    lexical = bm25_scores(index, query) if method != "dense" else []
    if method == "bm25":
        return [Hit(i, lexical[i]) for i in ranking(lexical, positive_only=True)]
    if query_vector is None:
        query_vector = embed_queries([query])[0]
    dense = dense_scores(index, query_vector)
    if method == "dense":
        return [Hit(i, dense[i]) for i in ranking(dense)]
    fused = fuse([ranking(dense), ranking(lexical, positive_only=True)], size)
    return [Hit(i, fused[i]) for i in ranking(fused)]
