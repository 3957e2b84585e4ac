"""Development-only benchmarks of kerasgan (not part of the installed package).

* `benchmark`: train-step images/s of zoo entries with and without XLA against
  a plain-Keras GAN step and PyTorch, peak memory, FLOP/s, SavedModel sampling,
  input-pipeline waiting (run by `tools/bench.py`);
* `benchmark_torch`: the PyTorch baseline (the same nets and step, eager, on CPU);
* `common`: what both share (memory sampling, random input images).

Put `tools/` on `sys.path` to import them: `from benchmarks import benchmark`.
"""
