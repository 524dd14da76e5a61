"""k-anonymity by suppression: pure functions over quasi-identifier tuples.

A release is k-anonymous when every combination of quasi-identifiers it contains (an
*equivalence class*) is shared by at least k records, so no record can be told apart from
k - 1 others by what an outsider may already know (age band, gender, citizenship, ...).
Here the only remedy is suppression: a record whose class is smaller than k is left out and
counted. Nothing is generalised (the caller has already banded ages and cut dates).

The export counts classes in SQL first and streams the records afterwards, so the counting
and the decision are split: `merge_counts` folds counted groups into classes and `keeps`
answers for one record; `suppress` does both over a list, for tests and small sets.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

# The smallest k Lantern releases with: the issue asks for k >= 11.
MIN_K: Final = 11

QuasiKey = tuple[Hashable, ...]
T = TypeVar("T")


def check_k(k: int) -> int:
    """`k` itself, or ValueError when it is below `MIN_K`."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise ValueError(f"k must be a whole number of at least {MIN_K}")
    return k


def class_sizes(keys: Iterable[QuasiKey]) -> Counter[QuasiKey]:
    """How many records fall in each equivalence class."""
    return Counter(keys)


def merge_counts(groups: Iterable[tuple[QuasiKey, int]]) -> Counter[QuasiKey]:
    """Class sizes from counted groups whose keys may repeat once normalised (a GROUP BY
    over raw columns, then each group's key put in its released form)."""
    sizes: Counter[QuasiKey] = Counter()
    for key, count in groups:
        if count < 0:
            raise ValueError("a group cannot count fewer than no records")
        sizes[key] += count
    return sizes


def keeps(sizes: Mapping[QuasiKey, int], key: QuasiKey, k: int) -> bool:
    """Whether a record of class `key` may be released (its class has at least k records)."""
    return sizes.get(key, 0) >= k


def suppress(records: Sequence[T], key: Callable[[T], QuasiKey], k: int) -> tuple[list[T], int]:
    """The records whose class has at least `k` members, in their order, and the number left
    out. `k` must be at least `MIN_K`."""
    check_k(k)
    keys = [key(record) for record in records]
    sizes = class_sizes(keys)
    kept = [
        record for record, record_key in zip(records, keys, strict=True) if sizes[record_key] >= k
    ]
    return kept, len(records) - len(kept)
