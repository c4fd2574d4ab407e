"""Production serves its own static files (WhiteNoise), collected under hashed names."""

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def collected(settings, tmp_path):
    """The static files collected as production collects them, into a directory of the test's own."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_a_collected_file_is_served_by_its_hashed_name_to_be_kept_for_good(collected):
    url = static("claims/provenance-graph.js")
    assert url != "/static/claims/provenance-graph.js"  # the name carries the content's hash
    response = Client().get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]


def test_a_collected_file_is_served_compressed_to_a_browser_that_accepts_it(collected):
    response = Client().get(static("claims/vendor/viz-3.31.0.js"), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"


def test_a_file_that_was_not_collected_is_not_found(collected):
    assert Client().get("/static/claims/no-such-file.js").status_code == 404
