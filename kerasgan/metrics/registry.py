"""`METRICS`: the metrics of the evaluation report, registered where they are defined.

A metric is a function of one argument, a `MetricInputs` (what the report has
measured: the generated samples or their features, the real ones, the
protocol's options), returning a number or a dict of numbers:

    @register_metric("mean_gap", label="mean gap", kinds=("images",))
    def mean_gap(inputs):
        return float(np.linalg.norm(inputs.real.features.mean(0) - inputs.fake.features.mean(0)))

Once its module is imported, `kerasgan.metrics.evaluate_gan` (and
`sample_quality`, `kerasgan evaluate`, zoo cards) computes it for every dataset
of the listed kinds and reports it under its name, with its label
("mean gap (digits-net)" for images: the label names the extractor), and
`report_columns(kind)` lists it after the built-in columns.

What `MetricInputs` holds by kind:

* `"images"`: `real` / `fake` are `ExtractedFeatures` (`.features` `[N, d]`,
  `.probs` `[N, K]`, float64) of the reference images and of the generated
  ones, in the features of `extractor`;
* `"points"`: `fake` the generated points, `real` as many points of the
  mixture (float64 `[N, 2]`), `mixture` its `MixtureSpec` (`centers`, `sigma`).

A metric returning a dict reports each key; `labels` names them (a key
without a label is reported but is no column).

Example:
>>> [name for name in METRICS.names() if "images" in METRICS.metadata(name)["kinds"]][:3]
['density_coverage', 'fid', 'inception_score']
>>> report_columns("points")
[('modes_captured', 'modes'), ('high_quality_percent', '% high quality'), ('reverse_kl', 'reverse KL'), ('spread', 'spread (×σ)')]
"""

import dataclasses
import itertools
import numbers

from kerasgan.core.registry import Registry

__all__ = ["METRICS", "MetricInputs", "compute_metrics", "format_cell", "register_metric",
           "report_columns"]

#: Metrics by name (metadata: `label`, `kinds`, `labels`, `columns`, `cells`, `order`).
METRICS = Registry("metric")

_ORDER = itertools.count()


@dataclasses.dataclass
class MetricInputs:
    """What a registered metric is computed from.

    Attributes:
        kind: the dataset kind (`"images"`, `"points"`).
        real: the real side: `ExtractedFeatures` of the reference images, or
            real points `[N, 2]`.
        fake: the generated side, likewise.
        options: the protocol's options (`kid_subsets`, `kid_subset_size`,
            `pr_k`, `dc_k`, `is_splits`, `seed` for images; `threshold` for points).
        extractor: the `FeatureExtractor` (images), else None.
        mixture: the `MixtureSpec` (points), else None.

    Example:
    >>> import numpy as np
    >>> inputs = MetricInputs("points", np.zeros((4, 2)), np.ones((4, 2)), {})
    >>> inputs.memo("twice", lambda: 2 * 2), inputs.memo("twice", lambda: 0)
    (4, 4)
    """

    kind: str
    real: object
    fake: object
    options: dict = dataclasses.field(default_factory=dict)
    extractor: object = None
    mixture: object = None
    _memo: dict = dataclasses.field(default_factory=dict, repr=False)

    def memo(self, key, compute):
        """`compute()` once per key: metrics sharing work (the mixture scores) reuse it.

        Example:
        >>> MetricInputs("points", None, None).memo("x", lambda: 1)
        1
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def register_metric(name, *, label, kinds, labels=None, columns=None, cells=None, order=None,
                    **metadata):
    """Decorator: register a report metric `fn(inputs: MetricInputs) -> number | dict`.

    Args:
        name: the report key of the metric's value (of its main value when it
            returns a dict).
        label: the column title ("FID"); image reports add the extractor,
            "FID (digits-net)".
        kinds: the dataset kinds it applies to (`"images"`, `"points"`).
        labels: `{key: label}` of every key a dict-returning metric reports as
            a column (default `{name: label}`).
        columns: the table columns: keys of `labels` (titled by their label),
            or `{key: title}` (default: every key of `labels`; `()`: none).
        cells: `{column key: fn(values) -> str}` writing a column's cell from
            the reported values (a dict of every key), e.g. precision and
            recall in one cell; a column without one shows its value with 4
            significant digits (`format_cell`).
        order: position among the columns (default: registration order).
        **metadata: anything else to record (e.g. `better="lower"`).

    Example:
    >>> import numpy as np
    >>> @register_metric("toy_gap", label="toy gap", kinds=("points",))
    ... def toy_gap(inputs):
    ...     return float(np.abs(inputs.real.mean(0) - inputs.fake.mean(0)).sum())
    >>> compute_metrics(MetricInputs("points", np.zeros((3, 2)), np.ones((3, 2))),
    ...                 names=["toy_gap"])
    {'toy_gap': 2.0}
    >>> METRICS.remove("toy_gap")
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    labels = dict(labels) if labels is not None else {name: label}
    if columns is None:
        columns = dict(labels)
    elif not isinstance(columns, dict):
        columns = {key: labels.get(key) for key in columns}
    unknown = sorted(set(columns) - set(labels)) + sorted(set(cells or {}) - set(columns))
    if unknown:
        raise ValueError(f"Metric {name!r}: columns and cells must name keys it reports "
                         f"({sorted(labels)}); got {unknown}.")

    def decorator(function):
        METRICS.add(name, function, label=label, kinds=kinds, labels=labels, columns=columns,
                    cells=dict(cells or {}), order=next(_ORDER) if order is None else order,
                    **metadata)
        return function

    return decorator


