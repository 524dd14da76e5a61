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
    and a birth year one off counts. Only candidates whose name matches at all are shown;
    the rest only add weight. A person decides: nothing is merged automatically."""
    name_keys = set(matchkeys.name_keys(alias)) if alias else set()
    if not name_keys:
        return []
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
    by_digest = {blind_digest(key): key for key in name_keys | set(extra)}
    found = duplicate_candidates(organization_id, set(by_digest))
    candidates = []
    for case_id, digests in found.items():
        if exclude_case_id is not None and str(case_id) == str(exclude_case_id):
            continue
        shared = {by_digest[d] for d in digests}
        name_score = matchkeys.similarity(name_keys, shared & name_keys)
        if name_score < NAME_THRESHOLD:
            continue
        reasons = ["name" if any(k.startswith("n:") for k in shared) else "sounds alike"]
        reasons += sorted({extra[k] for k in shared if k in extra})
        bonus = 0.2 * ("birth year" in reasons) + 0.1 * ("language" in reasons)
        bonus += 0.1 * ("place" in reasons)
        candidates.append(Candidate(case_id, round(name_score + bonus, 3), tuple(reasons)))
    candidates.sort(key=lambda c: -c.score)
    return candidates[:MAX_CANDIDATES]
