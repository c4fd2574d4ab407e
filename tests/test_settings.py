"""Settings come from the environment, and production defaults are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENVIRONMENT = {
    "SECRET_KEY": "a-long-random-production-key-" + "k7Qz9xW2" * 6,
    "ALLOWED_HOSTS": "provenance.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, **environment):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_check_passes_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENVIRONMENT)
    assert result.returncode == 0, result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)", **PRODUCTION_ENVIRONMENT)
    assert result.stdout.strip() == "False"


def test_without_a_secret_key_production_refuses_to_start():
    environment = dict(PRODUCTION_ENVIRONMENT, SECRET_KEY="")
    result = manage("check", **environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_development_key_is_used_only_with_debug_on():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", DEBUG="1", DATABASE_URL="sqlite:///:memory:")
    assert result.stdout.strip().startswith("django-insecure-")


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_debug_value_that_is_not_a_boolean_is_refused(value):
    result = manage("check", DEBUG=value, **PRODUCTION_ENVIRONMENT)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_default_database_is_an_ignored_sqlite_file_inside_the_checkout():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DATABASES['default']['NAME'])", DEBUG="1")
    assert result.stdout.strip() == str(ROOT / "db.sqlite3")
    ignored = subprocess.run(["git", "check-ignore", "-q", "db.sqlite3"], cwd=ROOT)
    assert ignored.returncode == 0


@pytest.mark.parametrize("variable, value", [
    ("REQUIRED_APPROVALS", "two"), ("REQUIRED_APPROVALS", "0"), ("AXES_FAILURE_LIMIT", "-1"), ("AXES_COOLOFF_MINUTES", "1.5"),
    ("CAPTURE_TIMEOUT_SECONDS", "0"), ("CAPTURE_MAX_BYTES", "10MB"),
])
def test_a_number_setting_that_is_not_a_whole_number_in_range_is_refused_by_name(variable, value):
    result = manage("check", **{**PRODUCTION_ENVIRONMENT, variable: value})
    assert result.returncode != 0
    assert f"{variable} must be a whole number" in result.stderr


def test_the_number_of_approvals_comes_from_the_environment():
    result = manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.REQUIRED_APPROVALS)",
        REQUIRED_APPROVALS="2", **PRODUCTION_ENVIRONMENT,
    )
    assert result.stdout.strip() == "2"


def test_a_malformed_api_rate_is_refused_by_name():
    result = manage("check", API_ANONYMOUS_RATE="lots", **PRODUCTION_ENVIRONMENT)
    assert result.returncode != 0
    assert "API_ANONYMOUS_RATE must be a rate such as 60/min" in result.stderr


def test_cross_origin_reads_are_allowed_only_from_the_origins_given():
    script = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)"
    assert manage("shell", "--no-imports", "-c", script, **PRODUCTION_ENVIRONMENT).stdout.strip() == "[]"
    given = manage("shell", "--no-imports", "-c", script, API_CORS_ALLOWED_ORIGINS="https://desk.example.org, https://b.example", **PRODUCTION_ENVIRONMENT)
    assert given.stdout.strip() == "['https://desk.example.org', 'https://b.example']"


@pytest.mark.parametrize("origin", ["desk.example.org", "https://desk.example.org/claims", "*"])
def test_a_malformed_cors_origin_is_refused_by_name(origin):
    result = manage("check", API_CORS_ALLOWED_ORIGINS=origin, **PRODUCTION_ENVIRONMENT)
    assert result.returncode != 0
    assert "API_CORS_ALLOWED_ORIGINS must list origins such as https://desk.example.org" in result.stderr


def test_captures_reach_no_private_network_unless_one_is_named():
    script = "from django.conf import settings; print(settings.CAPTURE_ALLOWED_NETWORKS)"
    assert manage("shell", "--no-imports", "-c", script, **PRODUCTION_ENVIRONMENT).stdout.strip() == "[]"


def test_a_malformed_capture_network_is_refused_by_name():
    result = manage("check", CAPTURE_ALLOWED_NETWORKS="10.0.0.0/8, the office", **PRODUCTION_ENVIRONMENT)
    assert result.returncode != 0
    assert "CAPTURE_ALLOWED_NETWORKS must list networks such as 10.0.0.0/8, not 'the office'" in result.stderr
