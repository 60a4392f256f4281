"""The catalog format: the committed JSON Schema matches the models; bad files name the key."""

from __future__ import annotations

import json

import jsonschema
import pytest

from dslgen.catalog.model import Catalog, load_catalog
from dslgen.errors import CatalogError
from tests.conftest import DATA

ROOT = DATA.parents[1]


def test_schema_file_is_generated_from_the_models():
    assert json.loads((ROOT / "catalog" / "schema.json").read_text()) == Catalog.model_json_schema()


def test_pdflow_catalog_follows_the_schema():
    jsonschema.validate(
        json.loads((ROOT / "catalog" / "pdflow.json").read_text()), Catalog.model_json_schema()
    )


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda c: c["procs"]["my::route"].update(argz=[]), "argz"),
        (lambda c: c["procs"]["my::route"]["args"][1].pop("values"), "enum but lists no values"),
        (lambda c: c.update(format="other/2"), "format"),
    ],
)
def test_bad_catalogs_are_refused_with_the_key(tmp_path, edit, needle):
    data = json.loads((ROOT / "catalog" / "pdflow.json").read_text())
    edit(data)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CatalogError, match=needle):
        load_catalog(path)


def test_invalid_json_names_file_and_line(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{\n  "domain": "x",\n}')
    with pytest.raises(CatalogError, match=r"c.json:3"):
        load_catalog(path)
