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


def unknown_name_error(kind, name, valid_names, limit=15):
    """Build a `ValueError` for an unknown `name` of the given `kind`.

    The message lists the valid names, the closest ones first; past `limit`
    names it says how many more there are.

    Example:
    >>> str(unknown_name_error("loss", "hinje", ["hinge", "minimax"]))
    "Unknown loss 'hinje'. Expected one of: 'hinge', 'minimax'."
    """
    ordered = closest_first(name, valid_names)
    shown = ", ".join(repr(v) for v in ordered[:limit])
    more = f" (and {len(ordered) - limit} more)" if len(ordered) > limit else ""
    return ValueError(f"Unknown {kind} {name!r}. Expected one of: {shown}{more}.")
