"""Every error the API promises: 401, 404, 413, 422 (one sentence naming the field), 429 with
Retry-After, 504 — and that the queue keeps exactly one row per 200 and none per 504."""

from __future__ import annotations

import threading
import time

import pytest

from dslgen.serve.jobs import Job
from tests.serve.conftest import QUICK
from tests.store.conftest import log_one

TOKEN = "s3cret-token-for-tests"


def test_a_token_guards_every_route_but_healthz(make_client):
    client = make_client(token=TOKEN)
    for path in ("/v1/fixtures", "/", "/docs", "/openapi.json", "/static/app.js"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "Authorization: Bearer" in response.json()["detail"]
    # the token is checked before the body is even read: no validation detail leaks
    assert client.post("/v1/generate", content=b"{not json").status_code == 401
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/v1/fixtures", headers=good).status_code == 200
    assert client.get("/", headers=good).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_browser_signs_in_once_with_the_token_in_the_address(make_client):
    client = make_client(token=TOKEN)
    assert client.get("/?token=wrong", follow_redirects=False).status_code == 401
    response = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # the client keeps the cookie: the page and the API now answer without a header
    assert client.get("/").status_code == 200
    assert client.get("/v1/fixtures").status_code == 200
    client.cookies.clear()
    client.cookies.set("dslgen_token", "wrong")
    assert client.get("/v1/fixtures").status_code == 401


def test_unknown_interactions_are_404_and_impossible_ids_422(client):
    for response in (
        client.get("/v1/interactions/999"),
        client.post("/v1/feedback/999", json={"rating": "up"}),
    ):
        assert response.status_code == 404
        assert response.json()["detail"].startswith("no interaction 999")
    for bad_id in ("0", "-3", str(2**70), "seven"):
        response = client.get(f"/v1/interactions/{bad_id}")
        assert response.status_code == 422 and "interaction_id" in response.json()["detail"]


def test_bodies_over_the_limit_are_413_by_header_and_by_bytes_read(make_client):
    client = make_client(max_body_bytes=2048)
    big = {"script": "# x\n" * 1000}
    declared = client.post("/v1/validate", json=big)
    assert declared.status_code == 413 and "limit is 2048 bytes" in declared.json()["detail"]
    chunks = iter([b'{"script": "', b"#" * 4000, b'"}'])  # chunked: no Content-Length
    streamed = client.post(
        "/v1/validate", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert client.post("/v1/validate", json={"script": "# small\n"}).status_code == 200


BAD_BODIES = [
    ("/v1/generate", b'{"instruction": "x",', "body", "not valid JSON"),
    ("/v1/generate", b'{"instruction": "\x80"}', "body", "not UTF-8"),
    ("/v1/generate", b"[" * 100_000, "body", "nested too deeply"),
    ("/v1/generate", b"[1, 2]", "body", "must be a JSON object"),
    ("/v1/generate", b"", "body", "missing"),
    ("/v1/generate", {"k": 2}, "instruction", "instruction: field required"),
    ("/v1/generate", {**QUICK, "k": 0}, "k", "k: input should be greater than or equal to 1"),
    ("/v1/generate", {**QUICK, "k": 17}, "k", "less than or equal to 16"),
    ("/v1/generate", {**QUICK, "max_tokens": 4001}, "max_tokens", "less than or equal to 4000"),
    ("/v1/generate", {**QUICK, "temperature": "hot"}, "temperature", "temperature:"),
    ("/v1/generate", {**QUICK, "temperature": 1e-300}, "temperature", "0 for greedy"),
    ("/v1/generate", {**QUICK, "k": "4"}, "k", "k: input should be a valid integer"),
    ("/v1/generate", {**QUICK, "max_token": 5}, "max_token", "not a field of this request"),
    ("/v1/generate", {**QUICK, "instruction": "   "}, "instruction", "instruction is blank"),
    ("/v1/generate", {**QUICK, "instruction": "a\x00b"}, "instruction", "NUL"),
    ("/v1/generate", {**QUICK, "fixture": [1]}, "fixture", "fixture:"),
    ("/v1/generate", {**QUICK, "fixture": {"design_nets": 5}}, "fixture", "design_nets"),
    ("/v1/generate", {**QUICK, "fixture": {"nets": {}}}, "fixture", "unknown key 'nets'"),
    ("/v1/validate", b'{"script": "x", "fixture": {"a": NaN}}', "fixture", "not finite"),
    ("/v1/validate", b'{"script": "\\ud800"}', "script", "script: input should be a valid str"),
    ("/v1/validate", b'{"script": "", "fixture": {"a": "\\udfff"}}', "fixture", "surrogate"),
    ("/v1/validate", {"script": 5}, "script", "script: input should be a valid string"),
    ("/v1/feedback/1", {}, "body", "feedback needs a rating"),
    ("/v1/feedback/1", {"rating": "meh"}, "rating", "rating: input should be 'up' or 'down'"),
    ("/v1/feedback/1", {"had_followup": "yes"}, "had_followup", "valid boolean"),
]


@pytest.mark.parametrize(("path", "body", "field", "fragment"), BAD_BODIES)
def test_malformed_requests_are_422_with_a_sentence_naming_the_field(
    client, store, path, body, field, fragment
):
    log_one(store)  # interaction 1, so feedback errors are about the body, not the id
    if isinstance(body, bytes):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert fragment in detail and detail.endswith(".") and detail.count("\n") == 0
    assert response.json().get("field", "fixture") == field or field in detail


def test_bad_query_parameters_are_422_naming_the_parameter(client):
    for params, fragment in (
        ({"limit": 0}, "query parameter limit"),
        ({"limit": 1001}, "query parameter limit"),
        ({"offset": -1}, "query parameter offset"),
        ({"rating": "meh"}, "query parameter rating"),
        ({"edited": "maybe"}, "query parameter edited"),
    ):
        response = client.get("/v1/interactions", params=params)
        assert response.status_code == 422 and fragment in response.json()["detail"]


def _post_in_thread(client, results: list, body=QUICK) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(client.post("/v1/generate", json=body)))
    thread.start()
    return thread


def _wait_for(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_full_queue_is_429_with_retry_after_and_nothing_is_lost(make_client, gated, store):
    client = make_client(sampler=gated, queue_size=1)
    results: list = []
    running = _post_in_thread(client, results)
    assert gated.entered.wait(30)  # the worker holds the first request
    waiting = _post_in_thread(client, results)
    _wait_for(lambda: client.get("/healthz").json()["queue"]["waiting"] == 1)
    refused = client.post("/v1/generate", json=QUICK)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "queue is full" in refused.json()["detail"]
    gated.gate.set()
    running.join(60)
    waiting.join(60)
    assert sorted(r.status_code for r in results) == [200, 200]
    assert sorted(r.json()["id"] for r in results) == [1, 2]
    assert store.list_interactions().total == 2


class _LongSampler:
    """Stands for a sample that would run far past the deadline: it spins until the server's
    stop condition says stop (at most 30 s) and records how long that took."""

    def __init__(self, sampler) -> None:
        self.sampler, self.stopped_after = sampler, None

    def sample(self, *args, stop_when=None, **kwargs):
        started = time.monotonic()
        while stop_when is not None and not stop_when() and time.monotonic() - started < 30:
            time.sleep(0.01)
        self.stopped_after = time.monotonic() - started
        return self.sampler.sample(*args, **kwargs)


def test_a_deadline_stops_a_sample_in_progress(make_client, tiny_session, store):
    sampler = _LongSampler(tiny_session.sampler)
    client = make_client(sampler=sampler, deadline_s=1.0)
    response = client.post("/v1/generate", json=QUICK)
    assert response.status_code == 504
    _wait_for(lambda: sampler.stopped_after is not None)
    assert sampler.stopped_after < 3  # stopped at the deadline, not after the 30 s sample
    assert client.post("/v1/validate", json={"script": "# alive\n"}).status_code == 200
    time.sleep(0.3)
    assert store.list_interactions().total == 0


def test_a_passed_deadline_is_504_and_logs_nothing(make_client, gated, store):
    client = make_client(sampler=gated, deadline_s=0.5, queue_size=2)
    results: list = []
    first = _post_in_thread(client, results)
    assert gated.entered.wait(30)
    started = time.monotonic()
    queued = client.post("/v1/generate", json=QUICK)  # times out while waiting in the queue
    assert queued.status_code == 504 and "deadline" in queued.json()["detail"]
    assert time.monotonic() - started < 5
    first.join(30)
    assert results[0].status_code == 504
    gated.gate.set()
    _wait_for(lambda: client.get("/healthz").json()["queue"]["waiting"] == 0)
    time.sleep(0.3)  # the worker finishes the abandoned sample, then skips the queued job
    assert gated.calls == 1  # the queued job never reached the model
    assert store.list_interactions().total == 0
    assert client.post("/v1/validate", json={"script": "# alive\n"}).status_code == 200


def test_keeping_a_result_is_decided_once():
    committed = Job("payload", deadline_s=60)
    assert committed.start() and committed.commit()
    assert not committed.abandon()  # the requester waits for the row being logged
    abandoned = Job("payload", deadline_s=60)
    assert abandoned.start() and abandoned.abandon()
    assert not abandoned.commit()  # the worker drops the result: the requester got a 504
    late = Job("payload", deadline_s=0.0)
    assert not late.start()
