"""Migrations on both backends: an empty database and one of the previous schema (with rows)
reach the head; the head is exactly the models; an unknown revision is refused in one sentence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text

from dslgen.errors import StoreError
from dslgen.store import open_store
from dslgen.store.engine import create_store_engine
from dslgen.store.migrate import alembic_config, current_revision, head_revision, upgrade
from dslgen.store.models import Base
from tests.store.conftest import log_one


def test_the_head_is_0003():
    assert head_revision() == "0003"


def test_an_empty_database_reaches_the_head_and_matches_the_models(store_url):
    engine = create_store_engine(store_url)
    assert current_revision(engine) is None
    with open_store(store_url) as store:
        log_one(store)
    assert current_revision(engine) == head_revision()
    assert {"interactions", "feedback", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_downgrades_undo_and_upgrades_redo(store_url):
    engine = create_store_engine(store_url)
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0001")
    assert "client_id" not in {c["name"] for c in inspect(engine).get_columns("interactions")}
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not {"interactions", "feedback"} & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current_revision(engine) == "0003"
    engine.dispose()


def test_a_database_of_the_previous_schema_keeps_its_rows(store_url):
    engine = create_store_engine(store_url)
    upgrade(engine, "0001")
    tables = MetaData()
    tables.reflect(engine)
    assert "client_id" not in tables.tables["interactions"].c
    when = datetime(2026, 1, 2, 3, 4, 5)
    old_row = {
        "created_at": when,
        "source": "cli",
        "instruction": "Route CLK on M3.",
        "domain": "pdflow",
        "fixture": {"design_nets": {"VDD": "power"}},
        "pack_ids": ["doc:a"],
        "prompt_version": "1",
        "model_id": "old-model",
        "adapter_id": None,
        "samples": [{"text": "x", "report": {"valid": False}}],
        "output": "x",
        "valid": False,
        "report": {"valid": False, "errors": []},
        "latency_seconds": 2.5,
        "tokens": 7,
    }
    with engine.begin() as connection:
        connection.execute(tables.tables["interactions"].insert(), [old_row, old_row])
        connection.execute(
            tables.tables["feedback"].insert(),
            {
                "interaction_id": 1,
                "created_at": when,
                "rating": "down",
                "had_followup": False,
                "comment": "old",
            },
        )
    engine.dispose()

    with open_store(store_url) as store:
        assert store.list_interactions().total == 2
        record = store.get(1)
        assert record.client_id is None and record.model_id == "old-model"
        assert record.fixture == {"design_nets": {"VDD": "power"}} and record.tokens == 7
        assert record.rating == "down" and record.feedback[0].comment == "old"
        assert record.created_at.replace(tzinfo=None) == when
        assert record.created_at.tzinfo is not None
        new_id = log_one(store, client_id="after-upgrade")
        assert new_id == 3 and store.get(new_id).client_id == "after-upgrade"
        assert store.engine.url.get_backend_name() in ("sqlite", "postgresql")
    assert datetime.now(UTC) > record.created_at


def test_a_database_of_schema_0002_gains_model_versions_and_reviews(store_url):
    engine = create_store_engine(store_url)
    upgrade(engine, "0002")
    tables = MetaData()
    tables.reflect(engine)
    assert "reviews" not in tables.tables
    assert "model_version" not in tables.tables["interactions"].c
    row = {
        "created_at": datetime(2026, 5, 6, 7, 8, 9),
        "source": "api",
        "client_id": "before",
        "instruction": "Route CLK on M3.",
        "domain": "pdflow",
        "fixture": None,
        "pack_ids": [],
        "prompt_version": "1",
        "model_id": "m",
        "adapter_id": None,
        "samples": [],
        "output": "x",
        "valid": True,
        "report": {"valid": True, "errors": []},
        "latency_seconds": 1.0,
        "tokens": 3,
    }
    with engine.begin() as connection:
        connection.execute(tables.tables["interactions"].insert(), [row])
    engine.dispose()
    with open_store(store_url) as store:
        assert store.get(1).model_version is None and store.get(1).client_id == "before"
        new_id = log_one(store, model_version="v2")
        assert store.get(new_id).model_version == "v2"
        assert store.get(new_id).to_json()["model_version"] == "v2"
        assert "reviews" in inspect(store.engine).get_table_names()


def test_concurrent_first_opens_migrate_once(store_url):
    """Several processes or threads opening a new database at once queue on the migration."""
    errors: list[BaseException] = []

    def open_and_log() -> None:
        try:
            with open_store(store_url) as store:
                log_one(store)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_log) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(store_url) as store:
        assert store.list_interactions().total == 4


def test_a_newer_schema_is_refused_in_one_sentence(store_url):
    engine = create_store_engine(store_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="has a schema this dslgen does not know") as raised:
        open_store(store_url)
    assert "upgrade dslgen" in str(raised.value) and "\n" not in str(raised.value)
