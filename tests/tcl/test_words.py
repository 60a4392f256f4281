"""Our Tcl word splitter agrees with real Tcl on what parses (property test)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslgen.tcl.engine import compile_errors, info_complete
from dslgen.tcl.words import TclParseError, TclSource

# Command names Tcl does not compile specially, so its compiler judges only the words.
PIECES = list('{}[]"$\\; \t\n#') + ["xq ", "x", "q(", ")", "{*}", "\\\n"]


def real_tcl_parses(text: str) -> bool:
    return info_complete(text) and not compile_errors(text)


def ours_parses(text: str) -> bool:
    try:
        TclSource(text).commands()
    except TclParseError:
        return False
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_splitter_agrees_with_tcl(text):
    assert ours_parses(text) == real_tcl_parses(text), repr(text)


def test_words_lines_and_literals():
    source = TclSource(
        'set a 1 ;# c\nforeach n {A B} {\n  my::route -net $n\n}\nputs "x [llength {a b}]"\n'
    )
    commands = source.commands()
    assert [c.line for c in commands] == [1, 2, 5]
    assert [w.literal for w in commands[1].words[:3]] == ["foreach", "n", "A B"]
    body = source.body(commands[1].words[3])
    assert body[0].line == 3 and body[0].words[2].literal is None
    assert commands[2].words[1].scripts[0].name == "llength"
