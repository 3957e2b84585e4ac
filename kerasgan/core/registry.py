"""`Registry`: a named table filled where each thing is defined.

kerasgan keeps no hand-written tables of its parts. A network builder, a GAN
variant, a loss, a regularizer, an augmentation, a dataset, a feature
extractor or a metric registers itself with a decorator next to its
definition; the CLI listings, the README tables, the zoo configs and the
evaluation report read the same registries.

Each registration carries metadata (keyword arguments of `register`), e.g. a
dataset's kind (`"points"`, `"images"`, `"image_pairs"`) or a net's role, so
that code asks the registry ("is this an image dataset?") instead of testing
names by prefix.

Example:
>>> activations = Registry("activation")
>>> @activations.register("double", kind="elementwise")
... def double(x):
...     return 2 * x
>>> activations.get("double")(3), activations.metadata("double")
(6, {'kind': 'elementwise'})
>>> activations.names(kind="elementwise")
['double']
>>> activations.get("dubble")
Traceback (most recent call last):
...
ValueError: Unknown activation 'dubble'. Expected one of: 'double'.
"""

import dataclasses

from kerasgan.core.naming import unknown_name_error

__all__ = ["Registry", "RegistryEntry"]


@dataclasses.dataclass(frozen=True)
class RegistryEntry:
    """One registered thing: its name, the object and its metadata.

    Example:
    >>> RegistryEntry("double", abs, {"kind": "elementwise"}).name
    'double'
    """

    name: str
    obj: object
    metadata: dict


class Registry:
    """A table of named objects of one kind, filled by `register` where each is defined.

    Args:
        kind: what the table holds, in words ("network builder"); used in the
            error for an unknown name.

    Registering a second, different object under a taken name is an error (two
    modules would silently shadow each other); re-registering the same object
    (a module imported twice, e.g. by a test harness) is allowed.

    Example:
    >>> nets = Registry("network builder")
    >>> _ = nets.add("identity", lambda x: x, role="generator")
    >>> "identity" in nets, len(nets), nets.metadata("identity")["role"]
    (True, 1, 'generator')
    """

    def __init__(self, kind):
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"A registry needs a non-empty kind; got {kind!r}.")
        self.kind = kind
        self._entries = {}

    def __repr__(self):
        return f"Registry({self.kind!r}, {len(self._entries)} entries)"

    def add(self, name, obj, **metadata):
        """Register `obj` under `name` with `metadata`; returns `obj`.

        Example:
        >>> r = Registry("thing"); r.add("one", 1)
        1
        >>> r.add("one", 2)
        Traceback (most recent call last):
        ...
        ValueError: A thing named 'one' is already registered (1); got another (2). Choose another name.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"A {self.kind} needs a non-empty string name; got {name!r}.")
        old = self._entries.get(name)
        if old is not None and not _same(old.obj, obj):
            raise ValueError(
                f"A {self.kind} named {name!r} is already registered ({old.obj!r}); got another "
                f"({obj!r}). Choose another name.")
        self._entries[name] = RegistryEntry(name, obj, dict(metadata))
        return obj

    def register(self, name=None, **metadata):
        """Decorator: register the decorated object under `name` (default: its `__name__`).

        Example:
        >>> losses = Registry("loss")
        >>> @losses.register()
        ... def hinge(x):
        ...     return x
        >>> losses.names()
        ['hinge']
        """

        def decorator(obj):
            self.add(name or obj.__name__, obj, **metadata)
            return obj

        return decorator

    def remove(self, name):
        """Unregister `name` (for tests that register a temporary entry).

        Example:
        >>> r = Registry("thing"); _ = r.add("one", 1); r.remove("one"); len(r)
        0
        """
        self.entry(name)
        del self._entries[name]

    def entry(self, name):
        """The `RegistryEntry` of `name`; an unknown name lists the known ones, closest first.

        Example:
        >>> r = Registry("thing"); _ = r.add("one", 1, size=3); r.entry("one").metadata
        {'size': 3}
        """
        if name not in self._entries:
            raise unknown_name_error(self.kind, name, self._entries)
        return self._entries[name]

    def get(self, name):
        """The object registered under `name`.

        Example:
        >>> r = Registry("thing"); _ = r.add("one", 1); r.get("one")
        1
        """
        return self.entry(name).obj

    def metadata(self, name):
        """The metadata registered with `name` (a copy).

        Example:
        >>> r = Registry("thing"); _ = r.add("one", 1, size=3); r.metadata("one")
        {'size': 3}
        """
        return dict(self.entry(name).metadata)

    def names(self, **where):
        """Registered names, sorted; keyword arguments keep those whose metadata match.

        A value may be a tuple / list / set of accepted values.

        Example:
        >>> r = Registry("thing")
        >>> _ = r.add("a", 1, kind="x"); _ = r.add("b", 2, kind="y"); _ = r.add("c", 3, kind="x")
        >>> r.names(), r.names(kind="x"), r.names(kind=("x", "y"))
        (['a', 'b', 'c'], ['a', 'c'], ['a', 'b', 'c'])
        """
        out = []
        for name, entry in self._entries.items():
            if all(_matches(entry.metadata.get(key), value) for key, value in where.items()):
                out.append(name)
        return sorted(out)

    def entries(self, **where):
        """The `RegistryEntry`s of `names(**where)`, in that order.

        Example:
        >>> r = Registry("thing"); _ = r.add("a", 1); [e.obj for e in r.entries()]
        [1]
        """
        return [self._entries[name] for name in self.names(**where)]

    def __getitem__(self, name):
        """`registry[name]` is `registry.get(name)` (the tables were dicts before).

        Example:
        >>> r = Registry("thing"); _ = r.add("one", 1); r["one"]
        1
        """
        return self.get(name)

    def items(self):
        """`(name, object)` pairs, sorted by name (as a dict's `items()`).

        Example:
        >>> r = Registry("thing"); _ = r.add("b", 2); _ = r.add("a", 1); r.items()
        [('a', 1), ('b', 2)]
        """
        return [(name, self._entries[name].obj) for name in self.names()]

    def __contains__(self, name):
        return name in self._entries

    def __iter__(self):
        return iter(self.names())

    def __len__(self):
        return len(self._entries)


def _matches(actual, wanted):
    if isinstance(wanted, (tuple, list, set, frozenset)):
        return actual in wanted
    return actual == wanted


def _same(a, b):
    if a is b:
        return True
    # A module imported twice under two names defines equal but distinct functions
    # and classes: the same qualified name counts as the same object.
    qualified = [(getattr(x, "__module__", None), getattr(x, "__qualname__", None)) for x in (a, b)]
    return None not in qualified[0] and qualified[0] == qualified[1]
