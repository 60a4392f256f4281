"""`extract_catalog` reads procs and their comment docs from Tcl sources into a catalog.

The main oracle is the hand-written catalog/pdflow.json: tests/data/catalog/pdflow_procs.tcl
documents the same procs in the comment convention, and extraction must give back the same
signatures. The other tests pin the convention's edges: namespaces, undocumented argument lists,
malformed tags, merging over a base, syntax errors and byte-stable output.
"""

from __future__ import annotations

import tkinter
from pathlib import Path

import pytest

from dslgen.catalog.extract import ExtractResult, extract_catalog, write_catalog
from dslgen.catalog.model import Catalog, ProcSpec, load_catalog
from dslgen.errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]
PDFLOW = load_catalog(ROOT / "catalog" / "pdflow.json")
PROCS_TCL = ROOT / "tests" / "data" / "catalog" / "pdflow_procs.tcl"
SIGNATURE = ("flag", "type", "required", "values", "min", "max", "min_exclusive", "default")
SIGNATURE += ("suffixes", "unit")


@pytest.fixture(scope="module")
def extracted() -> ExtractResult:
    return extract_catalog([PROCS_TCL])


def _extract_text(tmp_path: Path, text: str, base: Catalog | None = None) -> ExtractResult:
    source = tmp_path / "procs.tcl"
    source.write_text(text, encoding="utf-8")
    return extract_catalog([source], base=base)


def _signature(spec: ProcSpec) -> list[tuple]:
    return [tuple(getattr(arg, name) for name in SIGNATURE) for arg in spec.args]


@pytest.mark.parametrize("name", sorted(PDFLOW.procs))
def test_every_pdflow_signature_is_reproduced(extracted: ExtractResult, name: str) -> None:
    expected, got = PDFLOW.procs[name], extracted.catalog.procs[name]
    assert _signature(got) == _signature(expected)
    for arg in got.args:  # defaults keep their JSON type: 0.1 and 1, not "0.1" and "1"
        assert type(arg.default) is type(expected.arg(arg.flag).default)


@pytest.mark.parametrize("name", sorted(PDFLOW.procs))
def test_every_pdflow_doc_field_is_reproduced(extracted: ExtractResult, name: str) -> None:
    assert extracted.catalog.procs[name] == PDFLOW.procs[name]


def test_the_real_file_is_fully_typed(extracted: ExtractResult) -> None:
    assert extracted.untyped == []
    assert sorted(extracted.procs_found) == sorted(PDFLOW.procs)  # `_helpers` are private
    assert list(extracted.catalog.procs) == sorted(PDFLOW.procs)
    assert extracted.catalog.procs["my::legacy_route"].deprecated.replacement == "my::route"


def test_extracting_over_the_catalog_reproduces_it_in_name_order(tmp_path: Path) -> None:
    out = tmp_path / "pdflow.json"
    write_catalog(extract_catalog([PROCS_TCL], base=PDFLOW).catalog, out)
    in_name_order = PDFLOW.model_copy(update={"procs": dict(sorted(PDFLOW.procs.items()))})
    assert out.read_text(encoding="utf-8") == in_name_order.to_json_text()


def test_the_procs_file_is_real_tcl_that_runs() -> None:
    interp = tkinter.Tcl()
    interp.eval(PROCS_TCL.read_text(encoding="utf-8"))
    interp.eval("my::load_design -file top.def; my::create_net -name CLK -type clock")
    interp.eval("my::route -net CLK -layer M3; my::add_buffer -net CLK -cell BUF_X4 -count 2")
    assert interp.eval("dict get $my::state nets CLK route") == "layer M3 width 0.1"
    with pytest.raises(tkinter.TclError, match="out of range"):
        interp.eval("my::keepout -net CLK -width 0")


def test_namespace_eval_qualifies_nested_procs(tmp_path: Path) -> None:
    result = _extract_text(
        tmp_path,
        "namespace eval a {\n"
        "    namespace eval b {\n"
        "        # Deep proc.\n"
        "        # @flag -n int[1,] required\n"
        "        proc c {args} {return 1}\n"
        "    }\n"
        "    # Sub-namespace proc.\n"
        "    proc d::e {} {}\n"
        "    # Absolute name.\n"
        "    proc ::top {} {}\n"
        "}\n",
    )
    assert result.procs_found == ["a::b::c", "a::d::e", "top"]
    deep = result.catalog.procs["a::b::c"]
    assert deep.summary == "Deep proc."
    assert (deep.args[0].min, deep.args[0].max, deep.args[0].required) == (1, None, True)
    assert result.catalog.procs["top"].summary == "Absolute name."


def test_named_arguments_become_string_flags_and_are_reported(tmp_path: Path) -> None:
    result = _extract_text(
        tmp_path,
        "# Place an instance.\nproc my::place {inst cell x y {orient N}} {}\n\n"
        "proc my::anything {args} {}\n",
    )
    place = result.catalog.procs["my::place"]
    assert [(a.flag, a.type, a.required, a.default) for a in place.args] == [
        ("-inst", "string", True, None),
        ("-cell", "string", True, None),
        ("-x", "string", True, None),
        ("-y", "string", True, None),
        ("-orient", "string", False, "N"),
    ]
    assert result.catalog.procs["my::anything"].args == []
    where = f"{tmp_path / 'procs.tcl'}:2"
    assert f"{where}: my::place -inst: no @flag doc, typed as string" in result.untyped
    assert f"{where}: my::place -orient: no @flag doc, typed as string" in result.untyped
    assert any(s.startswith(f"{tmp_path / 'procs.tcl'}:4: my::anything") for s in result.untyped)


