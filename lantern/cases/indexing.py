"""The keyed blind index of a case: what lets the list search by alias and the duplicate
check compare people without a single name in clear in the database.

Plain keys come from `matchkeys` (normalised words and phonetic forms of the alias) plus the
birth year, the language and the places; each is stored only as `keys.blind_digest(key)`.
"""

from dataclasses import dataclass
from typing import Any

from lantern.cases import matchkeys
from lantern.cases.keys import blind_digest
from lantern.cases.models import Case, CaseSearchKey
from lantern.cases.selectors import duplicate_candidates

# A candidate is shown when its name alone scores at least this (see `matchkeys.similarity`).
NAME_THRESHOLD = 0.3
MAX_CANDIDATES = 10
# A name that only sounds alike (no word in common) is shown when the birth year matches too.
SOUNDS_THRESHOLD = 0.15
# The kinds of name key, in the order of `matchkeys.WEIGHTS`.
_KINDS: tuple[frozenset[str], ...] = (
    frozenset({matchkeys.WHOLE}),
    frozenset({matchkeys.WORD}),
    frozenset({matchkeys.METAPHONE, matchkeys.SOUNDEX}),
)


def plain_keys(
    *, alias: str, birth_year: str, language: str, places: list[dict[str, str]]
) -> set[str]:
    keys = set(matchkeys.name_keys(alias)) if alias else set()
    if birth_year:
        keys.add(f"y:{birth_year}")
    if language:
        keys.add(f"l:{language}")
    for place in places:
        if place.get("county"):
            keys.add(f"c:{place['county']}")
        elif place.get("state"):
            keys.add(f"st:{place['state']}")
    return keys


def index_case(
    case: Case, *, alias: str, birth_year: str, language: str, places: list[dict[str, str]]
) -> None:
    """Replace the case's search keys (called inside the writing service's transaction)."""
    CaseSearchKey.objects.filter(case=case).delete()
    digests = {
        blind_digest(key)
        for key in plain_keys(alias=alias, birth_year=birth_year, language=language, places=places)
    }
    CaseSearchKey.objects.bulk_create(
        CaseSearchKey(case=case, organization_id=case.organization_id, digest=digest)
        for digest in sorted(digests)
    )


def alias_search_digests(text: str) -> tuple[str, ...]:
    """Digests for a list search: each word typed must be a word of the alias."""
    words = [word for word in matchkeys.normalise_name(text).split() if len(word) >= 2]
    return tuple(blind_digest(f"w:{word}") for word in dict.fromkeys(words))


@dataclass(frozen=True)
class Candidate:
    case_id: Any
    score: float
    reasons: tuple[str, ...]  # "name", "sounds alike", "birth year", "language", "place"


def name_score(query_keys: set[str], shared: set[str]) -> float:
    """How much of the typed name a case shares, in 0..1: per kind of key (whole name,
    words, sounds) the share of the typed keys the case also has, weighted as
    `matchkeys.WEIGHTS`. A kind the typed name has no keys of is left out.

    Only the typed side can be counted (the case's own keys are blind digests whose kind is
    not stored), so this is coverage of the typed name, not a symmetric similarity: it is
    what a person checks anyway, "does that case carry this name"."""
    total = weights = 0.0
    for weight, kind in zip(matchkeys.WEIGHTS, _KINDS, strict=True):
        typed = {k for k in query_keys if matchkeys.kind_of(k) in kind}
        if typed:
            total += weight * len(typed & shared) / len(typed)
            weights += weight
    return round(total / weights, 6) if weights else 0.0


def _extra_keys(birth_year: str, language: str, places: list[dict[str, str]]) -> dict[str, str]:
    extra: dict[str, str] = {}
    if birth_year:
        year = int(birth_year)
        for near in (year - 1, year, year + 1):
            extra[f"y:{near}"] = "birth year"
    if language:
        extra[f"l:{language}"] = "language"
    for place in places:
        if place.get("county"):
            extra[f"c:{place['county']}"] = "place"
        elif place.get("state"):
            extra[f"st:{place['state']}"] = "place"
    return extra


def find_duplicates(
    *,
    organization_id: Any,
    alias: str,
    birth_year: str,
    language: str,
    places: list[dict[str, str]],
    exclude_case_id: Any = None,
) -> list[Candidate]:
    """Cases of the organization that may be the same person, best first.

    Tolerant: accents, case, spacing and spelling that sounds alike match (phonetic keys),
    and a birth year one off counts. A case is shown when its name covers at least
    `NAME_THRESHOLD` of the typed one, or sounds alike (`SOUNDS_THRESHOLD`) and has the
    same birth year (give or take one); language and place only add weight. Two indexed
    lookups: the cases sharing a name key, then the other keys of those cases only. A
    person decides: nothing is merged automatically."""
    name_keys = set(matchkeys.name_keys(alias)) if alias else set()
    if not name_keys:
        return []
    name_digests = {blind_digest(key): key for key in name_keys}
    by_name = duplicate_candidates(organization_id, set(name_digests))
    if exclude_case_id is not None:
        by_name = {k: v for k, v in by_name.items() if str(k) != str(exclude_case_id)}
    if not by_name:
        return []
    extra = _extra_keys(birth_year, language, places)
    extra_digests = {blind_digest(key): key for key in extra}
    by_extra = (
        duplicate_candidates(organization_id, set(extra_digests), case_ids=set(by_name))
        if extra_digests
        else {}
    )
    candidates = []
    for case_id, digests in by_name.items():
        shared = {name_digests[d] for d in digests}
        score = name_score(name_keys, shared)
        shared_extra = {extra[extra_digests[d]] for d in by_extra.get(case_id, set())}
        same_year = "birth year" in shared_extra
        if score < NAME_THRESHOLD and not (score >= SOUNDS_THRESHOLD and same_year):
            continue
        spelled = any(matchkeys.kind_of(k) in (matchkeys.WHOLE, matchkeys.WORD) for k in shared)
        reasons = ["name" if spelled else "sounds alike", *sorted(shared_extra)]
        bonus = 0.2 * same_year + 0.1 * ("language" in shared_extra)
        bonus += 0.1 * ("place" in shared_extra)
        candidates.append(Candidate(case_id, round(score + bonus, 3), tuple(reasons)))
    candidates.sort(key=lambda c: (-c.score, str(c.case_id)))
    return candidates[:MAX_CANDIDATES]
