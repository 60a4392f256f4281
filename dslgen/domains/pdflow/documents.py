"""What the retriever indexes for pdflow: one document per proc, variable, DSL statement kind,
policy, and per curated example (tiny valid scripts made by the task generator's train split)."""

from __future__ import annotations

import random

from dslgen.catalog.model import Catalog
from dslgen.domains.pdflow.context import proc_signature, used_symbols
from dslgen.records import Doc

EXAMPLES = 48  # curated examples, drawn from train templates only


def catalog_documents(catalog: Catalog) -> list[Doc]:
    docs = [
        Doc(
            "policy",
            "policy",
            "Required header and forbidden commands",
            "Header: "
            + " / ".join(catalog.policy.required_header)
            + "\nForbidden: "
            + " ".join(catalog.policy.forbidden_commands)
            + f"\nAllowed Tcl: {' '.join(catalog.policy.allowed_commands)}",
            always=True,
        )
    ]
    for name, spec in sorted(catalog.procs.items()):
        if name in catalog.policy.forbidden_commands:
            continue
        lines = [proc_signature(name, catalog)]
        lines += [f"  effect: {spec.effects}"] if spec.effects else []
        lines += [f"  e.g. {e}" for e in spec.examples[:2]] + [f"  note: {n}" for n in spec.notes]
        docs.append(Doc(f"proc:{name}", "proc", name, "\n".join(lines), (name,)))
    for name, spec in sorted(catalog.variables.items()):
        allowed = (
            "|".join(spec.values) if spec.values else f"{spec.type} {spec.min:g}..{spec.max:g}"
        )
        docs.append(
            Doc(
                f"variable:{name}",
                "variable",
                name,
                f"set {name} {allowed}  # {spec.doc} (default {spec.default})",
            )
        )
    for kind, statement in sorted(catalog.dsl.items()):
        props = ", ".join(f"{p} ({s.doc})" for p, s in statement.properties.items())
        text = f"{catalog.dsl_command} {{ {statement.syntax} }}  # {statement.summary}\n  properties: {props}"
        text += "".join(f"\n  e.g. {e}" for e in statement.examples[:2])
        docs.append(Doc(f"dsl:{kind}", "dsl", f"DSL {kind}", text, (kind,)))
    return docs


def example_documents(catalog: Catalog, seed: int = 0) -> list[Doc]:
    from dslgen.domains.pdflow.tasks.compose import compose_task

    docs = []
    for i in range(EXAMPLES):
        rng = random.Random(f"example:{seed}:{i}")
        task = compose_task(rng, "micro" if i % 3 == 0 else "unit", "train")
        procs, kinds = used_symbols(task.script, catalog)
        text = f"# {task.instruction}\n{task.script.strip()}"
        docs.append(Doc(f"example:{i:02d}", "example", task.intent, text, tuple(procs + kinds)))
    return docs
