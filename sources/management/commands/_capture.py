"""What the capture commands (capture_url, capture_file) share: options, errors and the report."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from sources.models import DocumentKind, Source
from sources.services import named_sources


class CaptureCommand(BaseCommand):
    """Each command defines `capture(**options)`, which reads its own input and returns the new document."""

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=DocumentKind.values, default=DocumentKind.ARTICLE, help="What the document is (default: article).")
        parser.add_argument(
            "--create-sources",
            action="store_true",
            help="Create, as new sources, the publisher and authors the page names that no source goes by, and link them.",
        )

    def handle(self, *args, **options):
        # Sources numbered past the last one now are those this capture created.
        last_source = Source.objects.aggregate(last=Max("pk"))["last"] or 0
        try:
            document = self.capture(**options)
        except ValidationError as refusal:
            raise CommandError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in refusal.message_dict.items())) from None
        self.report(document, last_source)

    def report(self, document, last_source):
        self.stdout.write(self.style.SUCCESS(f"Captured “{document.title}” as the document {document.slug}: {len(document.text):,} characters of text."))
        for label, value in (
            ("URL after redirects", document.final_url),
            ("file", document.captured_file),
            ("retrieved at", f"{document.retrieved_at:%Y-%m-%d %H:%M:%S %Z}"),
            ("text SHA-256", document.text_sha256),
            ("raw bytes SHA-256", document.raw_sha256),
            ("date", document.date_display if document.published else ""),
        ):
            if value:
                self.stdout.write(f"  {label}: {value}")
        for named in named_sources(document):
            self.stdout.write(f"  {named.role} “{named.name}”: {self.describe(named, last_source)}")

    @staticmethod
    def describe(named, last_source):
        if named.linked is not None and named.linked.pk > last_source:
            return "created as a new source and linked"
        if named.linked is not None:
            alias = f", an alias of “{named.linked.alias_of}”" if named.linked.alias_of_id else ""
            return f"linked to the source “{named.linked}”{alias}"
        if named.matches:
            return f"{len(named.matches)} sources go by this name: link one in the admin"
        return "no source goes by this name: create it with --create-sources, or in the admin"
