"""Fill an empty database with a synthetic corpus of claims (claims.corpus), to measure the tool at scale."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from claims.corpus import generate
from claims.models import Claim, Story
from sources.models import Document, Source


def claim_count(text):
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number.") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"give 1 or more, not {count}.")
    return count


class Command(BaseCommand):
    help = (
        "Write a synthetic corpus of N claims, with their sources, documents, attribution graphs, reviews, "
        "relations and stories, into a database that holds none yet (never a desk's own: it refuses one that "
        "has claims, sources, documents or stories)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=claim_count, required=True, metavar="N", help="How many claims to write.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed writes the same corpus (default 1).")

    def handle(self, *args, claims, seed, **options):
        held = [str(model._meta.verbose_name_plural) for model in (Claim, Source, Document, Story) if model._base_manager.exists()]
        if held:
            raise CommandError(
                f"The database already holds {', '.join(held)}: the corpus is written into an empty database only "
                "(migrate a new one, e.g. with DATABASE_URL)."
            )
        started = time.perf_counter()
        counts = generate(claims, seed=seed, progress=lambda message: self.stderr.write(f"{time.perf_counter() - started:4.0f} s: {message}"))
        written = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(f"Wrote {written} in {time.perf_counter() - started:.0f} s.")
