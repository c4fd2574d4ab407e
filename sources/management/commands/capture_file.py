from pathlib import Path

from django.core.exceptions import ValidationError

from sources.management.commands._capture import CaptureCommand
from sources.services import capture_file


class Command(CaptureCommand):
    help = "Capture a file (plain text, HTML or PDF) as a new document: its text, the hashes of its text and bytes, and the sources it names."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--url", default="", help="Where the file came from, if known.")
        super().add_arguments(parser)

    def capture(self, *, path, url, kind, create_sources, **options):
        path = Path(path)
        try:
            with path.open("rb") as file:
                return capture_file(path.name, file, kind=kind, url=url, field="path", create_sources=create_sources)
        except OSError as error:
            raise ValidationError({"path": f"{path} cannot be read: {error.strerror}."}) from None
