"""The OpenAPI schema and the docs page that reads it."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse


@pytest.mark.django_db
def test_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yml"
    # Raises CommandError on any warning or an invalid OpenAPI document.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    register = paths["/api/v1/schools/{school_slug}/registers/{group_id}/{day}/{period}/"]
    assert set(register) >= {"get", "put"}
    assert set(register["put"]["responses"]) >= {"200", "400", "403", "404", "409"}
    for path in [
        "/api/v1/codes/",
        "/api/v1/schools/{school_slug}/pupils/",
        "/api/v1/schools/{school_slug}/pupils/{id}/",
        "/api/v1/schools/{school_slug}/pupils/{id}/attendance/",
        "/api/v1/schools/{school_slug}/sessions/",
        "/api/v1/schools/{school_slug}/groups/",
    ]:
        assert "get" in paths[path], path
    pupil_list = paths["/api/v1/schools/{school_slug}/pupils/"]["get"]
    pupil_filters = {p["name"] for p in pupil_list["parameters"]}
    assert pupil_filters >= {"registration_group", "year_group", "on_roll", "search", "page"}


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/schools/{school_slug}/pupils/" in response.content


@pytest.mark.django_db
def test_docs_page_reads_the_schema(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    # The page's script is a file of its own (no inline script under the CSP).
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api-schema") in script.content.decode()


@pytest.mark.django_db
def test_docs_page_loads_nothing_from_outside(client):
    # Swagger UI comes from our own static files (drf-spectacular-sidecar): schools may
    # be offline, and no outside script runs beside staff session cookies.
    html = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "https://" not in html


@pytest.mark.django_db
def test_anonymous_client_cannot_tell_real_schools_from_made_up_ones(client, school):
    real = client.get(f"/api/v1/schools/{school.slug}/pupils/")
    made_up = client.get("/api/v1/schools/no-such-school/pupils/")
    assert real.status_code == made_up.status_code == 401
