"""Context packs: the minimal slice of a domain's documents that one instruction needs.

A pack always holds the domain's `always` documents (required header, policy), then reference
documents (procs, variables, DSL statements) and up to `max_examples` worked examples, ranked in
priority tiers:

1. for each clause of the instruction, its best-ranked reference document;
2. the reference documents of the symbols the best-ranked example uses;
3. for each clause, its second-best reference document;
4. the reference documents of the symbols the second example uses;
5. the best-ranked examples themselves (whole, or not at all).

The budget is filled in three passes over that order: every reference document as its headline
(first line: the signature), then as its whole text while it fits, then the examples. A tight
budget so loses detail and examples before it loses a symbol.

Instructions are lists of steps ("Read in top.def. Route CLK on M3. Save as out.def."), so each
clause is ranked on its own: a whole-instruction query finds the one or two most salient symbols
and misses the rest. Examples rank against the whole instruction (the mean of its clause
vectors) and vote for the symbols they use, which catches steps whose wording the reference text
lacks ("Read in" for `load_design`).

The pack renders in a fixed order (kind, then index order), never in score order, so equal
selections give byte-identical prompt text. `render()` is the `context` argument of
`dslgen.prompts.render_messages`: training and inference see the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.errors import DslgenError
from dslgen.records import Doc
from dslgen.retrieve.index import RetrievalIndex
from dslgen.retrieve.search import embed_queries, rank_documents
from dslgen.retrieve.tokens import TokenCounter, estimate_tokens

#: Tokens of context by default (docs/retrieval.md has the recall/budget table): recall is flat
#: from 640 up; 768 buys whole documents and 1-2 examples for unit-level tasks, and every symbol
#: of a scenario with about half as headlines, while prompt + answer stay near 1.3k tokens.
DEFAULT_BUDGET = 768
MAX_EXAMPLES = 2
CLAUSE_DEPTH = 2  # reference documents taken per clause (tiers 1 and 3)
MAX_CLAUSES = 24  # longer instructions keep their first clauses (bounds query latency)

SEPARATOR = "\n\n"
EXAMPLE_LABEL = "Example:\n"
# Render order of document kinds; unknown kinds go after these, before examples.
KIND_ORDER = {"policy": 0, "proc": 1, "variable": 2, "dsl": 3}
EXAMPLE_KIND = "example"

_CLAUSE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class PackEntry:
    """One document as the pack shows it: whole, or (reference documents only) its headline."""

    doc: Doc
    text: str
    tokens: int

    @property
    def headline_only(self) -> bool:
        return self.text != entry_text(self.doc)


@dataclass(frozen=True)
class ContextPack:
    """What the retriever chose for one instruction, in render order, and its size in tokens."""

    instruction: str
    method: str
    budget: int
    entries: tuple[PackEntry, ...]
    tokens: int  # count_tokens(self.render()), with the counter the pack was built with

    @property
    def docs(self) -> tuple[Doc, ...]:
        return tuple(e.doc for e in self.entries)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Procs and DSL statement kinds whose reference documents are in the pack (sorted)."""
        return self._symbols_of(lambda kind: kind != EXAMPLE_KIND)

    @property
    def procs(self) -> tuple[str, ...]:
        """The procs this pack documents: what decoding may be restricted to."""
        return self._symbols_of(lambda kind: kind == "proc")

    @property
    def dsl_kinds(self) -> tuple[str, ...]:
        return self._symbols_of(lambda kind: kind == "dsl")

    def _symbols_of(self, keep: Callable[[str], bool]) -> tuple[str, ...]:
        return tuple(sorted({s for d in self.docs if keep(d.kind) for s in d.symbols}))

    def covered_catalog(self, catalog: Catalog) -> Catalog:
        """`catalog` cut down to the pack's procs and DSL statements (variables, policy kept)."""
        procs, kinds = set(self.procs), set(self.dsl_kinds)
        return catalog.model_copy(
            update={
                "procs": {n: s for n, s in catalog.procs.items() if n in procs},
                "dsl": {k: s for k, s in catalog.dsl.items() if k in kinds},
            }
        )

    def render(self) -> str:
        """The reference text of the prompt (the `context` of `render_messages`)."""
        return render_entries(self.entries)

    def to_json(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction,
            "method": self.method,
            "budget": self.budget,
            "tokens": self.tokens,
            "docs": [
                {
                    "id": e.doc.id,
                    "kind": e.doc.kind,
                    "tokens": e.tokens,
                    "headline": e.headline_only,
                }
                for e in self.entries
            ],
            "symbols": list(self.symbols),
            "procs": list(self.procs),
            "dsl_kinds": list(self.dsl_kinds),
            "context": self.render(),
        }


def entry_text(doc: Doc) -> str:
    return EXAMPLE_LABEL + doc.text if doc.kind == EXAMPLE_KIND else doc.text


