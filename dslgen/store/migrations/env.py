"""Alembic's environment, driven from `dslgen.store.migrate`: it hands over an open connection
(already in a transaction and, on PostgreSQL, holding the migration lock) instead of an ini file."""

from __future__ import annotations

from alembic import context

from dslgen.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them: later revisions may need it
)
with context.begin_transaction():
    context.run_migrations()
