"""The retrieval index of one domain: dense vectors in faiss, BM25 in bm25s, and a manifest.

On disk, `<home>/index/<domain>/` holds

    manifest.json   format, domain, catalog sha256, documents sha256, model, doc ids
    docs.jsonl      the indexed documents, in index order (for people and tools to inspect)
    dense.faiss     faiss IndexFlatIP over normalised embeddings (inner product = cosine)
    bm25/           the bm25s index over `lexical_tokens(title + text)`

The manifest is written last, so an interrupted build leaves a folder that loads as stale.
An index is stale when any recorded key differs from the domain's current catalog, documents,
embedding model or this module's format; `load_index` then rebuilds it or raises IndexStaleError.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dslgen.domain import Domain
from dslgen.errors import IndexStaleError
from dslgen.records import Doc
from dslgen.retrieve.embed import embed_texts, embedder_id
from dslgen.retrieve.lexical import lexical_tokens

#: Bump when `document_text`, `lexical_tokens` or the file layout changes: old indexes go stale.
INDEX_FORMAT = "dslgen-retrieval-index/1"
MANIFEST_FILE = "manifest.json"

#: progress(step, done, total): `step` names the stage ("embed", "bm25", "save").
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IndexManifest:
    """What an index was built from; any difference from the current domain makes it stale."""

    format: str
    domain: str
    catalog_sha256: str
    docs_sha256: str
    model: str
    dim: int
    doc_ids: tuple[str, ...]


@dataclass
class RetrievalIndex:
    """A loaded index: documents in index order plus their dense and lexical indexes."""

    manifest: IndexManifest
    docs: list[Doc]
    dense: Any  # faiss.IndexFlatIP, one row per doc
    bm25: Any  # bm25s.BM25, one document per doc
    directory: Path | None = None

    @property
    def domain(self) -> str:
        return self.manifest.domain


def index_dir(domain: str) -> Path:
    """Where the index of `domain` lives: `<home>/index/<domain>/` (home: $DSLGEN_HOME)."""
    from dslgen.paths import home

    return home() / "index" / domain


def document_text(doc: Doc) -> str:
    """The text both retrievers see for a document: its title, then its body."""
    return f"{doc.title}\n{doc.text}"


def docs_sha256(docs: list[Doc]) -> str:
    """A stable hash of the documents (ids, kinds, texts, symbols): changes mean re-indexing."""
    rows = [json.dumps(asdict(d), sort_keys=True) for d in docs]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def expected_manifest(domain: Domain, docs: list[Doc], dim: int = 384) -> IndexManifest:
    return IndexManifest(
        format=INDEX_FORMAT,
        domain=domain.name,
        catalog_sha256=domain.fingerprint(),
        docs_sha256=docs_sha256(docs),
        model=embedder_id(),
        dim=dim,
        doc_ids=tuple(d.id for d in docs),
    )


def build_index(domain: Domain, progress: Progress | None = None) -> RetrievalIndex:
    """Embed and BM25-index every document of `domain` (in memory; see `save_index`)."""
    import bm25s
    import faiss

    docs = list(domain.documents())
    texts = [document_text(d) for d in docs]
    done = 0

    def embedded(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("embed", done, len(docs))

    vectors = embed_texts(texts, embedded, batch_size=16)  # batches of 16: a smooth progress bar
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    bm25 = bm25s.BM25()
    bm25.index([lexical_tokens(t) for t in texts], show_progress=False)
    if progress is not None:
        progress("bm25", len(docs), len(docs))
    manifest = expected_manifest(domain, docs, dim=int(vectors.shape[1]))
    return RetrievalIndex(manifest, docs, dense, bm25)


def save_index(index: RetrievalIndex, directory: Path) -> Path:
    """Write `index` to `directory` (created if needed); the manifest goes last."""
    import faiss

    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).unlink(missing_ok=True)
    with (directory / "docs.jsonl").open("w", encoding="utf-8") as out:
        for doc in index.docs:
            out.write(json.dumps(asdict(doc), sort_keys=True) + "\n")
    faiss.write_index(index.dense, str(directory / "dense.faiss"))
    index.bm25.save(str(directory / "bm25"), show_progress=False)
    manifest = asdict(index.manifest) | {"doc_ids": list(index.manifest.doc_ids)}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    index.directory = directory
    return directory


def build_and_save_index(
    domain: Domain, directory: Path | None = None, progress: Progress | None = None
) -> RetrievalIndex:
    """Build the index of `domain` and save it (default: `index_dir(domain.name)`)."""
    index = build_index(domain, progress)
    save_index(index, directory or index_dir(domain.name))
    if progress is not None:
        progress("save", len(index.docs), len(index.docs))
    return index


def read_manifest(directory: Path) -> IndexManifest | None:
    """The manifest in `directory`, or None when there is none or it cannot be read."""
    try:
        data = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        data["doc_ids"] = tuple(data["doc_ids"])
        return IndexManifest(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def stale_reason(found: IndexManifest | None, expected: IndexManifest) -> str | None:
    """Why an index with manifest `found` cannot serve `expected`, in words; None if it can."""
    if found is None:
        return "there is no readable index there"
    checks = [
        ("format", "it was written in another index format"),
        ("domain", "it indexes another domain"),
        ("catalog_sha256", "the catalog changed since it was built"),
        ("docs_sha256", "the domain's documents changed since it was built"),
        ("model", "it was built with another embedding model"),
    ]
    for field, reason in checks:
        if getattr(found, field) != getattr(expected, field):
            return f"{reason} ({field} {getattr(found, field)[:12]} != {getattr(expected, field)[:12]})"
    return None


def load_index(
    domain: Domain,
    directory: Path | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> RetrievalIndex:
    """The saved index of `domain`, checked against its current catalog and documents.

    A missing or stale index is rebuilt (and saved) when `rebuild` is true; otherwise
    IndexStaleError says why it is stale and how to rebuild it.
    """
    directory = directory or index_dir(domain.name)
    docs = list(domain.documents())
    manifest = read_manifest(directory)
    reason = stale_reason(manifest, expected_manifest(domain, docs))
    if manifest is not None and reason is None:
        try:
            return _read_index(directory, manifest, docs)
        except (OSError, RuntimeError, ValueError) as exc:
            reason = f"its files cannot be read ({exc})"
    if rebuild:
        return build_and_save_index(domain, directory, progress)
    raise IndexStaleError(
        f"the retrieval index in {directory} cannot be used: {reason}; "
        f"rebuild it with `dslgen index build --domain {domain.name}`",
        reason=f"{reason} ({directory})",
    )


def _read_index(directory: Path, manifest: IndexManifest, docs: list[Doc]) -> RetrievalIndex:
    import bm25s
    import faiss

    dense = faiss.read_index(str(directory / "dense.faiss"))
    bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
    if dense.ntotal != len(docs):
        raise ValueError(f"dense.faiss holds {dense.ntotal} vectors for {len(docs)} documents")
    return RetrievalIndex(manifest, docs, dense, bm25, directory)
