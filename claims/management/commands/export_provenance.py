"""Write a claim's attribution graph as W3C PROV: PROV-JSON, PROV-N or Turtle (see claims.exports.prov)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.exports.prov import FORMATS, claim_prov_document, serialize
from claims.models import Claim


class Command(BaseCommand):
    help = "Write a claim's attribution graph as W3C PROV (PROV-JSON unless told otherwise)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The claim's slug.")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", metavar="FILE", help="Where to write it; standard output when left out.")

    def handle(self, *args, slug, format, output, **options):
        claim = Claim.objects.filter(slug=slug).first()
        if claim is None:
            raise CommandError(f"No claim with slug “{slug}”.")
        content = serialize(claim_prov_document(claim), format).rstrip("\n") + "\n"
        if output is None:
            self.stdout.write(content, ending="")
            return
        try:
            write_whole(Path(output), content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None


def write_whole(path, content):
    """Write all of the content or nothing: it goes to a temporary file beside the target, renamed
    over it once complete, so a failed write leaves neither a partial file nor a damaged older one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "x", encoding="utf-8") as file:
            file.write(content)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
