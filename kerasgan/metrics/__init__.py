"""Evaluation metrics of generative models.

* `kerasgan.metrics.distances`: FID, KID, Inception score, improved
  precision/recall, density/coverage -- pure numpy functions on feature arrays.
* `kerasgan.metrics.features`: feature extractors behind one interface -- the
  project's domain nets (`"digits-net"`, `"mnist-net"`) and InceptionV3.
* `kerasgan.metrics.streaming`: `keras.metrics.Metric` versions accumulating
  features batch by batch in float64, and `FeatureStatistics`.
* `kerasgan.metrics.quality`: cached reference sets and one report of every
  metric with its protocol (`sample_quality`, `evaluate_generator_quality`).
* `kerasgan.metrics.conditional`: intra-class FID and the Classification
  Accuracy Score (CAS) of class-conditional generators.
* `kerasgan.metrics.mixture`: the 2-D mode-collapse benchmark (modes captured,
  high-quality samples, reverse KL, spread) of PacGAN / VEEGAN.
* `kerasgan.metrics.stacked`: the Stacked MNIST mode metric (modes of 1,000
  digit triples, KL from uniform; Metz et al., VEEGAN, PacGAN) and its
  real-data floor.
* `kerasgan.metrics.registry`: `METRICS`, the metrics of the evaluation report,
  each registered where it is defined with `register_metric(name, label=...,
  kinds=...)`; `report_columns(kind)` lists their columns.
* `kerasgan.metrics.report`: `evaluate_gan(gan, dataset)`, the evaluation
  report, by the dataset's kind (`kerasgan.data.dataset_info`).

Feature extractors are registered in `EXTRACTORS` (`register_extractor`).

Example:
>>> import numpy as np
>>> from kerasgan import metrics
>>> x = np.random.default_rng(0).normal(size=(500, 8))
>>> round(metrics.frechet_distance(x, x), 6)
0.0
"""

from kerasgan.metrics.distances import (
    DensityCoverage,
    InceptionScore,
    KernelDistance,
    PrecisionRecall,
    density_coverage,
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
    inception_score,
    kernel_distance,
    precision_recall,
)
from kerasgan.metrics.registry import (
    METRICS,
    MetricInputs,
    compute_metrics,
    format_cell,
    metric_labels,
    register_metric,
    report_columns,
)
from kerasgan.metrics.features import (
    EXTRACTORS,
    ExtractedFeatures,
    FeatureExtractor,
    default_extractor_name,
    get_extractor,
    inception_v3,
    load_feature_net,
    register_extractor,
)
from kerasgan.metrics.conditional import (
    classification_accuracy_score,
    conditional_metrics,
    intra_class_fid,
)
from kerasgan.metrics.mixture import (
    DEFAULT_NUM_SAMPLES,
    DEFAULT_THRESHOLD,
    evaluate_generator,
    mixture_metrics,
    nearest_modes,
)
from kerasgan.metrics.quality import (
    ReferenceSet,
    default_protocol,
    evaluate_generator_quality,
    metric_label,
    reference_set,
    sample_quality,
)
from kerasgan.metrics.report import default_protocol_extractor, evaluate_gan
from kerasgan.metrics.stacked import (
    digit_classifier_fn,
    evaluate_stacked_mnist,
    mode_statistics,
    stacked_mnist_floor,
    stacked_mnist_labels,
    stacked_mnist_modes,
)
from kerasgan.metrics.streaming import (
    FeatureStatistics,
    FrechetDistanceMetric,
    InceptionScoreMetric,
    KernelDistanceMetric,
    PrecisionRecallMetric,
)

__all__ = [
    "METRICS",
    "MetricInputs",
    "compute_metrics",
    "default_protocol_extractor",
    "evaluate_gan",
    "format_cell",
    "metric_labels",
    "register_extractor",
    "register_metric",
    "report_columns",
    "DEFAULT_NUM_SAMPLES",
    "DEFAULT_THRESHOLD",
    "DensityCoverage",
    "classification_accuracy_score",
    "conditional_metrics",
    "intra_class_fid",
    "EXTRACTORS",
    "ExtractedFeatures",
    "FeatureExtractor",
    "FeatureStatistics",
    "FrechetDistanceMetric",
    "InceptionScore",
    "InceptionScoreMetric",
    "KernelDistance",
    "KernelDistanceMetric",
    "PrecisionRecall",
    "PrecisionRecallMetric",
    "ReferenceSet",
    "default_extractor_name",
    "default_protocol",
    "density_coverage",
    "digit_classifier_fn",
    "evaluate_generator",
    "evaluate_generator_quality",
    "evaluate_stacked_mnist",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "gaussian_statistics",
    "get_extractor",
    "inception_score",
    "inception_v3",
    "kernel_distance",
    "load_feature_net",
    "metric_label",
    "mixture_metrics",
    "mode_statistics",
    "nearest_modes",
    "precision_recall",
    "reference_set",
    "sample_quality",
    "stacked_mnist_floor",
    "stacked_mnist_labels",
    "stacked_mnist_modes",
]
