"""Split Tcl source into commands and words, as Tcl's own parser does (the "dodekalogue").

The policy layer needs the words of every command — including commands inside `[...]`
substitutions and inside the braced bodies of `foreach`, `if`, `proc` … — without executing
anything. Real Tcl stays the authority on syntax (`dslgen.tcl.syntax`); this module mirrors its
parse rules and reports the same messages ("missing close-brace", "extra characters after
close-brace", …) so a property test can hold the two to agreement.

Positions are offsets into one source string; lines are 1-based.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

MAX_NESTING = 100  # deeper [..] nesting than this is refused rather than overflowing the stack

_SPACE = " \t\f\v\r"
_VAR_NAME = re.compile(r"(?:[A-Za-z0-9_]|::+)+")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_BACKSLASH_NEWLINE = re.compile(r"\\\n[ \t]*")


class TclParseError(Exception):
    """The source is not well-formed Tcl; `message` uses Tcl's own wording."""

    def __init__(self, message: str, line: int, offset: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line
        self.offset = offset


@dataclass
class Word:
    """One word of a command as written: `kind` is bare, braced or quoted.

    `literal` is the word's value when it needs no substitution at run time (a braced word, or a
    bare/quoted word with only backslash escapes); None when it contains `$var` or `[cmd]`.
    `scripts` holds the commands of its `[...]` substitutions.
    """

    text: str
    kind: str
    line: int
    start: int
    end: int
    literal: str | None
    scripts: list[Command] = field(default_factory=list)
    expand: bool = False

    @property
    def content_start(self) -> int:
        """Offset of the first character inside the braces/quotes (of the word itself if bare)."""
        return self.start + (1 if self.kind in ("braced", "quoted") else 0)

    @property
    def content_end(self) -> int:
        return self.end - (1 if self.kind in ("braced", "quoted") else 0)


@dataclass
class Command:
    """One command: its words, the line it starts on, and its source text."""

    words: list[Word]
    line: int
    start: int
    end: int
    text: str

    @property
    def name(self) -> str | None:
        """The command name when it is a literal word (None for `$cmd ...` or `[...] ...`)."""
        return self.words[0].literal if self.words else None


def unescape(text: str) -> str:
    """Apply Tcl backslash substitution to a word without `$` or `[`."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "\n":
            j = i + 2
            while j < len(text) and text[j] in " \t":
                j += 1
            out.append(" ")
            i = j
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            m = re.match(r"[0-9A-Fa-f]{1,2}", text[i + 2 :])
            out.append(chr(int(m.group(), 16)) if m else "x")
            i += 2 + (len(m.group()) if m else 0)
        elif nxt == "u":
            m = re.match(r"[0-9A-Fa-f]{1,4}", text[i + 2 :])
            out.append(chr(int(m.group(), 16)) if m else "u")
            i += 2 + (len(m.group()) if m else 0)
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", src)]

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos)

    def fail(self, message: str, pos: int) -> TclParseError:
        return TclParseError(message, self.line_of(pos), pos)

    # -- scripts and commands -------------------------------------------------------------
    def script(
        self, pos: int, stop: int, close: str | None, depth: int
    ) -> tuple[list[Command], int]:
        """Parse commands from `pos` up to `stop`, or up to the `]` that closes a substitution."""
        if depth > MAX_NESTING:
            raise self.fail(f"command substitution nested deeper than {MAX_NESTING} levels", pos)
        src, commands = self.src, []
        while True:
            pos = self._skip_separators(pos, stop)
            if pos >= stop:
                if close:
                    raise self.fail("missing close-bracket", pos)
                return commands, pos
            if close and src[pos] == close:
                return commands, pos + 1
            if src[pos] == "#":
                pos = self._skip_comment(pos, stop)
                continue
            command, pos = self.command(pos, stop, close, depth)
            commands.append(command)

    def command(self, pos: int, stop: int, close: str | None, depth: int) -> tuple[Command, int]:
        start, words = pos, []
        while True:
            pos = self._skip_blanks(pos, stop)
            if pos >= stop or self.src[pos] in "\n;" or (close and self.src[pos] == close):
                break
            word, pos = self.word(pos, stop, close, depth)
            words.append(word)
        end = pos
        return Command(words, self.line_of(start), start, end, self.src[start:end]), pos

    def _skip_separators(self, pos: int, stop: int) -> int:
        """Skip blanks and command separators (newlines, `;`) between commands."""
        return self._skip_blanks(pos, stop, _SPACE + "\n;")

    def _skip_blanks(self, pos: int, stop: int, blanks: str = _SPACE) -> int:
        """Skip blanks (and backslash-newlines, which Tcl reads as a space) between words."""
        src = self.src
        while pos < stop:
            if src[pos] in blanks:
                pos += 1
            elif src.startswith("\\\n", pos):
                pos += 2
            else:
                break
        return pos

    def _skip_comment(self, pos: int, stop: int) -> int:
        src = self.src
        while pos < stop and src[pos] != "\n":
            pos += 2 if src[pos] == "\\" else 1
        return min(pos, stop)

    def _is_word_end(self, pos: int, stop: int, close: str | None) -> bool:
        if pos >= stop:
            return True
        ch = self.src[pos]
        return (
            ch in _SPACE
            or ch in "\n;"
            or (close is not None and ch == close)
            or (self.src.startswith("\\\n", pos))
        )

    # -- words ----------------------------------------------------------------------------
    def word(self, pos: int, stop: int, close: str | None, depth: int) -> tuple[Word, int]:
        src = self.src
        expand = src.startswith("{*}", pos) and not self._is_word_end(pos + 3, stop, close)
        start = pos + 3 if expand else pos
        if src[start] == "{":
            word, pos = self.braced(start, stop, close)
        elif src[start] == '"':
            word, pos = self.quoted(start, stop, close, depth)
        else:
            word, pos = self.bare(start, stop, close, depth)
        word.expand = expand
        return word, pos

    def braced(self, start: int, stop: int, close: str | None) -> tuple[Word, int]:
        src, level, i = self.src, 1, start + 1
        while i < stop:
            ch = src[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "{":
                level += 1
            elif ch == "}":
                level -= 1
                if level == 0:
                    break
            i += 1
        if i >= stop:
            raise self.fail("missing close-brace", start)
        end = i + 1
        if not self._is_word_end(end, stop, close):
            raise self.fail("extra characters after close-brace", end)
        literal = _BACKSLASH_NEWLINE.sub(" ", src[start + 1 : i])
        return Word(src[start:end], "braced", self.line_of(start), start, end, literal), end

    def quoted(self, start: int, stop: int, close: str | None, depth: int) -> tuple[Word, int]:
        src, i, scripts, substituted = self.src, start + 1, [], False
        while i < stop and src[i] != '"':
            i, substituted = self._substitution(i, stop, scripts, depth, substituted)
        if i >= stop:
            raise self.fail('missing "', start)
        end = i + 1
        if not self._is_word_end(end, stop, close):
            raise self.fail("extra characters after close-quote", end)
        literal = None if substituted else unescape(src[start + 1 : i])
        word = Word(src[start:end], "quoted", self.line_of(start), start, end, literal, scripts)
        return word, end

    def bare(self, start: int, stop: int, close: str | None, depth: int) -> tuple[Word, int]:
        src, i, scripts, substituted = self.src, start, [], False
        while not self._is_word_end(i, stop, close):
            i, substituted = self._substitution(i, stop, scripts, depth, substituted)
        literal = None if substituted else unescape(src[start:i])
        return Word(src[start:i], "bare", self.line_of(start), start, i, literal, scripts), i

    def _substitution(
        self, i: int, stop: int, scripts: list[Command], depth: int, substituted: bool
    ) -> tuple[int, bool]:
        """Advance over one character or one `\\x`, `[script]` or `$var` unit of a word."""
        ch = self.src[i]
        if ch == "\\":
            return min(i + 2, stop), substituted
        if ch == "[":
            commands, i = self.script(i + 1, stop, "]", depth + 1)
            scripts.extend(commands)
            return i, True
        if ch == "$":
            end = self.variable(i, stop, scripts, depth)
            return end, substituted or end > i + 1
        return i + 1, substituted

    def variable(self, i: int, stop: int, scripts: list[Command], depth: int) -> int:
        """Return the offset after `$name`, `${name}` or `$name(index)`; a lone `$` is literal."""
        src = self.src
        if src.startswith("${", i):
            end = src.find("}", i + 2, stop)
            if end < 0:
                raise self.fail("missing close-brace for variable name", i)
            return end + 1
        m = _VAR_NAME.match(src, i + 1, stop)
        if not m:
            return i + 1
        j = m.end()
        if j < stop and src[j] == "(":
            j += 1
            while j < stop and src[j] != ")":
                j, _ = self._substitution(j, stop, scripts, depth, True)
            if j >= stop:
                raise self.fail("missing )", i)
            j += 1
        return j


class TclSource(_Parser):
    """One script's source, parsed on demand: top-level commands, then bodies as needed."""

    def commands(self) -> list[Command]:
        """Split the whole script into its top-level commands (raises TclParseError)."""
        commands, _ = self.script(0, len(self.src), None, 0)
        return commands

    def body(self, word: Word) -> list[Command]:
        """Parse the content of a word of this source (a proc or loop body) as a script."""
        commands, _ = self.script(word.content_start, word.content_end, None, 0)
        return commands

    def substitutions(self, word: Word) -> list[Command]:
        """The `[...]` commands inside a braced expression word (expr substitutes them itself)."""
        scripts: list[Command] = []
        i, stop = word.content_start, word.content_end
        while i < stop:
            i, _ = self._substitution(i, stop, scripts, 0, False)
        return scripts
