"""Normalised and phonetic name keys, their blinding, and the similarity score."""

import hashlib
import hmac
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantern.cases.matchkeys import (
    BLIND_HEX,
    WEIGHT_PHONETIC,
    WEIGHT_WHOLE,
    WEIGHT_WORDS,
    blind,
    blind_keys,
    name_keys,
    normalise_name,
    similarity,
)

KEY_A = b"a" * 32
KEY_B = b"b" * 32

# Fictional names, with the accents, case and separators people type them with.
NAMES = st.sampled_from(
    [
        "Maria Lopez",
        "José María",
        "Ana",
        "Bruno Silva",
        "Nguyễn Thị Lan",
        "Zoë O'Neill",
        "Søren",
        "Jean-Luc",
        "Łucja",
        "Ñandú",
    ]
)
# Any text at all, letters of every script included.
TEXT = st.text(max_size=40)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("  José-María ", "jose maria"),
        ("MARÍA   LÓPEZ", "maria lopez"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Søren Ærø", "soren aero"),
        ("Straße", "strasse"),
        ("ﬁona", "fiona"),  # the "fi" ligature
        ("Ana\tMaria\n", "ana maria"),
        ("Ana, María (Ani)", "ana maria ani"),
        ("Ana 2", "ana 2"),
        ("", ""),
        ("--- ...", ""),
    ],
)
def test_normalise_name(text, normal):
    assert normalise_name(text) == normal


@given(TEXT)
def test_normalise_is_idempotent(text):
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(TEXT)
def test_normal_names_have_single_spaces_and_no_capitals(text):
    normal = normalise_name(text)
    assert normal == normal.strip()
    assert "  " not in normal
    assert normal == normal.casefold()


@given(NAMES, st.sampled_from([str.upper, str.lower, str.title, str.casefold]), st.data())
def test_accents_case_and_spacing_never_change_the_keys(name, case, data):
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if ch.isascii())
    spaced = data.draw(st.sampled_from([" ", "  ", "\t", " - "])).join(name.split())
    assert name_keys(case(name)) == name_keys(name)
    assert name_keys(f"  {spaced}  ") == name_keys(name)
    if "ø" not in name.lower() and "ł" not in name.lower():
        assert name_keys(plain) == name_keys(name)


def test_name_keys_have_every_kind():
    assert name_keys("Maria Lopez") == {
        "n:maria lopez",
        "w:maria",
        "w:lopez",
        "m:MR",
        "m:LPS",
        "s:M600",
        "s:L120",
    }


def test_accented_and_plain_spellings_share_all_keys():
    assert name_keys("María López") == name_keys("Maria Lopez")
    assert name_keys("Søren") == name_keys("Soren")


@pytest.mark.parametrize(("a", "b"), [("Jon", "John"), ("Smith", "Smyth"), ("Katy", "Katie")])
def test_names_that_sound_alike_share_a_phonetic_key(a, b):
    shared = name_keys(a) & name_keys(b)
    assert {k for k in shared if k[:2] in ("m:", "s:")}
    assert not {k for k in shared if k[:2] in ("n:", "w:")}


def test_different_names_share_nothing():
    assert name_keys("Ana") & name_keys("Bruno") == set()
    assert similarity(name_keys("Ana"), name_keys("Bruno")) == 0


def test_initials_and_empty_names_give_few_keys():
    assert name_keys("") == set()
    assert name_keys("  -- ") == set()
    assert name_keys("J") == {"n:j"}  # a single letter is no word and no sound
    assert name_keys("J Lopez") >= {"n:j lopez", "w:lopez"}
    assert "w:j" not in name_keys("J Lopez")


def test_other_scripts_match_whole_and_by_word_without_phonetic_keys():
    keys = name_keys("Иван Петров")
    assert keys == {"n:иван петров", "w:иван", "w:петров"}
    assert name_keys("ИВАН петров") == keys


@given(TEXT)
def test_every_key_has_a_known_kind_and_a_value(text):
    for key in name_keys(text):
        kind, colon, value = key.partition(":")
        assert kind in ("n", "w", "m", "s")
        assert colon
        assert value


# Blinding


