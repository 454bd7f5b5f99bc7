"""Values kept per process by the identity of what they were computed from."""
import numpy as np

from grader.checks.kept import Kept


def counted():
    calls = []
    return calls, lambda: calls.append(1) or len(calls)


def test_a_value_is_computed_once_per_object():
    kept, (calls, compute) = Kept(4), counted()
    a = np.zeros(3)
    assert kept.get((a,), compute) == 1
    assert kept.get((a,), compute) == 1
    assert len(calls) == 1


def test_equal_but_distinct_objects_get_their_own_value():
    kept, (calls, compute) = Kept(4), counted()
    a, b = np.zeros(3), np.zeros(3)
    assert kept.get((a,), compute) == 1
    assert kept.get((b,), compute) == 2


def test_the_key_separates_values_for_the_same_objects():
    kept, (calls, compute) = Kept(4), counted()
    a = np.zeros(3)
    assert kept.get((a,), compute, key="x") == 1
    assert kept.get((a,), compute, key="y") == 2
    assert kept.get((a,), compute, key="x") == 1


def test_a_none_key_is_computed_every_time():
    kept, (calls, compute) = Kept(4), counted()
    a = np.zeros(3)
    assert [kept.get((a,), compute, key=None) for _ in range(2)] == [1, 2]


def test_the_oldest_goes_past_the_size_and_held_objects_keep_their_ids():
    kept, (calls, compute) = Kept(2), counted()
    objs = [np.zeros(1) for _ in range(3)]
    for o in objs:
        kept.get((o,), compute)
    assert kept.get((objs[0],), compute) == 4       # pushed out: computed again
    assert kept.get((objs[2],), compute) == 3       # still kept


def test_an_object_at_a_reused_address_is_not_taken_for_the_kept_one():
    kept = Kept(4)
    a = object()
    kept._store[("", id(a))] = ((object(),), "stale")  # another object once at a's address
    assert kept.get((a,), lambda: "fresh") == "fresh"
