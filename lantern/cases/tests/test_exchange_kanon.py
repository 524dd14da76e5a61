"""k-anonymity by suppression (`kanon`): properties over generated records."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.cases import kanon

# Few distinct values per quasi-identifier, so generated sets have both large and small
# classes.
quasi = st.tuples(
    st.sampled_from(["18-24", "25-34", "35-44"]),
    st.sampled_from(["Feminine", "Masculine"]),
    st.sampled_from(["MX", "US", "GT"]),
    st.sampled_from(["ForcedLabour", "SexualExploitation", ""]),
    st.sampled_from(["17", "06", ""]),
    st.sampled_from([2025, 2026]),
)
# A record: its quasi-identifiers and something else that makes it itself.
records = st.lists(st.tuples(quasi, st.integers()), max_size=300)
ks = st.integers(min_value=kanon.MIN_K, max_value=40)


def _key(record: tuple[tuple, int]) -> tuple:
    return record[0]


@settings(max_examples=200, deadline=None)
@given(records, ks)
def test_every_class_released_has_at_least_k_records(rows, k):
    kept, _suppressed = kanon.suppress(rows, _key, k)
    sizes = Counter(_key(row) for row in kept)
    assert all(size >= k for size in sizes.values())


@settings(max_examples=200, deadline=None)
@given(records, ks)
def test_only_records_of_small_classes_are_missing(rows, k):
    kept, suppressed = kanon.suppress(rows, _key, k)
    input_sizes = Counter(_key(row) for row in rows)
    # The records kept are exactly those of classes with k or more, in their order.
    assert kept == [row for row in rows if input_sizes[_key(row)] >= k]
    assert suppressed == len(rows) - len(kept)
    assert suppressed == sum(size for size in input_sizes.values() if size < k)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(quasi, st.integers(min_value=0, max_value=50)), max_size=60), ks)
def test_counted_groups_decide_as_the_records_do(groups, k):
    """The export's path (groups counted in SQL, merged, then one decision per record) keeps
    the same records as suppressing the expanded list."""
    sizes = kanon.merge_counts(groups)
    expanded = [key for key, count in groups for _ in range(count)]
    kept, _ = kanon.suppress(expanded, lambda key: key, k)
    assert [key for key in expanded if kanon.keeps(sizes, key, k)] == kept


def test_a_class_of_exactly_k_is_kept_and_of_k_minus_one_is_not():
    rows = [("a",)] * 11 + [("b",)] * 10
    kept, suppressed = kanon.suppress(rows, lambda row: row, 11)
    assert kept == [("a",)] * 11
    assert suppressed == 10


@pytest.mark.parametrize("k", [0, 1, 5, 10, -11, True, 11.5])
def test_k_below_eleven_or_not_a_whole_number_is_refused(k):
    with pytest.raises(ValueError):
        kanon.check_k(k)
    with pytest.raises(ValueError):
        kanon.suppress([("a",)] * 20, lambda row: row, k)


def test_negative_group_counts_are_refused():
    with pytest.raises(ValueError):
        kanon.merge_counts([(("a",), -1)])
