"""What the benchmark's settings share: memory sampling and the random input images.

`benchmark` (TensorFlow settings) and `benchmark_torch` (the PyTorch worker)
both import it, so neither imports the other's internals.

Example:
>>> rss_mib() > 0
True
"""

import ctypes
import gc
import math
import threading

import numpy as np

from kerasgan.training import build_gan


def rss_mib():
    """The process's resident set size (VmRSS) in MiB; NaN where /proc is missing.

    Example:
    >>> rss_mib() > 0
    True
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def release_free_memory():
    """Collect garbage and hand the C heap's free pages back to the OS (glibc `malloc_trim`).

    Called before each setting's "before" VmRSS, so that memory an earlier
    setting freed is counted again when the next setting needs it. A no-op
    where glibc is not available.

    Example:
    >>> release_free_memory()
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakRSS:
    """A context manager sampling VmRSS in a background thread; `.peak` is the highest, MiB.

    Example:
    >>> with PeakRSS() as monitor:
    ...     block = np.ones((64, 1024, 1024), np.uint8)  # 64 MiB
    >>> monitor.peak >= rss_mib() - 1
    True
    """

    def __init__(self, interval=0.005):
        self.interval = float(interval)
        self.peak = float("nan")
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib()) if not math.isnan(self.peak) else rss_mib()
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = rss_mib()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())
        return False


def random_images(config, batch_size, num_batches=8, seed=0):
    """`num_batches * batch_size` random samples of the entry's shape in [-1, 1] (float32).

    Example:
    >>> from kerasgan import zoo
    >>> random_images(zoo.get_entry("dcgan_digits").config, 4).shape
    (32, 28, 28, 1)
    """
    shape = tuple(build_gan(config).data_shape)
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (num_batches * batch_size, *shape)).astype(np.float32)