def headline(doc: Doc) -> str:
    """A document's first line: in the domains we ship, a signature or statement form."""
    return doc.text.split("\n", 1)[0]


def render_entries(entries: Sequence[PackEntry]) -> str:
    return SEPARATOR.join(e.text for e in entries)


def render_documents(chosen: Sequence[Doc], all_docs: Sequence[Doc]) -> str:
    """Render documents chosen by other means (e.g. a corpus task's own symbols) exactly as a pack
    renders them: the one renderer of reference text for training and inference prompts."""
    entries = [PackEntry(doc, entry_text(doc), 0) for doc in chosen]
    return render_entries(_render_order(entries, all_docs))


def split_clauses(instruction: str, limit: int = MAX_CLAUSES) -> list[str]:
    """The instruction cut after `.`, `!`, `?` or `;` followed by space (so `core.def` stays)."""
    clauses = [c.strip() for c in _CLAUSE_END.split(instruction.strip())]
    return [c for c in clauses if c][:limit] or [instruction.strip()]


def build_context_pack(
    index: RetrievalIndex,
    instruction: str,
    budget: int = DEFAULT_BUDGET,
    count_tokens: TokenCounter = estimate_tokens,
    method: str = "hybrid",
    max_examples: int = MAX_EXAMPLES,
) -> ContextPack:
    """The context pack for `instruction`, at most `budget` tokens as `count_tokens` counts them.

    Pass `tokenizer_counter()` to count in the model's own tokens; the default, `estimate_tokens`,
    needs no model and over-counts (packs come out ~15-20 % under budget, same everywhere).
    `method` picks the ranking (hybrid | dense | bm25). Raises DslgenError when the budget cannot
    hold the `always` documents. Deterministic: the same index and arguments give the same pack.
    """
    return build_context_packs(index, [instruction], budget, count_tokens, method, max_examples)[0]


def build_context_packs(
    index: RetrievalIndex,
    instructions: Sequence[str],
    budget: int = DEFAULT_BUDGET,
    count_tokens: TokenCounter = estimate_tokens,
    method: str = "hybrid",
    max_examples: int = MAX_EXAMPLES,
    vectors: list[Any] | None = None,
) -> list[ContextPack]:
    """`build_context_pack` for many instructions, embedding all their clauses in one batch.

    `vectors` (from `embed_instructions(instructions)`) reuses clause embeddings, e.g. to compare
    methods on the same queries; BM25 needs none.
    """
    clause_lists = [split_clauses(i) for i in instructions]
    if vectors is None:
        needs_vectors = method != "bm25"
        vectors = _embed_clauses(clause_lists) if needs_vectors else [None] * len(clause_lists)
    packs = []
    for instruction, clauses, clause_vectors in zip(
        instructions, clause_lists, vectors, strict=True
    ):
        order = _priorities(index, clauses, clause_vectors, method, max_examples)
        entries = _fill(index, order, budget, count_tokens)
        tokens = count_tokens(render_entries(entries))
        packs.append(ContextPack(instruction, method, budget, entries, tokens))
    return packs


def embed_instructions(instructions: Sequence[str]) -> list[Any]:
    """Per instruction, the (clauses, 384) array of its clause embeddings, in one batch."""
    return _embed_clauses([split_clauses(i) for i in instructions])


def _embed_clauses(clause_lists: list[list[str]]) -> list[Any]:
    # Instructions share clauses ("Do not touch other nets."): embed each distinct one once.
    distinct = list(dict.fromkeys(c for clauses in clause_lists for c in clauses))
    row = {clause: i for i, clause in enumerate(distinct)}
    vectors = embed_queries(distinct)
    return [vectors[[row[c] for c in clauses]] for clauses in clause_lists]


def _whole_query_vector(clause_vectors: Any) -> Any:
    """The normalised mean of the clause vectors: the instruction's direction, for examples."""
    import numpy as np

    mean = clause_vectors.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def _priorities(
    index: RetrievalIndex,
    clauses: list[str],
    clause_vectors: Any,
    method: str,
    max_examples: int,
) -> list[int]:
    """Document positions in priority order (tiers 1-5 above); repeats are skipped when filling."""
    docs = index.docs
    per_clause = []
    for i, clause in enumerate(clauses):
        vector = None if clause_vectors is None else clause_vectors[i]
        hits = rank_documents(index, clause, method, vector)
        per_clause.append([h for h in hits if _is_reference(docs[h.position])][:CLAUSE_DEPTH])
    whole = None if clause_vectors is None else _whole_query_vector(clause_vectors)
    hits = rank_documents(index, " ".join(clauses), method, whole)
    examples = [h.position for h in hits if docs[h.position].kind == EXAMPLE_KIND][:max_examples]
    by_symbol = _reference_by_symbol(docs)

    def used_by(example: int) -> list[int]:
        return [by_symbol[s] for s in docs[example].symbols if s in by_symbol]

    order: list[int] = []
    for depth in range(CLAUSE_DEPTH):
        picks = [(ranked[depth], n) for n, ranked in enumerate(per_clause) if len(ranked) > depth]
        # Most confident first: under a tight budget, weak matches of vague clauses go.
        picks.sort(key=lambda pick: (-pick[0].score, pick[1]))
        order += [hit.position for hit, _ in picks]
        if depth < len(examples):
            order += used_by(examples[depth])
    for example in examples[CLAUSE_DEPTH:]:
        order += used_by(example)
    return order + examples


