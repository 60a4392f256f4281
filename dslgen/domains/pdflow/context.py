"""Proc signatures as one compact line, and the symbols a reference script uses.

Signatures head the retriever's proc documents (`documents.py`); `used_symbols` picks a corpus
task's own documents (its prompt context) and scores retrieval recall.
"""

from __future__ import annotations

from dslgen.catalog.model import ArgSpec, Catalog


def _arg(arg: ArgSpec) -> str:
    if arg.values:
        value = "|".join(arg.values)
    elif arg.type in ("float", "int") and (arg.min is not None or arg.max is not None):
        low = "" if arg.min is None else f"{arg.min:g}"
        high = "" if arg.max is None else f"{arg.max:g}"
        value = f"{arg.type.upper()}{'(' if arg.min_exclusive else '['}{low}..{high}]"
    else:
        value = arg.type.upper()
    text = f"{arg.flag} {value}"
    return text if arg.required else f"[{text}]"


def proc_signature(name: str, catalog: Catalog) -> str:
    spec = catalog.procs[name]
    line = f"{name} " + " ".join(_arg(a) for a in spec.args)
    if spec.summary:
        line += f"  # {spec.summary}"
    return line


def used_symbols(script: str, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Procs and DSL statement kinds a reference script uses (for oracle context and recall)."""
    procs = sorted(p for p in catalog.procs if p + " " in script)
    kinds = sorted(k for k in catalog.dsl if f"\n  {k} " in script)
    return procs, kinds
