"""Render catalog entries as compact reference text (proc signatures, DSL statement forms).

Used as the `context` of corpus records until the retriever (dslgen/retrieve) chooses the
entries; both go through `render_entries`, so a prompt looks the same whoever picked them.
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


def render_entries(catalog: Catalog, procs: list[str], dsl_kinds: list[str]) -> str:
    """Reference text for the given procs and DSL statement kinds, header and policy first."""
    lines = ["Header: " + " / ".join(catalog.policy.required_header)]
    lines += [proc_signature(p, catalog) for p in procs if p in catalog.procs]
    for kind in dsl_kinds:
        statement = catalog.dsl.get(kind)
        if statement is not None:
            lines.append(f"{catalog.dsl_command} {{ {statement.syntax} }}")
    return "\n".join(lines)


def used_symbols(script: str, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Procs and DSL statement kinds a reference script uses (for oracle context and recall)."""
    procs = sorted(p for p in catalog.procs if p + " " in script)
    kinds = sorted(k for k in catalog.dsl if f"\n  {k} " in script)
    return procs, kinds
