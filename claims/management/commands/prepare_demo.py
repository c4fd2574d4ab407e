"""Make a local database ready to try: the seed data, and a demo account to log in with."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from claims.models import Claim
from sources.history import record_versions, tracked_models

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
# Kept beside the database (git-ignored) so that every `make run` prints the same password.
PASSWORD_FILE = Path(settings.BASE_DIR) / ".demo-password"
DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Load the seed data into an empty database and create the demo account (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("prepare_demo creates an account with a known password: it runs only with DEBUG on.")
        if Claim.objects.exists():
            self.stdout.write("The database already holds claims: the seed data is left as it is.")
        else:
            call_command("loaddata", SEED_FIXTURE, verbosity=0)
            # A load writes no history (sources.validation): give each seed record its first version.
            for model in tracked_models():
                record_versions(model._base_manager.all(), first=True)
            self.stdout.write(f"Loaded the seed data: {Claim.objects.count()} claims.")
        # The seed carries no search documents, and a database made before summaries or search
        # existed (or written in bulk) lacks some: they are written now.
        call_command("refresh_provenance", "--missing", stdout=self.stdout)
        password = self.demo_password()
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(f"Demo account: username {DEMO_USERNAME!r}, password {password!r} — log in at /admin/")
        )

    def demo_password(self):
        if PASSWORD_FILE.exists():
            return PASSWORD_FILE.read_text().strip()
        password = secrets.token_urlsafe(12)
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
        return password
