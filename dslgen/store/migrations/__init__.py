"""Alembic migrations of the interaction log, run by `dslgen.store.migrate` when a store opens."""
