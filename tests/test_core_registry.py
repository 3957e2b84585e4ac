"""kerasgan.core.registry: registration, lookup, metadata filters, name clashes."""

import pytest

from kerasgan.core.registry import Registry


def test_register_get_and_filter():
    r = Registry("widget")

    @r.register(kind="a")
    def first():
        return 1

    @r.register("second_name", kind="b")
    def second():
        return 2

    assert r.get("first")() == 1 and r.get("second_name")() == 2
    assert r.names() == ["first", "second_name"] == list(r)
    assert r.names(kind="b") == ["second_name"]
    assert r.names(kind=("a", "b")) == ["first", "second_name"]
    assert r.names(kind="c") == [] and r.names(missing="x") == []
    assert [e.name for e in r.entries(kind="a")] == ["first"]
    meta = r.metadata("first")
    meta["kind"] = "changed"  # a copy: the registry is unchanged
    assert r.metadata("first") == {"kind": "a"}


def test_unknown_name_lists_the_closest_first():
    r = Registry("widget")
    for name in ("alpha", "beta", "gamma"):
        r.add(name, object())
    with pytest.raises(ValueError, match=r"Unknown widget 'gama'\. Expected one of: 'gamma'"):
        r.get("gama")


def test_a_second_object_under_a_taken_name_is_refused_the_same_one_is_not():
    r = Registry("widget")
    obj = object()
    r.add("x", obj)
    r.add("x", obj)  # a module imported twice
    with pytest.raises(ValueError, match="already registered"):
        r.add("x", object())
    r.remove("x")
    assert "x" not in r and len(r) == 0
    with pytest.raises(ValueError, match="non-empty"):
        r.add("", obj)
