"""Keys for the duplicate check: normalised and phonetic forms of a name, and their blinding.

Names are never stored in clear for matching. Each name or alias gives a set of *keys*
(`name_keys`): the whole normalised name, each word, and two phonetic codes of each word.
Every key is stored only as `blind(secret, key)`, an HMAC with a secret key, so the index can
be searched for equality but cannot be read, nor tested against guessed names without the
secret. `blind_keys` keeps each key's kind ("n", "w", "m", "s") in clear in front of the HMAC,
so that `similarity` scores blinded sets exactly as it scores clear ones.

What the blinded index still shows to someone who reads the table: how many words a name has,
and which records share a key (the point of the index). Phonetic keys are coarse (every
"Jon" and "John" share one), so a shared key means "look at these two", never "the same
person": a person compares the records before anything is merged or linked.
"""

import hashlib
import hmac
import re
import unicodedata
from typing import Final

import jellyfish

WHOLE: Final = "n"  # the whole normalised name
WORD: Final = "w"  # one word of 2+ characters
METAPHONE: Final = "m"  # jellyfish.metaphone of a word
SOUNDEX: Final = "s"  # jellyfish.soundex of a word

MIN_WORD: Final = 2  # single letters (initials) would match half the index
BLIND_HEX: Final = 32  # 128 bits of the HMAC-SHA256
MIN_SECRET_BYTES: Final = 16

# Weights of `similarity` (they sum to 1): a shared whole name counts most, then shared
# words, then shared sounds. Each part is an overlap in 0..1 (shared keys over the smaller
# set), so a name that is part of the other ("Maria" and "Maria Lopez") still scores its
# words and sounds in full.
WEIGHT_WHOLE: Final = 0.5
WEIGHT_WORDS: Final = 0.3
WEIGHT_PHONETIC: Final = 0.2
WEIGHTS: Final = (WEIGHT_WHOLE, WEIGHT_WORDS, WEIGHT_PHONETIC)

# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN: Final = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
# Letters, numbers, and the marks that are part of a letter rather than an accent on it
# (Devanagari vowel signs, for example: accents have a combining class and are dropped).
_KEPT: Final = "LNM"
# Apostrophes join ("O'Brien" is "obrien"); any other character that is not a letter or a
# digit separates words ("José-María" is "jose maria").
_APOSTROPHES: Final = re.compile("['\u2018\u2019\u02bc`\u00b4]")


def normalise_name(text: str) -> str:
    """Compatibility-decomposed, accents dropped, case-folded, letters and digits only, single
    spaces: "  José-María " -> "jose maria". Idempotent."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    # Case folding can produce new decomposable letters; decompose again before dropping marks.
    decomposed = unicodedata.normalize("NFKD", decomposed).translate(_LATIN)
    decomposed = _APOSTROPHES.sub("", decomposed)
    kept = [
        ch if unicodedata.category(ch)[0] in _KEPT else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    ]
    return " ".join("".join(kept).split())


def _phonetic(word: str) -> list[str]:
    """Metaphone and Soundex are built for Latin letters: other scripts get no phonetic key
    (their whole-name and word keys still match)."""
    if not (word.isascii() and word.isalpha()):
        return []
    keys = []
    if metaphone := jellyfish.metaphone(word):
        keys.append(f"{METAPHONE}:{metaphone}")
    if soundex := jellyfish.soundex(word):
        keys.append(f"{SOUNDEX}:{soundex}")
    return keys


def name_keys(text: str) -> set[str]:
    """The tolerant forms of one name or alias, each prefixed by its kind:
    "n:<whole>", "w:<word>", "m:<metaphone>", "s:<soundex>". Empty for a name with no letters
    or digits."""
    normal = normalise_name(text)
    if not normal:
        return set()
    keys = {f"{WHOLE}:{normal}"}
    for word in normal.split():
        if len(word) < MIN_WORD:
            continue
        keys.add(f"{WORD}:{word}")
        keys.update(_phonetic(word))
    return keys


def blind(key: bytes, value: str) -> str:
    """HMAC-SHA256 of the value under the secret key, as hex, cut to 32 characters.

    128 bits are plenty for an equality index: two different values share a blind value with
    a chance of about 1 in 2**64 even among 2**32 of them, and if they ever did, the
    collision would only add a candidate to a duplicate check that a person reviews; it can
    never merge records by itself. Shorter values keep the index small.
    """
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"the blinding key must have at least {MIN_SECRET_BYTES} bytes")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:BLIND_HEX]


def blind_keys(key: bytes, keys: set[str]) -> set[str]:
    """Each key blinded, its kind kept in front: "w:maria" -> "w:<32 hex>". The kind is part
    of what is blinded too, so a word and a whole name that are equal stay different."""
    return {f"{kind_of(k)}:{blind(key, k)}" for k in keys}


def kind_of(key: str) -> str:
    return key.partition(":")[0]


def _split(keys: set[str]) -> tuple[set[str], set[str], set[str]]:
    whole, words, sounds = set(), set(), set()
    for key in keys:
        kind = kind_of(key)
        if kind == WHOLE:
            whole.add(key)
        elif kind == WORD:
            words.add(key)
        elif kind in (METAPHONE, SOUNDEX):
            sounds.add(key)
    return whole, words, sounds


def similarity(a_keys: set[str], b_keys: set[str]) -> float:
    """A score in 0..1 for two key sets (clear or blinded; each may be the union of a
    person's name and aliases).

    Each part is an overlap (shared keys over the smaller set) of whole names, of words and of
    phonetic keys, weighted WEIGHT_WHOLE, WEIGHT_WORDS and WEIGHT_PHONETIC; a part that one
    side has no keys of (a name of single letters has no words; other scripts have no
    phonetic keys) is left out and the weights of the others count in full. The same name
    scores 1; names with nothing in common 0; names that only sound alike at most
    WEIGHT_PHONETIC when both have all three parts."""
    total = weights = 0.0
    for weight, a, b in zip(WEIGHTS, _split(a_keys), _split(b_keys), strict=True):
        if a and b:
            total += weight * len(a & b) / min(len(a), len(b))
            weights += weight
    return round(total / weights, 6) if weights else 0.0
