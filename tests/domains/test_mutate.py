"""The mutation engine: realistic single mistakes in valid scripts, labelled as the validator sees them.

Every negative must be invalid, its label must be the class of the validator's first error (the
corpus builder discards the rest, so ≥ 95% must hold), all 16 classes must be reachable from a
few realistic sources, and the output must depend on the seed alone.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslgen.domains.pdflow.mutate import CLASSES, mutate_script
from tests.conftest import DATA

SOURCES = sorted((DATA / "pdflow" / "sources").glob("*.tcl"))
SEEDS = (0, 1)


def _fixture(path):
    fixture = path.with_suffix(".json")
    return json.loads(fixture.read_text()) if fixture.exists() else None


@pytest.fixture(scope="module")
def judged(pdflow):
    """(source name, negative, class of the validator's first error or None if valid)."""
    out = []
    for path in SOURCES:
        text, fixture = path.read_text(), _fixture(path)
        assert pdflow.validate(text, fixture).valid, path.name
        for seed in SEEDS:
            for negative in mutate_script(text, pdflow.catalog(), fixture, random.Random(seed)):
                errors = pdflow.validate(negative.text, fixture).to_json()["errors"]
                out.append((path.name, negative, errors[0]["class"] if errors else None))
                if negative.error_class == "runtime_limit":
                    # the command or depth limit, never the wall clock: reports stay reproducible
                    assert "time limit" not in errors[0]["message"], negative.mutation
    return out


def test_there_are_sources():
    assert len(SOURCES) >= 4


def test_every_negative_is_invalid(judged):
    valid = [(name, n.mutation) for name, n, first in judged if first is None]
    assert not valid


def test_labels_are_the_validators_first_error(judged):
    assert all(n.error_class in CLASSES for _, n, _ in judged)
    wrong = [(name, n.error_class, first, n.mutation) for name, n, first in judged if first != n.error_class]  # fmt: skip
    assert len(wrong) <= 0.05 * len(judged), wrong[:20]


def test_every_class_is_produced_and_correctly_labelled(judged):
    correct = Counter(n.error_class for _, n, first in judged if first == n.error_class)
    assert set(correct) == set(CLASSES), sorted(set(CLASSES) - set(correct))


def test_mutations_say_what_changed(judged):
    assert all(n.mutation and "None" not in n.mutation for _, n, _ in judged)
    assert all(n.source != n.text for _, n, _ in judged)


def test_same_seed_same_negatives(catalog):
    for path in SOURCES:
        text, fixture = path.read_text(), _fixture(path)

        def run(seed: int, text=text, fixture=fixture) -> list[tuple[str, str, str]]:
            negatives = mutate_script(text, catalog, fixture, random.Random(seed))
            return [(n.text, n.error_class, n.mutation) for n in negatives]

        assert run(5) == run(5)
        assert run(5) != run(6)


def test_classes_are_interleaved(catalog):
    """The corpus builder keeps the first few negatives: they should be of different classes."""
    path = SOURCES[0]
    negatives = list(mutate_script(path.read_text(), catalog, _fixture(path), random.Random(3)))
    first = [n.error_class for n in negatives[:10]]
    assert len(set(first)) == len(first)


def test_an_invalid_script_yields_nothing(catalog):
    assert list(mutate_script("set x {a\n", catalog, None, random.Random(0))) == []


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(0, 3))
def test_every_negative_differs_from_its_source(catalog, seed, index):
    path = SOURCES[index % len(SOURCES)]
    text = path.read_text()
    negatives = list(mutate_script(text, catalog, _fixture(path), random.Random(seed)))
    texts = [n.text for n in negatives]
    assert negatives and text not in texts
    assert len(set(texts)) == len(texts)
