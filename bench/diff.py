"""How long the admin takes to show what changed on a re-checked page (sources.diff.word_diff).

Synthetic pages of N paragraphs of 60 words each; per size, four changes: a few words edited in
5 paragraphs, 5 paragraphs removed and 5 added, every paragraph in reverse order (nothing lines
up), and a live blog (each paragraph followed by the same "Share" and "Advertisement" lines, a
tenth as many new entries put on top and 5 edited). Prints the median of --repeat runs, in ms.

    .venv/bin/python bench/diff.py [--sizes 50 500 2500] [--repeat 5]
"""

import argparse
import pathlib
import random
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sources.diff import word_diff  # noqa: E402 (after the path is set)

WORDS = "the deal cartel informant agency officials denied struck immunity protection report court".split()


def page(paragraphs, rng):
    return [" ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(60)) for _ in range(paragraphs)]


def edited(paragraphs, rng):
    changed = list(paragraphs)
    for index in rng.sample(range(len(changed)), 5):
        words = changed[index].split()
        words[rng.randrange(len(words))] = "EDITED"
        changed[index] = " ".join(words)
    return changed


def moved(paragraphs, rng):
    changed = list(paragraphs)
    for index in sorted(rng.sample(range(len(changed)), 5), reverse=True):
        del changed[index]
    return changed + page(5, rng)


def live_blog(paragraphs, rng):
    """The page as a live blog before and after: recurring lines between entries, new entries on top."""
    def laid_out(entries):
        return [line for entry in entries for line in (entry, "Share", "Advertisement")]

    return laid_out(paragraphs), laid_out(page(len(paragraphs) // 10, rng) + edited(paragraphs, rng))


def timed(old, new, repeat):
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        word_diff(old, new)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 2500], help="paragraphs per page")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    rng = random.Random(1)
    print(f"{'paragraphs':>10} {'characters':>11} {'5 edited':>10} {'5 out, 5 in':>12} {'all reversed':>13} {'live blog':>10}  (median ms)")
    for size in options.sizes:
        paragraphs = page(size, rng)
        old = "\n".join(paragraphs)
        cases = [edited(paragraphs, rng), moved(paragraphs, rng), list(reversed(paragraphs))]
        figures = [timed(old, "\n".join(case), options.repeat) for case in cases]
        blog_before, blog_after = live_blog(paragraphs, rng)
        figures.append(timed("\n".join(blog_before), "\n".join(blog_after), options.repeat))
        print(f"{size:>10} {len(old):>11,} {figures[0]:>10.1f} {figures[1]:>12.1f} {figures[2]:>13.1f} {figures[3]:>10.1f}")


if __name__ == "__main__":
    main()
