"""What changed between two versions of a page's text, word by word, for a fact-checker to read.

Paragraphs (lines) are compared first, then the words of the paragraphs that changed: comparing
every word of a long page with every other is far too slow (minutes for a long report), and a
fact-checker reads a change paragraph by paragraph anyway.
"""

import difflib
import re
from dataclasses import dataclass

UNCHANGED, REMOVED, ADDED, SKIPPED = "unchanged", "removed", "added", "skipped"
# Words kept on either side of a change; longer unchanged stretches are cut to these.
CONTEXT_WORDS = 25
# Changed paragraphs are compared word by word up to this many pairs of words (a few pages'
# worth); beyond it they are shown removed, then added, whole.
WORD_COMPARISON_LIMIT = 1_000_000
_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Piece:
    change: str  # UNCHANGED, REMOVED, ADDED, or SKIPPED (unchanged words left out)
    text: str


def word_diff(old, new, *, context=CONTEXT_WORDS):
    """The pieces that turn `old` into `new`, in order; unchanged stretches longer than twice
    `context` words keep only their ends, the middle given as one SKIPPED piece saying how many
    words it holds."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    pieces = []
    for operation, old_start, old_end, new_start, new_end in _opcodes(before, after, lines=True):
        removed, added = "".join(before[old_start:old_end]), "".join(after[new_start:new_end])
        if operation == "equal":
            pieces.append(Piece(UNCHANGED, removed))
        elif operation == "replace":
            pieces += _word_changes(removed, added)
        else:
            pieces += [Piece(REMOVED, removed)] if removed else [Piece(ADDED, added)]
    merged = _merged(pieces)
    cut = []
    for index, piece in enumerate(merged):
        if piece.change == UNCHANGED:
            cut += _unchanged(_TOKENS.findall(piece.text), context, first=index == 0, last=index == len(merged) - 1)
        else:
            cut.append(piece)
    return cut


def _opcodes(before, after, *, lines=False):
    # Lines that recur through a long page ("Share", "Advertisement") are left out of the search
    # for matches (difflib's autojunk), else it turns quadratic; words never are, since a page
    # is mostly the same few words and spaces.
    return difflib.SequenceMatcher(None, before, after, autojunk=lines).get_opcodes()


def _word_changes(removed, added):
    old_words, new_words = _TOKENS.findall(removed), _TOKENS.findall(added)
    if len(old_words) * len(new_words) > WORD_COMPARISON_LIMIT:
        return [Piece(REMOVED, removed), Piece(ADDED, added)]
    pieces = []
    for operation, old_start, old_end, new_start, new_end in _opcodes(old_words, new_words):
        if operation == "equal":
            pieces.append(Piece(UNCHANGED, "".join(old_words[old_start:old_end])))
            continue
        if old_end > old_start:
            pieces.append(Piece(REMOVED, "".join(old_words[old_start:old_end])))
        if new_end > new_start:
            pieces.append(Piece(ADDED, "".join(new_words[new_start:new_end])))
    return pieces


def _merged(pieces):
    """Neighbouring pieces of the same change as one (an unchanged paragraph next to unchanged words)."""
    merged = []
    for piece in pieces:
        if merged and merged[-1].change == piece.change:
            merged[-1] = Piece(piece.change, merged[-1].text + piece.text)
        elif piece.text:
            merged.append(piece)
    return merged


def _unchanged(tokens, context, *, first, last):
    """An unchanged stretch, cut to the words near the changes around it (none before the first
    change, none after the last)."""
    words = [index for index, token in enumerate(tokens) if not token.isspace()]
    keep_start = 0 if first else context
    keep_end = 0 if last else context
    if len(words) <= keep_start + keep_end:
        return [Piece(UNCHANGED, "".join(tokens))]
    head_end = words[keep_start] if keep_start else 0
    tail_start = words[len(words) - keep_end] if keep_end else len(tokens)
    skipped = len(words) - keep_start - keep_end
    pieces = [Piece(UNCHANGED, "".join(tokens[:head_end]))] if head_end else []
    pieces.append(Piece(SKIPPED, f"{skipped} unchanged word{'s' if skipped != 1 else ''}"))
    if tail_start < len(tokens):
        pieces.append(Piece(UNCHANGED, "".join(tokens[tail_start:])))
    return pieces
