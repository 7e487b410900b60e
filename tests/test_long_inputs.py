"""Field lengths are checked before the database sees them: every string field of every
API request body (from the OpenAPI schema) and of the unit pages' forms, sent far too long,
answers 400 (or a form error), never 500."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tasks_app.models import Evidence

LONG = "链" * 600
HUGE = "x" * 20000


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = (operation.get("requestBody") or {}).get("content", {})
            for media in ("application/json", "multipart/form-data"):
                if media in body:
                    yield path, method, media, body[media]["schema"], schema
                    break


def _properties(ref_or_schema, schema) -> dict:
    if "$ref" in ref_or_schema:
        name = ref_or_schema["$ref"].rsplit("/", 1)[-1]
        ref_or_schema = schema["components"]["schemas"][name]
    return ref_or_schema.get("properties", {})


OPERATIONS = list(_operations())


@pytest.mark.parametrize(
    ("path", "method", "media", "body", "schema"),
    OPERATIONS,
    ids=[f"{m} {p}" for p, m, *_ in OPERATIONS],
)
def test_every_string_field_of_every_api_body_too_long_is_a_400(
    world, path, method, media, body, schema
):
    ids = {"assignment_id": world.czj_own.pk, "report_id": 1, "request_id": 1}
    url = path.format(**ids)
    api = APIClient()
    api.force_authenticate(world.czj if "assignments" in url else world.coordinator)
    props = _properties(body, schema)
    base = {
        name: (0 if spec.get("type") == "integer" else "2030-01-01")
        if spec.get("type") == "integer" or spec.get("format") == "date"
        else ([] if spec.get("type") == "array" else "t")
        for name, spec in props.items()
        if spec.get("type") != "boolean"
    }
    strings = [
        n
        for n, spec in props.items()
        if spec.get("type") == "string"
        or (spec.get("type") == "array" and spec.get("items", {}).get("type") == "string")
    ]
    assert strings or path.endswith(("/sign/",)), (path, props)
    for name in strings:
        value = [HUGE] if props[name].get("type") == "array" else HUGE
        response = getattr(api, method)(url, {**base, name: value}, format="json")
        assert response.status_code < 500, (path, name, response.status_code)


def test_a_600_character_evidence_link_is_refused_with_a_message(client, world):
    from tasks_app.services import assignments as svc

    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    link = "https://example.gov.cn/" + "a" * 600
    api = APIClient()
    api.force_authenticate(world.czj)
    response = api.post(
        f"/api/assignments/{world.czj_own.pk}/reports/",
        {"text": "进展", "progress": 10, "links": [link]},
        format="json",
    )
    assert response.status_code == 400 and "links" in response.json()
    client.force_login(world.czj)
    page = client.post(
        f"/tasks/{world.czj_own.pk}/report/",
        {"text": "进展", "progress": 10, "links": link},
        follow=True,
    )
    assert page.status_code == 200 and "链接过长" in page.content.decode()
    assert not Evidence.objects.exists()


def test_the_unit_forms_take_overlong_values_without_a_500(client, world, settings, tmp_path):
    from tasks_app.services import assignments as svc

    settings.MEDIA_ROOT = tmp_path
    svc.assignment_sign(user=world.czj, assignment_id=world.czj_own.pk)
    client.raise_request_exception = False
    client.force_login(world.czj)
    a = world.czj_own.pk
    for data in (
        {"text": HUGE, "progress": 10, "links": HUGE},
        {
            "text": "t",
            "progress": 10,
            "files": SimpleUploadedFile("名" * 400 + ".pdf", b"%PDF-1.4"),
        },
    ):
        assert client.post(f"/tasks/{a}/report/", data).status_code < 500
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = client.post(f"/tasks/{a}/extension/", {"requested_due_date": later, "reason": HUGE})
    assert response.status_code < 500
