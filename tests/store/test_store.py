"""The store API on SQLite and PostgreSQL: log, feedback, get, list with filters, export."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from dslgen.errors import InteractionNotFoundError, InvalidRecordError, StoreError
from dslgen.prompts import PROMPT_VERSION
from dslgen.store import EXPORT_FORMAT, MASK, InteractionFilter, open_store
from tests.store.conftest import GOOD_SCRIPT, fake_result, log_one


def test_a_logged_generation_comes_back_whole(store):
    before = datetime.now(UTC)
    interaction_id = log_one(store, adapter_id="runs/a1", client_id="team-ci")
    record = store.get(interaction_id)
    assert record.id == interaction_id and record.source == "cli" and record.client_id == "team-ci"
    assert record.instruction == "Route CLK on M3." and record.domain == "pdflow"
    assert record.fixture == {"design_nets": {"VDD": "power"}}
    assert record.pack_ids == ["doc:a", "doc:b"] and record.prompt_version == PROMPT_VERSION
    assert (record.model_id, record.adapter_id) == ("tiny", "runs/a1")
    assert record.output == GOOD_SCRIPT and record.valid is True
    assert record.report["valid"] is True and record.tokens == 25 and record.latency_seconds == 1.25
    assert [s["text"] for s in record.samples] == [GOOD_SCRIPT, "# sample 1\n"]
    assert record.samples[1]["report"]["valid"] is True and record.samples[0]["logprob"] == -1.5
    assert record.created_at.tzinfo is not None
    assert before - timedelta(seconds=5) <= record.created_at <= datetime.now(UTC)
    assert record.feedback == [] and record.rating is None


def test_feedback_is_appended_and_the_latest_rating_counts(store):
    interaction_id = log_one(store)
    store.add_feedback(interaction_id, rating="up")
    store.add_feedback(interaction_id, rating="down", comment="wrong layer")
    store.add_feedback(interaction_id, had_followup=True)
    record = store.get(interaction_id)
    assert [f.rating for f in record.feedback] == ["up", "down", None]
    assert record.rating == "down" and record.had_followup
    assert record.feedback[1].comment == "wrong layer"


def test_an_edit_is_validated_with_the_interactions_domain_and_fixture(store):
    interaction_id = log_one(store)
    good = store.add_edit(interaction_id, GOOD_SCRIPT, comment="fixed")
    assert good.edited_report["valid"] is True and good.comment == "fixed"
    bad = store.add_edit(interaction_id, GOOD_SCRIPT.replace("-layer M3", "-layer M7"))
    assert bad.edited_report["valid"] is False
    assert bad.edited_report["errors"][0]["class"] == "bad_enum"
    record = store.get(interaction_id)
    assert record.latest_edit is not None and record.latest_edit.id == bad.id
    assert record.to_json()["edited_output"].count("M7") == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, i: s.add_feedback(i), "needs a rating, an edit, a follow-up or a comment"),
        (lambda s, i: s.add_feedback(i, rating="meh"), "rating must be 'up' or 'down'"),
        (lambda s, i: s.list_interactions(limit=0), "limit must be between 1 and 1000"),
        (lambda s, i: s.list_interactions(offset=-1), "offset must be 0 or more"),
        (
            lambda s, i: s.list_interactions(InteractionFilter(rating="meh")),
            "rating must be up, down or none",
        ),
        (
            lambda s, i: s.log_generation(
                fake_result(),
                instruction="x",
                domain="pdflow",
                fixture=None,
                model_id="m",
                source="web",
            ),
            "source must be one of cli, api",
        ),
    ],
)
def test_invalid_requests_are_one_sentence(store, call, message):
    interaction_id = log_one(store)
    with pytest.raises(InvalidRecordError, match=message):
        call(store, interaction_id)


def test_unknown_ids_name_the_id_and_the_fix(store):
    for call in (lambda: store.get(999), lambda: store.add_feedback(999, rating="up")):
        with pytest.raises(InteractionNotFoundError) as raised:
            call()
        assert str(raised.value).startswith("no interaction 999 in the interaction log at ")
        assert "dslgen interactions list" in str(raised.value)


def test_listing_filters_pages_and_counts(store):
    ids = [log_one(store, instruction=f"task {n}") for n in range(5)]
    finance = log_one(store, domain="finance", result=fake_result(valid=False))
    store.add_feedback(ids[0], rating="up")
    store.add_feedback(ids[1], rating="up")
    store.add_feedback(ids[1], rating="down")
    store.add_feedback(ids[2], edited_output="edited", edited_report={"valid": True})

    page = store.list_interactions(limit=4)
    assert page.total == 6 and [r.id for r in page.items] == [finance, *ids[4:1:-1]]
    rest = store.list_interactions(limit=4, offset=4)
    assert [r.id for r in rest.items] == [ids[1], ids[0]] and rest.total == 6

    def listed(**filters):
        return [r.id for r in store.list_interactions(InteractionFilter(**filters)).items]

    assert listed(domain="finance") == [finance]
    assert listed(valid=False) == [finance]
    assert listed(rating="up") == [ids[0]]  # ids[1]'s latest rating is down
    assert listed(rating="down") == [ids[1]]
    assert listed(rating="none") == [finance, ids[4], ids[3], ids[2]]
    assert listed(edited=True) == [ids[2]]
    assert len(listed(edited=False)) == 5
    assert len(listed(since=datetime.now(UTC) - timedelta(hours=1))) == 6
    assert listed(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert len(listed(since=datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1))) == 6


def test_export_writes_jsonl_oldest_first_with_feedback(store, tmp_path):
    ids = [log_one(store, instruction=f"task {n}") for n in range(3)]
    store.add_feedback(ids[1], edited_output="gold", edited_report={"valid": True}, rating="up")
    out = tmp_path / "out" / "log.jsonl"
    assert store.export_jsonl(out) == 3
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ids
    assert {line["format"] for line in lines} == {EXPORT_FORMAT}
    assert lines[1]["edited_output"] == "gold" and lines[1]["rating"] == "up"
    assert lines[1]["feedback"][0]["edited_report"] == {"valid": True}
    assert store.export_jsonl(out, InteractionFilter(edited=True)) == 1
    assert len(out.read_text().splitlines()) == 1
    assert [p.name for p in out.parent.iterdir()] == ["log.jsonl"]  # no temp files left


def test_export_pages_through_more_than_one_batch(store, tmp_path, monkeypatch):
    monkeypatch.setattr("dslgen.store.store._EXPORT_BATCH", 2)
    ids = [log_one(store, instruction=f"task {n}") for n in range(5)]
    out = tmp_path / "log.jsonl"
    assert store.export_jsonl(out) == 5
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids


def test_secrets_are_masked_before_they_are_stored(store):
    secret_result = fake_result(script=GOOD_SCRIPT + "# key sk-abcdefghijklmnopqrstuvwx\n")
    interaction_id = log_one(
        store,
        instruction="Deploy with password=hunter2 to https://bob:s3cret@host/x",
        fixture={
            "design_nets": {"CLK": "clock"},
            "api_key": "plain-looking",
            "note": "Bearer abcdefghijklmnop",
        },
        result=secret_result,
    )
    store.add_feedback(
        interaction_id, comment="my token: ghp_" + "a" * 36, edited_output="set password x1"
    )
    dumped = json.dumps(store.get(interaction_id).to_json())
    for secret in (
        "hunter2",
        "s3cret",
        "plain-looking",
        "abcdefghijklmnop",
        "sk-abc",
        "ghp_",
        "x1",
    ):
        assert secret not in dumped
    assert dumped.count(MASK) >= 8


def test_concurrent_writers_all_land(store):
    """Threads share one store (the server's case): every write is kept, none is refused."""
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                interaction_id = log_one(store, instruction=f"thread {n} task {i}")
                store.add_feedback(interaction_id, rating="up")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.list_interactions(InteractionFilter(rating="up")).total == 20


def test_a_second_open_sees_the_first_ones_rows(store_url):
    with open_store(store_url) as first:
        interaction_id = log_one(first)
    with open_store(store_url) as second:
        assert second.get(interaction_id).instruction == "Route CLK on M3."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "--db 'not a url' is not a database URL; give a SQLAlchemy URL like"),
        ("nosuchdb://x/y", "no database driver 'nosuchdb' is known"),
        ("sqlite:////proc/nope/log.sqlite", "cannot create the folder for /proc/nope/log.sqlite"),
    ],
)
def test_bad_urls_are_one_sentence(url, message):
    with pytest.raises(StoreError, match=message) as raised:
        open_store(url)
    assert "\n" not in str(raised.value)


def test_an_unreachable_server_is_one_sentence_without_the_password():
    with pytest.raises(StoreError) as raised:
        open_store("postgresql+psycopg://bob:hunter2@127.0.0.1:1/db?connect_timeout=2")
    message = str(raised.value)
    assert message.startswith("cannot open the interaction log at postgresql+psycopg://bob:***@")
    assert "hunter2" not in message and "\n" not in message and "check --db" in message


def test_the_default_store_lives_in_dslgen_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    with open_store(None) as default:
        log_one(default)
        assert default.url == f"sqlite:///{tmp_path / 'home' / 'interactions.sqlite'}"
        with default.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert (tmp_path / "home" / "interactions.sqlite").exists()