def _is_reference(doc: Doc) -> bool:
    return not doc.always and doc.kind != EXAMPLE_KIND


def _reference_by_symbol(docs: Sequence[Doc]) -> dict[str, int]:
    """Symbol → position of the first reference document that covers it."""
    found: dict[str, int] = {}
    for position, doc in enumerate(docs):
        if _is_reference(doc):
            for symbol in doc.symbols:
                found.setdefault(symbol, position)
    return found


def _fill(
    index: RetrievalIndex,
    order: list[int],
    budget: int,
    count_tokens: TokenCounter,
) -> tuple[PackEntry, ...]:
    """Fill the budget from `order` in three passes; entries come back in render order.

    Pass 1 adds every ranked reference document as its headline, pass 2 widens them to their
    whole text in the same order, pass 3 adds examples: symbols are worth more than the detail
    of any one of them, and detail more than examples.
    """
    docs = index.docs
    fill = _Fill(budget, _separator_tokens(count_tokens))
    for doc in docs:
        if doc.always:
            fill.add(_entry(doc, entry_text(doc), count_tokens), required=True)
    ranked = [docs[p] for p in dict.fromkeys(order)]
    reference = [d for d in ranked if _is_reference(d)]
    examples = [d for d in ranked if d.kind == EXAMPLE_KIND]
    for group, form in ((reference, headline), (reference, entry_text), (examples, entry_text)):
        for doc in group:
            fill.offer(_entry(doc, form(doc), count_tokens))
    return tuple(_render_order(_within_budget(fill.chosen, budget, count_tokens), docs))


@dataclass
class _Fill:
    """Entries chosen so far (in priority order) and the tokens they use, separators included."""

    budget: int
    separator: int
    chosen: list[PackEntry] = field(default_factory=list)
    used: int = 0

    def add(self, entry: PackEntry, required: bool = False) -> bool:
        cost = entry.tokens + (self.separator if self.chosen else 0)
        if self.used + cost > self.budget:
            if required:
                raise DslgenError(
                    f"a budget of {self.budget} tokens cannot hold the required header and "
                    f"policy ({self.used + cost} tokens); use --budget {self.used + cost} or more"
                )
            return False
        self.chosen.append(entry)
        self.used += cost
        return True

    def offer(self, entry: PackEntry) -> None:
        """Add `entry`, or put it in place of the same document's shorter form if it fits."""
        for slot, held in enumerate(self.chosen):
            if held.doc.id == entry.doc.id:
                grow = entry.tokens - held.tokens
                if held.text != entry.text and self.used + grow <= self.budget:
                    self.chosen[slot] = entry
                    self.used += grow
                return
        self.add(entry)


def _separator_tokens(count_tokens: TokenCounter) -> int:
    """What one separator adds between two texts (BPE may split it differently than alone)."""
    between = count_tokens("a" + SEPARATOR + "a") - 2 * count_tokens("a")
    return max(between, count_tokens(SEPARATOR))


def _entry(doc: Doc, text: str, count_tokens: TokenCounter) -> PackEntry:
    return PackEntry(doc, text, count_tokens(text))


def _render_order(entries: list[PackEntry], docs: Sequence[Doc]) -> list[PackEntry]:
    position = {d.id: i for i, d in enumerate(docs)}
    last = len(KIND_ORDER)

    def key(entry: PackEntry) -> tuple[int, int]:
        kind = entry.doc.kind
        rank = last + 1 if kind == EXAMPLE_KIND else KIND_ORDER.get(kind, last)
        return (0 if entry.doc.always else 1 + rank, position[entry.doc.id])

    return sorted(entries, key=key)


def _within_budget(
    entries: list[PackEntry], budget: int, count_tokens: TokenCounter
) -> list[PackEntry]:
    """Drop the lowest-priority entries (`entries` is in priority order) until the rendered
    text fits: a guard for tokenizers that merge across entry boundaries."""
    entries = list(entries)
    while entries and not entries[-1].doc.always and count_tokens(render_entries(entries)) > budget:
        entries.pop()
    return entries
