"""How well packs cover what a reference answer uses: recall@pack over symbols.

The caller says which symbols each task needs (for pdflow, the procs and DSL statement kinds of
the reference script); a pack covers a symbol when it holds the symbol's reference document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dslgen.retrieve.pack import ContextPack


def symbol_recall(packs: Sequence[ContextPack], needed: Sequence[Iterable[str]]) -> float:
    """Covered needed symbols over all needed symbols, pooled over tasks (micro-average).

    Pooling weighs a scenario that needs nine symbols nine times a task that needs one, which is
    what a model pays for a missing symbol. Returns 1.0 when nothing is needed.
    """
    hit = total = 0
    for pack, wanted in zip(packs, needed, strict=True):
        wanted = set(wanted)
        hit += len(wanted & set(pack.symbols))
        total += len(wanted)
    return hit / total if total else 1.0
