"""Queries embedded on llama.cpp (no torch at start-up) match sentence-transformers' vectors, so
an index built with sentence-transformers is searched the same way."""

from __future__ import annotations

import pytest

from tests.retrieve.conftest import require_retrieval

pytest.importorskip("llama_cpp")

ODD = [
    "",
    "héllo Wörld — naïve café, ÉLAN",
    "[CLS] ##piece [SEP] [MASK]",
    "my::route_net -net CLK -layer M3 -width 0.2 " * 60,  # past the 256-token window
    "日本語のテキスト",
]


@pytest.fixture(scope="module")
def both(eval_tasks):
    require_retrieval()
    import numpy as np

    from dslgen.retrieve.embed import embed_texts
    from dslgen.retrieve.query_embed import query_embedder

    texts = [t["instruction"] for t in eval_tasks[:60]] + ODD
    ours = query_embedder().embed(texts)
    theirs = embed_texts(texts)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    return texts, ours, theirs


def test_vectors_match_sentence_transformers(both):
    import numpy as np

    texts, ours, theirs = both
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.999, f"{texts[worst]!r}: cosine {cosines[worst]:.5f}"


def test_search_ranks_documents_the_same(both, pdflow_index):
    from dslgen.retrieve.search import dense_scores, ranking

    _, ours, theirs = both
    overlaps = []
    for mine, reference in zip(ours, theirs, strict=True):
        top_ours = ranking(dense_scores(pdflow_index, mine))[:5]
        top_theirs = ranking(dense_scores(pdflow_index, reference))[:5]
        overlaps.append(len(set(top_ours) & set(top_theirs)))
    # near-ties may swap the fifth document, never more
    assert min(overlaps) >= 4
    assert sum(o == 5 for o in overlaps) >= 0.9 * len(overlaps)


def test_the_sentence_transformers_path_stays_selectable(monkeypatch):
    require_retrieval()
    import numpy as np

    from dslgen.retrieve.search import embed_queries

    fast = embed_queries(["route CLK on M3"])
    monkeypatch.setenv("DSLGEN_QUERY_EMBEDDER", "sentence-transformers")
    slow = embed_queries(["route CLK on M3"])
    assert float(np.dot(fast[0], slow[0] / np.linalg.norm(slow[0]))) >= 0.999
