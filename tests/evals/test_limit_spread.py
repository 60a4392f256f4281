"""`--limit N` on a suite built level by level takes every level, round-robin, in file order."""

from __future__ import annotations

from dslgen.evals.config import spread


def _records(levels: dict[str, int]) -> list[dict]:
    return [{"id": f"{level}-{i}", "level": level} for level, n in levels.items() for i in range(n)]


def test_a_limit_takes_each_level_in_turn():
    records = _records({"lookup": 4, "growth": 3, "screen": 1})
    assert [r["id"] for r in spread(records, 6)] == [
        "lookup-0",
        "growth-0",
        "screen-0",
        "lookup-1",
        "growth-1",
        "lookup-2",
    ]


def test_one_level_keeps_file_order_and_no_limit_keeps_everything():
    records = _records({"unit": 5})
    assert spread(records, 3) == records[:3]
    assert spread(records, None) == records
    assert spread(records, 99) == records
