"""What changed between two versions of a page's text (sources.diff.word_diff)."""

from sources.diff import ADDED, REMOVED, SKIPPED, UNCHANGED, Piece, word_diff


def test_a_changed_word_is_shown_removed_then_added_among_the_unchanged():
    assert word_diff("The deal was struck in 2010.", "The deal was struck in 2011.") == [
        Piece(UNCHANGED, "The deal was struck in "),
        Piece(REMOVED, "2010."),
        Piece(ADDED, "2011."),
    ]


def test_added_words_alone_are_shown_added():
    assert word_diff("Officials denied it.", "Officials strongly denied it.") == [
        Piece(UNCHANGED, "Officials"),
        Piece(ADDED, " strongly"),
        Piece(UNCHANGED, " denied it."),
    ]


def test_long_unchanged_stretches_keep_only_the_words_near_a_change():
    before = " ".join(f"w{number}" for number in range(100))
    after = before.replace("w50", "CHANGED")
    pieces = word_diff(before, after, context=3)
    assert [piece.change for piece in pieces] == [SKIPPED, UNCHANGED, REMOVED, ADDED, UNCHANGED, SKIPPED]
    assert (pieces[0].text, pieces[1].text, pieces[4].text, pieces[5].text) == (
        "47 unchanged words", "w47 w48 w49 ", " w51 w52 w53 ", "46 unchanged words"
    )


def test_an_unchanged_stretch_between_two_changes_keeps_words_on_both_sides():
    before = " ".join(f"w{number}" for number in range(20))
    after = before.replace("w0 ", "A ").replace(" w19", " B")
    pieces = word_diff(before, after, context=2)
    assert [piece.text for piece in pieces if piece.change in (UNCHANGED, SKIPPED)] == [" w1 w2 ", "14 unchanged words", "w17 w18 "]


def test_identical_texts_are_one_skipped_stretch():
    assert word_diff("Officials denied it.", "Officials denied it.") == [Piece(SKIPPED, "3 unchanged words")]


def test_only_the_paragraphs_that_changed_are_compared_word_by_word():
    before = "The deal was struck in 2010.\nOfficials denied it.\n"
    after = "The deal was struck in 2011.\nOfficials denied it.\n"
    assert word_diff(before, after) == [
        Piece(UNCHANGED, "The deal was struck in "),
        Piece(REMOVED, "2010."),
        Piece(ADDED, "2011."),
        Piece(UNCHANGED, "\nOfficials denied it.\n"),
    ]


def test_paragraphs_too_long_to_compare_word_by_word_are_shown_removed_then_added_whole(monkeypatch):
    monkeypatch.setattr("sources.diff.WORD_COMPARISON_LIMIT", 10)
    assert word_diff("The deal was struck in 2010.", "The deal was struck in 2011.") == [
        Piece(REMOVED, "The deal was struck in 2010."),
        Piece(ADDED, "The deal was struck in 2011."),
    ]
