"""The identity-keyed memo behind the footprint's parsed conditions and baselines."""

from __future__ import annotations

from configurator.plumbing.memo import IdentityMemo


class Model:
    """An object compared by identity only, like a compiled product model."""


def counting(memo: IdentityMemo[str]):
    computed: list[str] = []

    def get(objects: tuple[object, ...], key: str, *, generation: object = None) -> str:
        def compute() -> str:
            computed.append(key)
            return f"{key}-{len(computed)}"

        return memo.get(objects, key, compute, generation=generation)

    return get, computed


def test_a_value_is_computed_once_per_object_and_key():
    get, computed = counting(IdentityMemo[str](size=8))
    first, second = Model(), Model()
    assert get((first,), "a") == get((first,), "a") == "a-1"
    assert get((first,), "b") == "b-2"
    assert get((second,), "a") == "a-3"  # an equal key on another object is another entry
    assert computed == ["a", "b", "a"]


def test_an_entry_keeps_its_objects_so_their_ids_are_never_reused_while_it_is_kept():
    get, _ = counting(IdentityMemo[str](size=8))
    get((Model(),), "a")  # the only reference to this model is the memo's own
    # Each new model is another object, even where it would take a dropped one's address.
    assert [get((Model(),), "a") for _ in range(20)] == [f"a-{n}" for n in range(2, 22)]


def test_the_memo_starts_afresh_when_full_and_for_another_generation():
    memo = IdentityMemo[str](size=2)
    get, computed = counting(memo)
    model, old_factory, new_factory = Model(), object(), object()
    get((model,), "a", generation=old_factory)
    get((model,), "b", generation=old_factory)
    get((model,), "c", generation=old_factory)  # full: only "c" stays
    assert len(memo) == 1
    assert get((model,), "c", generation=old_factory) == "c-3"
    assert get((model,), "c", generation=new_factory) == "c-4"  # the old factory's entries dropped
    assert len(memo) == 1
    assert computed == ["a", "b", "c", "c"]
