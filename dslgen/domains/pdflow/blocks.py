"""The DSL layer: find every `dsl { }` block of a script and parse it.

A block is the single braced argument of the domain's DSL command; its text gets no Tcl
substitution. Errors carry lines of the whole script, not of the block.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslgen.domains.pdflow.dsl import DslSyntaxError, Statement, parse_block
from dslgen.records import BlockVerdict, Error
from dslgen.tcl.syntax import ParsedScript
from dslgen.tcl.words import Command


@dataclass
class Block:
    """One parsed block: the script line its text starts on, and its statements."""

    line: int
    text: str
    statements: tuple[Statement, ...] = ()

    def line_of(self, block_line: int) -> int:
        """Script line of a 1-based line of the block text."""
        return self.line + block_line - 1


def _dsl_error(line: int, message: str, hint: str) -> Error:
    return Error("dsl_syntax", line, message, hint, layer="dsl")


def check_blocks(
    parsed: ParsedScript, dsl_command: str
) -> tuple[list[Block], list[BlockVerdict], list[Error]]:
    """Parse every block; return the good blocks, a verdict per block, and the errors."""
    blocks, verdicts, errors = [], [], []
    for item in parsed.visited:
        command = item.command
        if (command.name or "").lstrip(":") != dsl_command:
            continue
        block, error = _parse(command, dsl_command)
        verdicts.append(BlockVerdict(command.line, error is None))
        if error is not None:
            errors.append(error)
        elif block is not None:
            blocks.append(block)
    return blocks, verdicts, errors


def _parse(command: Command, dsl_command: str) -> tuple[Block | None, Error | None]:
    if len(command.words) != 2 or command.words[1].kind != "braced":
        return None, _dsl_error(
            command.line,
            f"{dsl_command} takes exactly one braced block",
            f"write {dsl_command} {{ ... }} with the statements inside the braces",
        )
    word = command.words[1]
    block = Block(word.line, word.literal or "")
    try:
        block.statements = parse_block(block.text)
    except DslSyntaxError as exc:
        return None, _dsl_error(block.line_of(exc.line), exc.message, exc.hint)
    for statement in block.statements:
        names = [p.name for p in statement.properties]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return None, _dsl_error(
                block.line_of(statement.line),
                f"{statement.kind} {statement.name!r} gives {', '.join(repeated)} more than once",
                "a property may appear once per rule; keep one",
            )
    return block, None