@given(st.text(max_size=60))
def test_blind_is_a_truncated_hmac_sha256(value):
    expected = hmac.new(KEY_A, value.encode(), hashlib.sha256).hexdigest()[:BLIND_HEX]
    assert blind(KEY_A, value) == expected
    assert len(blind(KEY_A, value)) == 32


@given(st.text(max_size=60))
def test_blind_is_deterministic_per_key_and_differs_between_keys(value):
    assert blind(KEY_A, value) == blind(KEY_A, value)
    assert blind(KEY_A, value) != blind(KEY_B, value)


@given(st.text(max_size=30), st.text(max_size=30))
def test_different_values_blind_differently(a, b):
    if a != b:
        assert blind(KEY_A, a) != blind(KEY_A, b)


def test_a_short_key_is_refused():
    with pytest.raises(ValueError):
        blind(b"", "n:ana")
    with pytest.raises(ValueError):
        blind(b"x" * 15, "n:ana")


def test_blinded_keys_keep_their_kind_and_hide_the_name():
    keys = blind_keys(KEY_A, name_keys("Maria Lopez"))
    assert len(keys) == len(name_keys("Maria Lopez"))
    assert {k.partition(":")[0] for k in keys} == {"n", "w", "m", "s"}
    assert not any("maria" in k or "lopez" in k for k in keys)
    # The kind is blinded with the value: a one-word name's word and whole keys differ.
    ana = blind_keys(KEY_A, name_keys("Ana"))
    values = [k.partition(":")[2] for k in ana]
    assert len(values) == len(set(values))


# Similarity


def test_the_same_name_scores_one():
    assert similarity(name_keys("Maria Lopez"), name_keys("MARÍA LÓPEZ")) == 1


def test_weights_order_whole_then_words_then_sounds():
    assert WEIGHT_WHOLE > WEIGHT_WORDS > WEIGHT_PHONETIC > 0
    assert pytest.approx(1) == WEIGHT_WHOLE + WEIGHT_WORDS + WEIGHT_PHONETIC
    same_words = similarity(name_keys("Maria Lopez"), name_keys("Lopez Maria"))
    sounds_only = similarity(name_keys("Jon"), name_keys("John"))
    assert same_words == pytest.approx(WEIGHT_WORDS + WEIGHT_PHONETIC)
    assert sounds_only == pytest.approx(WEIGHT_PHONETIC)
    assert 1 > same_words > sounds_only > 0


def test_a_name_within_a_longer_one_scores_its_words():
    assert similarity(name_keys("Maria"), name_keys("Maria Lopez")) == pytest.approx(
        WEIGHT_WORDS + WEIGHT_PHONETIC
    )


def test_aliases_join_a_persons_keys():
    person = name_keys("Maria Lopez") | name_keys("Mari")
    assert similarity(person, name_keys("Mari")) == 1


def test_similarity_scores_blinded_sets_as_it_scores_clear_ones():
    pairs = [("Jon Smith", "John Smyth"), ("Maria Lopez", "Lopez Maria"), ("Ana", "Bruno")]
    for a, b in pairs:
        clear = similarity(name_keys(a), name_keys(b))
        blinded = similarity(blind_keys(KEY_A, name_keys(a)), blind_keys(KEY_A, name_keys(b)))
        assert blinded == clear


@given(NAMES | TEXT, NAMES | TEXT)
def test_similarity_is_a_symmetric_score_between_zero_and_one(a, b):
    score = similarity(name_keys(a), name_keys(b))
    assert 0 <= score <= 1
    assert score == similarity(name_keys(b), name_keys(a))
    if name_keys(a):
        assert similarity(name_keys(a), name_keys(a)) == 1


def test_parts_that_one_side_lacks_are_left_out():
    # "J" has no word and no sound: only the whole names count, and they are the same.
    assert similarity(name_keys("J"), name_keys("j")) == 1
    assert similarity(name_keys("J"), name_keys("Jon")) == 0
    # Cyrillic has no phonetic keys: the same words score in full against a mixed alias set.
    person = name_keys("Иван Петров") | name_keys("Ivan Petrov")
    assert similarity(person, name_keys("Иван Петров")) == 1


def test_empty_sets_score_zero():
    assert similarity(set(), set()) == 0
    assert similarity(set(), name_keys("Ana")) == 0
