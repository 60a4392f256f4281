"""The interaction log: generations, their samples and the feedback people give, in SQLite or
PostgreSQL (see docs/interactions.md).

Names are imported on first use (PEP 562), so `dslgen.cli` can register the store's commands
without loading SQLAlchemy and Alembic for commands that never touch the log.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dslgen.store.records import (
        EXPORT_FORMAT,
        FeedbackRecord,
        InteractionFilter,
        InteractionPage,
        InteractionRecord,
    )
    from dslgen.store.redact import MASK, redact, redact_text
    from dslgen.store.store import InteractionStore, open_store

_EXPORTS = {
    "EXPORT_FORMAT": "dslgen.store.records",
    "FeedbackRecord": "dslgen.store.records",
    "InteractionFilter": "dslgen.store.records",
    "InteractionPage": "dslgen.store.records",
    "InteractionRecord": "dslgen.store.records",
    "MASK": "dslgen.store.redact",
    "redact": "dslgen.store.redact",
    "redact_text": "dslgen.store.redact",
    "InteractionStore": "dslgen.store.store",
    "open_store": "dslgen.store.store",
}
__all__ = [
    "EXPORT_FORMAT",
    "MASK",
    "FeedbackRecord",
    "InteractionFilter",
    "InteractionPage",
    "InteractionRecord",
    "InteractionStore",
    "open_store",
    "redact",
    "redact_text",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dslgen.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
