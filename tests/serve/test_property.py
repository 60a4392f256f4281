"""Whatever JSON (or bytes) a client posts to any POST route, the answer is never a 500.

Bodies come in four kinds: well-formed ones with varied values (so they get past the schema and
reach the domain's fixture checks, the model, the validator and the store), the same objects with
any JSON in any field, any JSON value, and raw bytes. Accepted generations run on the tiny model
under a short deadline; 429 and 504 are answers too, 500 never is.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.conftest import GOOD_SCRIPT, log_one

ALLOWED = {200, 404, 413, 422, 429, 504}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
net_names = st.sampled_from(["CLK", "VDD", "RST", "a b", "1", ""]) | st.text(max_size=6)
net_types = st.sampled_from(["signal", "clock", "power", "ground"]) | st.text(max_size=8)
fixtures = st.none() | st.fixed_dictionaries(
    {"design_nets": st.dictionaries(net_names, net_types, max_size=3)}
)
scripts = st.text(max_size=80) | st.sampled_from(
    [GOOD_SCRIPT, GOOD_SCRIPT.replace("M3", "M7"), "my::route -net CLK -layer M3\n", "{", "dsl {"]
)
texts = st.sampled_from(["Route CLK on M3.", " ", ""]) | st.text(max_size=60)

# Each route's fields with values of the right kind (k and max_tokens small: the tiny model
# answers such requests in well under a second).
WELL_FORMED = {
    "/v1/generate": (
        {"instruction": texts},
        {
            "fixture": fixtures,
            "k": st.integers(min_value=1, max_value=3),
            "max_tokens": st.integers(min_value=1, max_value=24),
            "temperature": st.floats(min_value=0, max_value=2),
            "repair_rounds": st.integers(min_value=0, max_value=1),
            "seed": st.integers(min_value=0, max_value=2**31 - 1),
            "client_id": st.text(min_size=1, max_size=20),
        },
    ),
    "/v1/validate": (
        {"script": scripts},
        {"fixture": fixtures, "instruction": texts},
    ),
    "/v1/feedback/1": (
        {},
        {
            "rating": st.sampled_from(["up", "down"]) | st.none(),
            "edited_output": scripts,
            "had_followup": st.booleans(),
            "comment": st.text(max_size=40),
        },
    ),
}


def bodies(route: str) -> st.SearchStrategy[bytes]:
    required, optional = WELL_FORMED[route]
    well_formed = st.fixed_dictionaries(required, optional=optional)
    names = sorted({*required, *optional})
    any_fields = st.dictionaries(st.sampled_from(names), json_values, max_size=len(names))
    values = st.one_of(well_formed, any_fields, json_values)
    return st.one_of(values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200))


@pytest.fixture
def fuzz_client(make_client, store):
    log_one(store)  # interaction 1 exists, so feedback bodies reach the store
    return make_client(raise_server_exceptions=False, deadline_s=3.0, queue_size=2)


@pytest.mark.parametrize("route", sorted(WELL_FORMED))
def test_no_post_body_yields_a_500(fuzz_client, route):
    seen: set[int] = set()

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(body=bodies(route))
    def post(body: bytes) -> None:
        response = fuzz_client.post(
            route, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in ALLOWED, (body, response.status_code, response.text)
        seen.add(response.status_code)
        detail = response.json().get("detail")
        assert response.status_code == 200 or (isinstance(detail, str) and detail)

    post()
    assert {200, 422} <= seen  # the bodies reached past the schema, and were refused too


@given(interaction_id=st.integers(min_value=-(2**80), max_value=2**80) | st.text(max_size=8))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_feedback_id_yields_a_500(fuzz_client, interaction_id):
    route = f"/v1/feedback/{quote(str(interaction_id), safe='')}"
    response = fuzz_client.post(route, json={"rating": "up"})
    assert response.status_code in ALLOWED | {405}, (route, response.text)