MALFORMED = """\
# Broken docs.
# @flag -a flot required
# @flag -b float[5,1]
# @flag -c int[1.5,3]
# @flag -d float[0,1)
# @flag -e enum(x|y) default=z
# @flag -f int[1,10] default=99
# @flag -g float(,3]
# @flag layer enum(M1|M2)
# @flag -h enum() required
# @flag -i net
# @flag -i name
# @frobnicate
proc my::broken {args} {}
"""


def test_malformed_flags_are_reported_with_file_and_line(tmp_path: Path) -> None:
    result = _extract_text(tmp_path, MALFORMED)
    src = tmp_path / "procs.tcl"
    expected = {
        2: "-a: unknown type 'flot'",
        3: "-b: bad range 'float[5,1]'",
        4: "-c: bound of 'int[1.5,3]' '1.5' is not an int",
        5: "-d: exclusive upper bound",
        6: "-e: default 'z' is not one of x|y",
        7: "-f: default 99 is outside the range",
        8: "-g: '(' in 'float(,3]'",
        9: "malformed @flag 'layer enum(M1|M2)'",
        10: "-h: empty item in 'enum()'",
        12: "-i: documented twice",
        13: "unknown tag @frobnicate",
    }
    for line, text in expected.items():
        prefix = f"{src}:{line}: my::broken"
        assert any(s.startswith(prefix) and text in s for s in result.untyped), (line, text)
    assert len(result.untyped) == len(expected)
    args = {a.flag: a for a in result.catalog.procs["my::broken"].args}
    assert list(args) == ["-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-i"]
    assert {a.type for f, a in args.items() if f != "-i"} == {"string"}
    assert args["-a"].required and args["-h"].required
    assert args["-i"].type == "net"


def test_merge_keeps_what_the_source_does_not_document(tmp_path: Path) -> None:
    source = """\
# Route a net, newer wording.
# @flag -net net required
# @flag -layer enum(M1|M2) required
proc my::route {args} {}

proc my::set_effort {level} {}

# @example my::brand_new -n 1
# @flag -n int[0,9] required a count
proc my::brand_new {args} {}
"""
    result = _extract_text(tmp_path, source, base=PDFLOW)
    route, base_route = result.catalog.procs["my::route"], PDFLOW.procs["my::route"]
    assert route.summary == "Route a net, newer wording."
    assert route.examples == base_route.examples  # the source has no @example: base kept
    assert route.effects == base_route.effects and route.requires_design
    assert [a.flag for a in route.args] == ["-net", "-layer"]  # the source's flag list wins
    assert route.arg("-layer").values == ["M1", "M2"]
    assert route.arg("-net").doc == "an existing net"  # no doc text: the base flag's doc
    assert result.catalog.procs["my::set_effort"] == PDFLOW.procs["my::set_effort"]
    assert any("my::set_effort: no @flag docs, kept the base" in s for s in result.untyped)
    assert result.catalog.procs["my::brand_new"].examples == ["my::brand_new -n 1"]
    assert result.catalog.procs["my::load_design"] == PDFLOW.procs["my::load_design"]
    assert result.catalog.enums == PDFLOW.enums and result.catalog.policy == PDFLOW.policy
    assert list(result.catalog.procs) == sorted(result.catalog.procs)


def test_private_procs_and_detached_comments(tmp_path: Path) -> None:
    result = _extract_text(
        tmp_path,
        "# Not about the proc below (a blank line separates them).\n\n"
        "proc my::plain {} {}\n"
        "proc my::_helper {} {}\n"
        "# @private\nproc my::hidden {} {}\n",
    )
    assert result.procs_found == ["my::plain"]
    assert result.catalog.procs["my::plain"].summary == ""


def test_unparseable_tcl_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"procs\.tcl:3: not valid Tcl: missing close-brace"):
        _extract_text(tmp_path, "# ok\nproc my::a {} {}\nproc my::b {} {\n  puts hi\n")
    with pytest.raises(CatalogError, match=r"procs\.tcl:2: not valid Tcl: extra characters"):
        _extract_text(tmp_path, "namespace eval my {\n  proc a {} {}x\n}\n")


def test_output_is_deterministic_and_written_atomically(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "out.json", tmp_path / "b" / "out.json"
    for out in (first, second):
        out.parent.mkdir()
        write_catalog(extract_catalog([PROCS_TCL], base=PDFLOW).catalog, out)
    assert first.read_bytes() == second.read_bytes()
    write_catalog(extract_catalog([PROCS_TCL]).catalog, first)  # replaces the existing file
    assert load_catalog(first).procs == extract_catalog([PROCS_TCL]).catalog.procs
    assert sorted(p.name for p in first.parent.iterdir()) == ["out.json"]  # no temp file left


def test_the_documented_example_extracts_cleanly(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "catalog-extract.md").read_text(encoding="utf-8")
    example = doc.split("```tcl\n", 1)[1].split("```", 1)[0]
    result = _extract_text(tmp_path, example)
    assert result.untyped == []
    route = result.catalog.procs["my::route"]
    assert route.arg("-width").doc == "wire width in micrometres (no unit suffix)"
    assert (route.arg("-keep").min, route.arg("-keep").min_exclusive) == (0, True)
    assert route.deprecated is not None and route.deprecated.replacement == "my::route"
