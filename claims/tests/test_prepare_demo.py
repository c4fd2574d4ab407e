import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from claims.management.commands import prepare_demo
from claims.models import Claim, ClaimSearchDocument
from claims.tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_file(tmp_path, monkeypatch):
    path = tmp_path / "demo-password"
    monkeypatch.setattr(prepare_demo, "PASSWORD_FILE", path)
    return path


def test_refuses_to_run_without_debug(settings, password_file):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("prepare_demo")
    assert not get_user_model().objects.filter(username="demo").exists()


def test_loads_the_seed_into_an_empty_database_and_prints_working_credentials(settings, password_file, capsys):
    settings.DEBUG = True
    call_command("prepare_demo")
    output = capsys.readouterr().out
    password = password_file.read_text().strip()
    assert f"password {password!r}" in output
    assert get_user_model().objects.get(username="demo").check_password(password)
    assert Claim.objects.filter(slug="us-sinaloa-immunity-deal").exists()


def test_a_second_run_leaves_the_data_and_the_password_as_they_were(settings, password_file):
    settings.DEBUG = True
    call_command("prepare_demo")
    first_password = password_file.read_text()
    claim = Claim.objects.get(slug="us-sinaloa-immunity-deal")
    claim.internal_notes = "A fact-checker's note."
    claim.save()
    call_command("prepare_demo")
    claim.refresh_from_db()
    assert claim.internal_notes == "A fact-checker's note."
    assert password_file.read_text() == first_password


def test_the_seed_claims_get_their_search_documents(settings, password_file):
    settings.DEBUG = True
    call_command("prepare_demo")
    assert ClaimSearchDocument.objects.count() == Claim.objects.count() > 0


def test_does_not_load_the_seed_over_existing_claims(settings, password_file):
    settings.DEBUG = True
    ClaimFactory()
    call_command("prepare_demo")
    assert Claim.objects.count() == 1


def test_each_seed_record_gets_its_first_version_in_the_history(settings, password_file):
    settings.DEBUG = True
    call_command("prepare_demo")
    claim = Claim.objects.get(slug="us-sinaloa-immunity-deal")
    (first,) = claim.history.all()
    assert first.history_type == "+"
    assert {row.source_id for row in first.subjects.all()} == set(claim.subjects.values_list("pk", flat=True))
