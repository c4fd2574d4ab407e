"""What the benchmark scripts share on their command lines: option types and progress lines."""

import argparse
import sys


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def progress(message):
    """A line on stderr, so that stdout holds the report alone."""
    print(f"… {message}", file=sys.stderr, flush=True)
