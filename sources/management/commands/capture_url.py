from sources.management.commands._capture import CaptureCommand
from sources.services import capture_url


class Command(CaptureCommand):
    help = "Capture the page at a URL as a new document: its text, the hashes of its text and bytes, and the sources it names."

    def add_arguments(self, parser):
        parser.add_argument("url")
        super().add_arguments(parser)

    def capture(self, *, url, kind, create_sources, **options):
        return capture_url(url, kind=kind, create_sources=create_sources)
