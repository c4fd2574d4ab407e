"""Recompute what is derived from the claims (provenance summaries, search documents): after a
fixture load or a bulk write, or to check them against the data."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from claims.models import Claim
from claims.provenance import refresh_summaries
from claims.search import refresh_search_documents


class Command(BaseCommand):
    help = (
        "Recompute the provenance summary (independent origins, depth, weakest link, circular reporting) "
        "and the search document (what the claim search reads) of the named claims, of the claims missing "
        "either with --missing, or of every claim."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Claims to refresh (default: all).")
        parser.add_argument(
            "--missing", action="store_true",
            help="Only claims that have no summary or no search document yet (a fixture load carries no search documents).",
        )

    def handle(self, *args, slugs, missing, **options):
        claims = Claim.objects.all()
        if slugs:
            claims = claims.filter(slug__in=slugs)
            unknown = sorted(set(slugs) - set(claims.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"No claim with slug {', '.join(unknown)}.")
        if missing:
            claims = claims.filter(Q(provenance__isnull=True) | Q(search_document__isnull=True))
        claim_ids = list(claims.values_list("pk", flat=True))
        refresh_summaries(claim_ids)
        refresh_search_documents(claim_ids)
        self.stdout.write(
            f"Refreshed the provenance summaries and search documents of {len(claim_ids)} claim{'s' if len(claim_ids) != 1 else ''}."
        )
