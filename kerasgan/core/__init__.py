"""Leaf helpers of kerasgan, imported by every other layer and importing none of them.

- `kerasgan.core.registry`: `Registry`, the named tables that nets, variants,
  losses, regularizers, augmentations, datasets, feature extractors and metrics
  fill where they are defined.
- `kerasgan.core.images`: the one uint8 -> [-1, 1] conversion and range check.
- `kerasgan.core.seeds`: the one derivation of stateless per-step seeds.
- `kerasgan.core.io`: atomic writes and sha256 verification.
- `kerasgan.core.naming`, `kerasgan.core.validation`: error messages for
  unknown names and bad arguments.
"""