def _entries(kind):
    found = [e for e in METRICS.entries() if kind in e.metadata["kinds"]]
    return sorted(found, key=lambda e: (e.metadata["order"], e.name))


def compute_metrics(inputs, names=None):
    """Every registered metric that applies to `inputs.kind` (or those in `names`), in order.

    Returns `{key: value}`: a metric's number under its name, or each key of
    the dict it returns. Numbers come back as plain Python `float` / `int`.

    Example:
    >>> import numpy as np
    >>> from kerasgan.data import get_mixture
    >>> spec = get_mixture("ring8")
    >>> points = spec.sample(500, seed=0)
    >>> out = compute_metrics(MetricInputs("points", points, points, {}, mixture=spec))
    >>> out["modes_captured"], sorted(out)[:3]
    (8, ['high_quality', 'high_quality_percent', 'modes_captured'])
    """
    out = {}
    for entry in _entries(inputs.kind):
        if names is not None and entry.name not in names:
            continue
        value = entry.obj(inputs)
        values = value if isinstance(value, dict) else {entry.name: value}
        for key, v in values.items():
            out[key] = _plain(v)
    return out


def _plain(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def metric_labels(kind, extractor=None):
    """`{key: label}` of every registered metric of `kind`, labels naming `extractor` if given.

    Example:
    >>> metric_labels("images", "digits-net")["fid"]
    'FID (digits-net)'
    """
    out = {}
    for entry in _entries(kind):
        for key, label in entry.metadata["labels"].items():
            out[key] = f"{label} ({extractor})" if extractor else label
    return out


def report_columns(kind, extractor=None):
    """`[(key, label)]` of the registered metrics of a dataset kind, in a stable order.

    The order is the metrics' `order` (registration order by default: the
    built-in metrics first, then the user's). With `extractor`, labels name it
    ("FID (digits-net)"), as the report's `labels` do.

    Example:
    >>> report_columns("images")[:2]
    [('fid', 'FID'), ('kid', 'KID ×10³')]
    >>> report_columns("images", "mnist-net")[0]
    ('fid', 'FID (mnist-net)')
    """
    columns = []
    for entry in _entries(kind):
        for key, title in entry.metadata["columns"].items():
            columns.append((key, f"{title} ({extractor})" if extractor else title))
    return columns


def format_cell(key, values):
    """The table cell of column `key` from a report's `values` ("" when it was not measured).

    The cell is written by the registering metric's `cells` function, or is the
    value with 4 significant digits (an integer as it is).

    Example:
    >>> format_cell("precision", {"precision": 0.8412, "recall": 0.5})
    '0.84 / 0.50'
    >>> format_cell("reverse_kl", {"reverse_kl": 0.00846}), format_cell("fid", {})
    ('0.0085', '')
    """
    for entry in METRICS.entries():
        if key in entry.metadata["columns"]:
            cell = entry.metadata["cells"].get(key)
            if cell is not None:
                try:
                    return cell(values)
                except KeyError:
                    return ""
            break
    if key not in values:
        return ""
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    return str(value) if isinstance(value, numbers.Integral) else f"{value:.4g}"
