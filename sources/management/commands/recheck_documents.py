import datetime
import logging
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from sources.models import Document
from sources.services import recheck

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Read the pages of documents again and record what changed: a changed text (flagging excerpts whose "
        "quotes are gone), a dead link, a link come back. All documents with a URL, or those named."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Re-check only these documents.")
        parser.add_argument(
            "--skip-checked-within",
            type=int,
            metavar="HOURS",
            help="Leave out documents re-checked less than this many hours ago (for a schedule that may be interrupted).",
        )

    def handle(self, *args, slugs, skip_checked_within, **options):
        documents = self.documents(slugs, skip_checked_within)
        outcomes = Counter()
        refused = []
        for document in documents:
            try:
                rechecked = recheck(document)
            except ValidationError as refusal:
                refused.append(document.slug)
                self.stderr.write(f"{document.slug}: not re-checked: {' '.join(refusal.messages)}")
                continue
            except Exception:  # one page's surprise must not stop the re-check of all the others
                refused.append(document.slug)
                logger.exception("Re-checking %s failed", document.slug)
                self.stderr.write(f"{document.slug}: not re-checked: an unexpected error, logged.")
                continue
            outcomes[rechecked.event.get_kind_display() if rechecked.event else "no change"] += 1
            line = f"{document.slug}: {rechecked.summary}"
            self.stdout.write(self.style.WARNING(line) if rechecked.event else line)
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(f"Re-checked {sum(outcomes.values())} document{'s' if sum(outcomes.values()) != 1 else ''}{f': {counts}' if counts else ''}.")
        if refused:
            raise CommandError(f"{len(refused)} could not be re-checked: {', '.join(refused)}.")

    def documents(self, slugs, skip_checked_within):
        if skip_checked_within is not None and skip_checked_within < 0:
            raise CommandError("--skip-checked-within: give a number of hours, 0 or more.")
        documents = Document.objects.order_by("pk")
        if slugs:
            found = Document.objects.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(found.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"slug: no document {', '.join(missing)}.")
            documents = documents.filter(slug__in=slugs)
        else:
            documents = documents.exclude(url="")
        if skip_checked_within is not None:
            since = timezone.now() - datetime.timedelta(hours=skip_checked_within)
            documents = documents.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=since))
        return documents
