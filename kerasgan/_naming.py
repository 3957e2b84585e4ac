"""Helpers for looking names up in the project's tables with helpful errors."""

import difflib


def closest_first(name, valid_names):
    """Return `valid_names` sorted so that the ones closest to `name` come first.

    Closeness is difflib's similarity ratio; ties keep alphabetical order.

    Example:
    >>> closest_first("hinje", ["minimax", "hinge", "wasserstein"])[0]
    'hinge'
    """
    name = str(name).lower()
    return sorted(
        sorted(valid_names),
        key=lambda v: -difflib.SequenceMatcher(None, name, v.lower()).ratio(),
    )


def unknown_name_error(kind, name, valid_names):
    """Build a `ValueError` for an unknown `name` of the given `kind`.

    The message lists every valid name, the closest ones first.

    Example:
    >>> str(unknown_name_error("loss", "hinje", ["hinge", "minimax"]))
    "Unknown loss 'hinje'. Expected one of: 'hinge', 'minimax'."
    """
    ordered = ", ".join(repr(v) for v in closest_first(name, valid_names))
    return ValueError(f"Unknown {kind} {name!r}. Expected one of: {ordered}.")
