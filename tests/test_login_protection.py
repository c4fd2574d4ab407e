"""Repeated failed admin logins lock that username out, from that address, for a while (django-axes).

The rules are the project's configuration (provenance/settings.py): AXES_FAILURE_LIMIT failures
(5 unless the environment says otherwise) lock out one username from one address, for
AXES_COOLOFF_MINUTES (15) after the last attempt; a successful login clears the count.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client

from claims.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN_URL = "/admin/login/"
PASSWORD = "correct horse battery staple"  # UserFactory's
WRONG_PASSWORD = "not the password"
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.23"


def log_in(client, username, password, address=ADDRESS, **headers):
    return client.post(
        LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def fail(client, username, times, address=ADDRESS):
    for _ in range(times):
        log_in(client, username, WRONG_PASSWORD, address)


def logged_in_as(client, user):
    return client.session.get(SESSION_KEY) == str(user.pk)


def move_attempts_back(username, by):
    """Time travel: make the recorded failures for `username` look `by` older than they are."""
    for attempt in AccessAttempt.objects.filter(username=username):
        attempt.attempt_time -= by
        attempt.save(update_fields=["attempt_time"])


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def cool_off():
    return get_cool_off()


@pytest.fixture
def locked_out(client, fact_checker, limit):
    """fact.checker has failed `limit` times from ADDRESS."""
    fail(client, fact_checker.username, limit)
    return fact_checker


# The rule


def test_failures_below_the_limit_do_not_lock_out(client, fact_checker, limit):
    fail(client, fact_checker.username, limit - 1)

    response = log_in(client, fact_checker.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in_as(client, fact_checker)


def test_after_the_limit_even_the_right_password_is_refused(client, locked_out):
    response = log_in(client, locked_out.username, PASSWORD)

    assert response.status_code == 429
    assert not logged_in_as(client, locked_out)


def test_the_failure_that_reaches_the_limit_is_already_answered_with_the_lockout(client, fact_checker, limit):
    fail(client, fact_checker.username, limit - 1)

    response = log_in(client, fact_checker.username, WRONG_PASSWORD)

    assert response.status_code == 429


def test_the_lockout_says_in_plain_words_why_and_what_to_do(client, locked_out):
    response = log_in(client, locked_out.username, PASSWORD)

    text = response.content.decode()
    assert "too many login attempts" in text
    assert "try again later: in 15 minutes" in text


def test_a_successful_login_clears_the_earlier_failures(client, fact_checker, limit):
    fail(client, fact_checker.username, limit - 1)
    log_in(client, fact_checker.username, PASSWORD)
    client.logout()
    fail(client, fact_checker.username, limit - 1)

    response = log_in(client, fact_checker.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in_as(client, fact_checker)


# Who is locked out


def test_another_username_from_the_same_address_can_still_log_in(client, locked_out):
    colleague = UserFactory(username="colleague")

    response = log_in(client, colleague.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in_as(client, colleague)


def test_the_same_username_from_another_address_can_still_log_in(client, locked_out):
    response = log_in(client, locked_out.username, PASSWORD, address=OTHER_ADDRESS)

    assert response.status_code == 302
    assert logged_in_as(client, locked_out)


def test_changing_the_browsers_user_agent_does_not_escape_the_lockout(client, fact_checker, limit):
    for number in range(limit):
        log_in(client, fact_checker.username, WRONG_PASSWORD, HTTP_USER_AGENT=f"Browser/{number}")

    response = log_in(client, fact_checker.username, PASSWORD, HTTP_USER_AGENT="Yet another browser")

    assert response.status_code == 429


# For how long


def test_the_lockout_holds_until_the_cool_off_time_has_passed(client, locked_out, cool_off):
    move_attempts_back(locked_out.username, by=cool_off - cool_off / 10)

    response = log_in(client, locked_out.username, PASSWORD)

    assert response.status_code == 429


def test_the_lockout_lifts_once_the_cool_off_time_has_passed(client, locked_out, cool_off):
    move_attempts_back(locked_out.username, by=cool_off + cool_off / 10)

    response = log_in(client, locked_out.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in_as(client, locked_out)


def test_each_attempt_during_the_lockout_starts_the_cool_off_again(client, locked_out, cool_off):
    move_attempts_back(locked_out.username, by=cool_off - cool_off / 10)
    log_in(client, locked_out.username, PASSWORD)  # refused, and the clock starts again
    move_attempts_back(locked_out.username, by=cool_off / 5)  # cool-off + 10% after the first lockout

    response = log_in(client, locked_out.username, PASSWORD)

    assert response.status_code == 429


# Lifting a lockout by hand


def test_an_admin_lifts_a_lockout_with_axes_reset_username(client, locked_out):
    call_command("axes_reset_username", locked_out.username, stdout=io.StringIO())

    response = log_in(client, locked_out.username, PASSWORD)

    assert response.status_code == 302


def test_an_admin_lifts_a_lockout_by_deleting_it_on_the_access_attempts_page(locked_out):
    admin = UserFactory(username="admin", is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)
    attempt = AccessAttempt.objects.get(username=locked_out.username)

    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    response = log_in(Client(), locked_out.username, PASSWORD)
    assert response.status_code == 302


# Configuration


def settings_without_axes_environment(expression, **environment):
    """What `expression` prints under the production settings, with no AXES_* variable but those given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AXES_") and key != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="a-long-random-key-" + "k7Qz9xW2" * 6, DATABASE_URL="sqlite:///:memory:", **environment)
    code = f"from django.conf import settings; from axes.helpers import get_cool_off; print({expression})"
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_by_default_five_failures_lock_out_for_fifteen_minutes():
    printed = settings_without_axes_environment("settings.AXES_FAILURE_LIMIT, get_cool_off().total_seconds()")

    assert printed == "5 900.0"


def test_the_environment_sets_the_limit_and_the_cool_off_in_minutes():
    printed = settings_without_axes_environment(
        "settings.AXES_FAILURE_LIMIT, get_cool_off().total_seconds()", AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="60"
    )

    assert printed == "3 3600.0"
