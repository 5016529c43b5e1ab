"""Lens versions: read by everyone signed in; import and export by administrators."""

from __future__ import annotations

import json

from questions.models import LensVersion
from tests import factories
from tests.questions.helpers import load, row_counts

URL = "/api/v1/lens-versions/"


def test_members_see_published_versions_only(architect, api_for):
    published = factories.make_bank(questions=1)
    factories.make_bank(questions=1, publish=False)
    ids = [v["id"] for v in api_for(architect).get(URL).json()["results"]]
    assert ids == [published.pk]


def test_an_administrator_imports_a_lens_and_exports_it_again(api_for):
    admin = factories.UserFactory(is_staff=True)
    client = api_for(admin)
    doc = load("orr-whitepaper-sample.json")
    response = client.post(
        f"{URL}import/?publish=true&label=2026-12", json.dumps(doc), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    version = LensVersion.objects.get(pk=body["version"]["id"])
    assert version.is_published and version.label == "2026-12"
    assert body["questions"] == sum(len(p["questions"]) for p in doc["pillars"])

    exported = client.get(f"{URL}{version.pk}/export/")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith("attachment;")
    assert json.loads(exported.content)["name"] == doc["name"]


def test_import_problems_carry_the_importers_messages_and_json_paths(api_for):
    admin = factories.UserFactory(is_staff=True)
    doc = load("orr-whitepaper-sample.json")
    doc["pillars"][0]["questions"][0]["riskRules"][0]["condition"] = "nope && ("
    del doc["schemaVersion"]
    before = row_counts()
    response = api_for(admin).post(
        f"{URL}import/", json.dumps(doc), content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    paths = {e["path"] for e in errors}
    assert "schemaVersion" in paths
    assert "pillars[0].questions[0].riskRules[0].condition" in paths
    pointer = next(e["pointer"] for e in errors if e["path"].endswith("condition"))
    assert pointer == "#/pillars/0/questions/0/riskRules/0/condition"
    assert row_counts() == before


def test_a_file_that_is_not_json_is_a_problem_not_an_error(api_for):
    admin = factories.UserFactory(is_staff=True)
    response = api_for(admin).post(f"{URL}import/", b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_members_may_not_import_or_export(architect, api_for):
    version = factories.make_bank(questions=1)
    client = api_for(architect)
    assert client.post(f"{URL}import/", "{}", content_type="application/json").status_code == 403
    assert client.get(f"{URL}{version.pk}/export/").status_code == 403


def test_lens_versions_filter_by_lens(architect, api_for):
    first = factories.make_bank(questions=1)
    factories.make_bank(questions=1)
    body = api_for(architect).get(URL, {"lens": first.lens.slug}).json()
    assert [v["id"] for v in body["results"]] == [first.pk]
