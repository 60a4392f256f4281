"""The API on the tiny random model: generate, validate, feedback, paging, the open routes."""

from __future__ import annotations

from tests.serve.conftest import QUICK
from tests.store.conftest import GOOD_SCRIPT, log_one


def test_generate_returns_the_chosen_script_and_logs_exactly_one_row(client, store):
    response = client.post("/v1/generate", json=QUICK)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "id",
        "script",
        "valid",
        "report",
        "candidates",
        "selection",
        "latency_s",
        "tokens",
        "model",
        "adapter",
        "model_version",
        "runtime",
        "weights",
    }
    assert body["runtime"] in {"llama.cpp", "transformers"} and body["weights"]
    assert body["report"]["valid"] is body["valid"] and "errors" in body["report"]
    assert len(body["candidates"]) == QUICK["k"] - 1  # the other samples, each with its report
    assert all("errors" in c["report"] and "text" in c for c in body["candidates"])
    # why it was picked: each candidate's outcome group, coverage and vote, and the groups' votes
    assert all({"group", "coverage", "vote"} <= set(c) for c in body["candidates"])
    if body["valid"]:
        assert {"chosen", "group_votes", "reason", "coverage", "vote"} <= set(body["selection"])
    assert body["tokens"] > 0 and body["latency_s"] > 0 and body["adapter"] is None
    assert body["model_version"] is None  # no registry: the model as given, as before
    assert body["model"].endswith("model")

    page = store.list_interactions()
    assert page.total == 1
    record = store.get(body["id"])
    assert (record.source, record.client_id, record.domain) == ("api", "tests", "pdflow")
    assert record.instruction == QUICK["instruction"] and record.fixture == QUICK["fixture"]
    assert record.output == body["script"] and record.valid is body["valid"]
    assert record.report == body["report"] and len(record.samples) == QUICK["k"]
    assert record.model_id == body["model"] and record.tokens == body["tokens"]
    assert record.model_version is None


def test_validate_reports_errors_with_line_and_hint(client):
    good = client.post("/v1/validate", json={"script": GOOD_SCRIPT})
    assert good.status_code == 200 and good.json()["valid"] is True
    broken = GOOD_SCRIPT.replace("-layer M3", "-layer M7")
    bad = client.post(
        "/v1/validate", json={"script": broken, "fixture": {"design_nets": {"VDD": "power"}}}
    ).json()
    assert bad["valid"] is False
    (error,) = [e for e in bad["errors"] if e["class"] == "bad_enum"]
    assert error["line"] == 6 and error["hint"] and "M7" in error["message"]


def test_feedback_stores_ratings_and_validated_edits(client, store):
    interaction_id = log_one(store)
    up = client.post(f"/v1/feedback/{interaction_id}", json={"rating": "up"})
    assert up.status_code == 200, up.text
    assert up.json()["report"] is None
    assert [f["rating"] for f in up.json()["feedback"]] == ["up"]

    broken = GOOD_SCRIPT.replace("-layer M3", "-layer M7")
    edit = client.post(
        f"/v1/feedback/{interaction_id}",
        json={"edited_output": broken, "rating": "down", "comment": "M7 is not a layer"},
    ).json()
    assert edit["report"]["valid"] is False
    assert edit["report"]["errors"][0]["class"] == "bad_enum"
    assert [f["rating"] for f in edit["feedback"]] == [None, "down"]  # the edit, then the rating

    followup = client.post(f"/v1/feedback/{interaction_id}", json={"had_followup": True})
    assert followup.json()["feedback"][0]["had_followup"] is True

    record = store.get(interaction_id)
    assert record.rating == "down" and record.had_followup
    assert record.latest_edit is not None and record.latest_edit.edited_output == broken
    assert record.latest_edit.edited_report == edit["report"]
    assert record.latest_edit.comment == "M7 is not a layer"
    shown = client.get(f"/v1/interactions/{interaction_id}").json()
    assert shown["edited_output"] == broken and shown["rating"] == "down"
    assert len(shown["feedback"]) == 4


def test_interactions_are_paged_newest_first_and_filtered(client, store):
    ids = [log_one(store, instruction=f"task {i}") for i in range(5)]
    client.post(f"/v1/feedback/{ids[1]}", json={"rating": "up"})
    client.post(f"/v1/feedback/{ids[2]}", json={"edited_output": GOOD_SCRIPT})

    first = client.get("/v1/interactions", params={"limit": 2}).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [item["id"] for item in first["items"]] == [ids[4], ids[3]]
    last = client.get("/v1/interactions", params={"limit": 2, "offset": 4}).json()
    assert [item["id"] for item in last["items"]] == [ids[0]]

    def matching(**params):
        page = client.get("/v1/interactions", params=params).json()
        return sorted(item["id"] for item in page["items"]), page["total"]

    assert matching(rating="up") == ([ids[1]], 1)
    assert matching(rating="none")[1] == 4
    assert matching(edited="true") == ([ids[2]], 1)
    assert matching(valid="false") == ([], 0)
    assert matching(domain="finance") == ([], 0)
    assert matching(since="2000-01-01T00:00:00")[1] == 5


def test_open_routes_serve_health_page_fixtures_and_docs(client):
    health = client.get("/healthz").json()
    assert health == {"status": "ok", "queue": {"waiting": 0, "capacity": 8}}
    page = client.get("/")
    assert page.status_code == 200 and 'id="generate"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/generate", "/v1/validate", "/v1/feedback/{interaction_id}"} <= set(paths)
    fixtures = client.get("/v1/fixtures").json()
    assert fixtures["domain"] == "pdflow" and len(fixtures["fixtures"]) == 4
    for example in fixtures["fixtures"]:
        assert example["instruction"] and "design_nets" in example["fixture"]
        checked = client.post(
            "/v1/validate", json={"script": GOOD_SCRIPT, "fixture": example["fixture"]}
        )
        assert checked.status_code == 200


def test_non_finite_numbers_in_stored_samples_come_back_as_null(client, store):
    from tests.store.conftest import fake_result

    result = fake_result()
    result.candidates[1].sample.logprob = float("-inf")  # what an empty sample scores
    interaction_id = log_one(store, result=result)
    shown = client.get(f"/v1/interactions/{interaction_id}")
    assert shown.status_code == 200 and shown.json()["samples"][1]["logprob"] is None
