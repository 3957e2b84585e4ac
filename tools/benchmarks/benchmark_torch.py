"""The PyTorch baseline of the benchmark (`benchmark`): the same nets and the same step, eager, on CPU.

`convert_keras_model` turns a built Keras chain of Dense, Reshape, Conv2D,
Conv2DTranspose, BatchNormalization, ReLU / LeakyReLU / Activation and Flatten
layers (the unconditional DCGAN and MLP nets of `kerasgan.nets`) into a
`torch.nn.Sequential` **with the Keras weights copied**:

* images are NCHW in PyTorch and NHWC in Keras; kernels are transposed, and
  the flat features next to a `Reshape` / `Flatten` are kept in PyTorch's
  (C, H, W) order by permuting the adjacent Dense weights and BatchNorm
  parameters, so no transpose runs inside the nets;
* Keras' `"same"` padding (TensorFlow's, possibly one more pixel at the
  bottom/right) is reproduced exactly, with an explicit pad or crop where
  PyTorch's symmetric padding cannot express it;
* BatchNormalization keeps Keras' epsilon and momentum (PyTorch's
  `momentum = 1 - keras_momentum`).

`TorchGANStep` is the train step of a non-saturating GAN (BCE with logits,
Adam(2e-4, beta_1=0.5, epsilon=1e-7 as Keras), one discriminator update on a
real and a fake batch, then one generator update on fresh latents with the
discriminator's parameters frozen) -- the objective of the zoo's `nsgan`
entries and of the plain Keras baseline. PyTorch is an optional dependency
(`pip install -e ".[bench]"` in a checkout, or `pip install torch`); every function here raises an ImportError
that says so when it is missing.

The benchmark runs the PyTorch step in a worker process (`TorchWorker`):
PyTorch's optimizers import `torch._dynamo`, which loads Triton, and loading
Triton's LLVM after TensorFlow's in one process crashes it (segmentation
fault, torch 2.14 / TensorFlow 2.21). The worker imports torch first; it also
keeps the two frameworks' thread pools and memory apart. In-process use of
`TorchGANStep` works when torch (with `torch._dynamo`) is imported before
TensorFlow; `convert_keras_model` alone works in either order.

Example:
>>> from kerasgan.nets import dcgan_generator
>>> g = convert_keras_model(dcgan_generator(16, (28, 28, 1), base_filters=8))  # doctest: +SKIP
>>> import torch                                                               # doctest: +SKIP
>>> g(torch.zeros(2, 16)).shape                                                # doctest: +SKIP
torch.Size([2, 1, 28, 28])
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np

from benchmarks.common import PeakRSS, random_images, release_free_memory, rss_mib
from kerasgan.training import build_gan

__all__ = ["require_torch", "convert_keras_model", "TorchGANStep", "TorchWorker", "nhwc_to_nchw"]

_MISSING = ("PyTorch is needed for the PyTorch baseline of the benchmark; install it with "
            "`pip install -e \".[bench]\"` (or `pip install torch`), or run the benchmark "
            "with --no-torch.")


def require_torch():
    """Import and return `torch`, or raise an ImportError saying how to install it.

    Also sets PyTorch's intra-op threads to `os.cpu_count()`.

    Example:
    >>> torch = require_torch()  # doctest: +SKIP
    >>> torch.get_num_threads() == os.cpu_count()  # doctest: +SKIP
    True
    """
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"{_MISSING} ({error})") from None
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def nhwc_to_nchw(images):
    """A numpy NHWC batch as a contiguous float32 NCHW torch tensor.

    Example:
    >>> nhwc_to_nchw(np.zeros((2, 28, 28, 1))).shape  # doctest: +SKIP
    torch.Size([2, 1, 28, 28])
    """
    torch = require_torch()
    return torch.from_numpy(np.ascontiguousarray(
        np.asarray(images, np.float32).transpose(0, 3, 1, 2)))


def _same_padding(size, kernel, stride):
    """TensorFlow's "same" padding of a convolution: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _chw_order(h, w, c):
    """perm[i] = Keras (H, W, C) flat index of PyTorch's (C, H, W) flat position i."""
    return np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).ravel()


def _activation_module(nn, name, where):
    table = {"linear": None, "relu": nn.ReLU(), "tanh": nn.Tanh(), "sigmoid": nn.Sigmoid()}
    if name not in table:
        raise ValueError(f"{where}: activation {name!r} is not converted "
                         f"(supported: {sorted(table)}).")
    return table[name]


def _activation_name(activation):
    name = keras.activations.serialize(activation)
    return name if isinstance(name, str) else name.get("config", name.get("class_name"))


def _chain(model):
    """The model's layers without the input layer, checked to form one chain."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"{model.name!r} has {len(model.inputs)} inputs and "
                         f"{len(model.outputs)} outputs; only single-input chains (unconditional "
                         "nets) are converted.")
    previous = model.inputs[0]
    for layer in layers:
        try:
            source = layer.input
        except (AttributeError, ValueError):
            source = None
        if source is not previous:
            raise ValueError(f"{model.name!r} is not a chain of layers at {layer.name!r} "
                             f"({type(layer).__name__}); only sequential nets are converted.")
        previous = layer.output
    return layers


def convert_keras_model(model):
    """A `torch.nn.Sequential` computing what the built Keras chain `model` computes.

    Weights (and BatchNorm moving statistics) are copied. Image tensors are
    NCHW on the PyTorch side: a generator returns `[B, C, H, W]`, a
    discriminator takes `[B, C, H, W]` (see `nhwc_to_nchw`); flat tensors are
    the same as in Keras. Raises ValueError naming the first layer that is not
    supported (e.g. `SpectralNormalization`, `Embedding`: conditional and SN
    nets are not converted).

    Example:
    >>> from kerasgan.nets import dcgan_discriminator
    >>> d = dcgan_discriminator((28, 28, 1), base_filters=8)
    >>> torch_d = convert_keras_model(d)                   # doctest: +SKIP
    >>> x = np.zeros((2, 28, 28, 1), np.float32)
    >>> torch_d(nhwc_to_nchw(x)).detach().numpy().shape    # doctest: +SKIP
    (2, 1)
    """
    torch = require_torch()
    nn = torch.nn
    layers = _chain(model)
    shape = tuple(model.inputs[0].shape[1:])  # Keras shape without batch
    perm = None if len(shape) != 1 else np.arange(shape[0])  # flat feature order
    modules = []

    def tensor(array):
        return torch.from_numpy(np.ascontiguousarray(np.asarray(array, np.float32)))

    def output_order(index, units):
        """(C, H, W) order if a Reshape to (H, W, C) follows through elementwise layers."""
        for later in layers[index + 1:]:
            if isinstance(later, keras.layers.Reshape):
                target = tuple(later.target_shape)
                if len(target) == 3 and int(np.prod(target)) == units:
                    return _chw_order(*target)
                return np.arange(units)
            if not isinstance(later, (keras.layers.BatchNormalization, keras.layers.ReLU,
                                      keras.layers.LeakyReLU, keras.layers.Activation)):
                break
        return np.arange(units)

    for index, layer in enumerate(layers):
        where = f"{model.name}/{layer.name} ({type(layer).__name__})"
        if type(layer) is keras.layers.Dense:
            if perm is None:
                raise ValueError(f"{where}: Dense on a non-flat input is not converted.")
            kernel = np.asarray(layer.kernel)
            units = kernel.shape[1]
            out = output_order(index, units)
            linear = nn.Linear(kernel.shape[0], units, bias=layer.use_bias)
            with torch.no_grad():
                linear.weight.copy_(tensor(kernel[perm][:, out].T))
                if layer.use_bias:
                    linear.bias.copy_(tensor(np.asarray(layer.bias)[out]))
            modules.append(linear)
            act = _activation_module(nn, _activation_name(layer.activation), where)
            modules += [act] if act is not None else []
            perm, shape = out, (units,)
        elif type(layer) is keras.layers.BatchNormalization:
            if layer.axis not in (-1, len(shape)) and layer.axis != [len(shape)]:
                raise ValueError(f"{where}: only channels-last batch normalization is converted.")
            width = shape[-1]
            bn = (nn.BatchNorm1d if len(shape) == 1 else nn.BatchNorm2d)(
                width, eps=layer.epsilon, momentum=1.0 - layer.momentum)
            order = perm if len(shape) == 1 else np.arange(width)
            with torch.no_grad():
                bn.weight.copy_(tensor(np.asarray(layer.gamma)[order]) if layer.scale
                                else torch.ones(width))
                bn.bias.copy_(tensor(np.asarray(layer.beta)[order]) if layer.center
                              else torch.zeros(width))
                bn.running_mean.copy_(tensor(np.asarray(layer.moving_mean)[order]))
                bn.running_var.copy_(tensor(np.asarray(layer.moving_variance)[order]))
            bn.weight.requires_grad_(bool(layer.scale))
            bn.bias.requires_grad_(bool(layer.center))
            modules.append(bn)
        elif type(layer) is keras.layers.ReLU:
            if (layer.max_value is not None or float(layer.negative_slope) != 0.0
                    or float(layer.threshold) != 0.0):
                raise ValueError(f"{where}: only the plain ReLU is converted.")
            modules.append(nn.ReLU())
        elif type(layer) is keras.layers.LeakyReLU:
            modules.append(nn.LeakyReLU(float(layer.negative_slope)))
        elif type(layer) is keras.layers.Activation:
            act = _activation_module(nn, _activation_name(layer.activation), where)
            modules += [act] if act is not None else []
        elif type(layer) is keras.layers.Reshape:
            target = tuple(layer.target_shape)
            if len(target) != 3 or perm is None or not np.array_equal(perm, _chw_order(*target)):
                raise ValueError(f"{where}: only a Dense -> Reshape((H, W, C)) is converted.")
            h, w, c = target
            modules.append(nn.Unflatten(1, (c, h, w)))
            perm, shape = None, target
        elif type(layer) is keras.layers.Flatten:
            if len(shape) != 3:
                raise ValueError(f"{where}: only Flatten of (H, W, C) feature maps is converted.")
            modules.append(nn.Flatten())
            perm, shape = _chw_order(*shape), (int(np.prod(shape)),)
        elif type(layer) in (keras.layers.Conv2D, keras.layers.Conv2DTranspose):
            modules += _convert_conv(torch, layer, shape, where, tensor)
            shape = tuple(layer.output.shape[1:])
            act = _activation_module(nn, _activation_name(layer.activation), where)
            modules += [act] if act is not None else []
        else:
            raise ValueError(f"{where}: layer type {type(layer).__name__} is not converted "
                             "(conditional and spectral-norm nets have no PyTorch baseline).")
    return nn.Sequential(*modules)


def _convert_conv(torch, layer, shape, where, tensor):
    nn = torch.nn
    if layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1) \
            or getattr(layer, "groups", 1) != 1:
        raise ValueError(f"{where}: only channels-last, undilated, ungrouped convolutions "
                         "are converted.")
    kernel = np.asarray(layer.kernel)  # Conv2D (kh, kw, in, out); transpose (kh, kw, out, in)
    kh, kw = kernel.shape[:2]
    sh, sw = layer.strides
    height, width = shape[:2]
    modules = []
    if type(layer) is keras.layers.Conv2D:
        cin, cout = kernel.shape[2], kernel.shape[3]
        pad_h = _same_padding(height, kh, sh) if layer.padding == "same" else (0, 0)
        pad_w = _same_padding(width, kw, sw) if layer.padding == "same" else (0, 0)
        symmetric = pad_h[0] == pad_h[1] and pad_w[0] == pad_w[1]
        if not symmetric:  # TensorFlow puts the odd pixel at the bottom / right
            modules.append(nn.ZeroPad2d((pad_w[0], pad_w[1], pad_h[0], pad_h[1])))
        conv = nn.Conv2d(cin, cout, (kh, kw), (sh, sw),
                         padding=(pad_h[0], pad_w[0]) if symmetric else 0, bias=layer.use_bias)
        modules.append(conv)
        weight = kernel.transpose(3, 2, 0, 1)  # -> (out, in, kh, kw)
    else:
        if getattr(layer, "output_padding", None) is not None:
            raise ValueError(f"{where}: output_padding is not converted.")
        cout, cin = kernel.shape[2], kernel.shape[3]
        out_h, out_w = (int(d) for d in layer.output.shape[1:3])
        # The full transposed convolution has (n - 1) * s + k pixels; TensorFlow keeps
        # `out` of them starting at floor(excess / 2), or pads zeros at the end.
        full_h, full_w = (height - 1) * sh + kh, (width - 1) * sw + kw
        excess_h, excess_w = max(full_h - out_h, 0), max(full_w - out_w, 0)
        top = excess_h // 2 if layer.padding == "same" else 0
        left = excess_w // 2 if layer.padding == "same" else 0
        symmetric = excess_h == 2 * top and excess_w == 2 * left
        if symmetric:
            conv = nn.ConvTranspose2d(
                cin, cout, (kh, kw), (sh, sw), padding=(top, left),
                output_padding=(max(out_h - full_h, 0), max(out_w - full_w, 0)),
                bias=layer.use_bias)
            modules.append(conv)
        else:
            conv = nn.ConvTranspose2d(cin, cout, (kh, kw), (sh, sw), bias=layer.use_bias)
            modules += [conv, _Crop(top, left, out_h, out_w)]
        weight = kernel.transpose(3, 2, 0, 1)  # (kh, kw, out, in) -> (in, out, kh, kw)
    with torch.no_grad():
        conv.weight.copy_(tensor(weight))
        if layer.use_bias:
            conv.bias.copy_(tensor(np.asarray(layer.bias)))
    return modules


def _crop_class():
    import torch

    class Crop(torch.nn.Module):
        """Keep rows [top, top + height) and columns [left, left + width) of NCHW maps."""

        def __init__(self, top, left, height, width):
            super().__init__()
            self.box = (top, left, height, width)

        def forward(self, x):
            top, left, height, width = self.box
            return x[:, :, top:top + height, left:left + width]

    return Crop


def _Crop(*args):
    return _crop_class()(*args)


class TorchGANStep:
    """The non-saturating GAN train step in eager PyTorch on converted nets.

    One `step(real)`: the discriminator update (BCE-with-logits on the real
    batch as 1 and a generated batch as 0, the fake made without gradient),
    then the generator update on fresh latents (BCE of D(G(z)) against 1,
    with the discriminator's parameters frozen so that only the generator's
    gradients are computed), each with its own Adam(2e-4, beta_1=0.5,
    epsilon=1e-7).

    Args:
        generator: a Keras generator (converted here) or a torch module
            from latents `[B, latent_dim]` to NCHW images.
        discriminator: a Keras discriminator or a torch module.
        latent_dim: size of z (inferred from a Keras generator).
        seed: `torch.manual_seed` of the latent draws.

    Example:
    >>> from kerasgan.nets import dcgan_generator, dcgan_discriminator
    >>> step = TorchGANStep(dcgan_generator(16, base_filters=8),
    ...                     dcgan_discriminator(base_filters=8))     # doctest: +SKIP
    >>> real = nhwc_to_nchw(np.zeros((4, 28, 28, 1)))               # doctest: +SKIP
    >>> sorted(step.step(real))                                     # doctest: +SKIP
    ['d_loss', 'g_loss']
    """

    def __init__(self, generator, discriminator, latent_dim=None, learning_rate=2e-4,
                 beta_1=0.5, seed=0):
        torch = require_torch()
        self.torch = torch
        if isinstance(generator, keras.Model):
            latent_dim = latent_dim or int(generator.inputs[0].shape[-1])
            generator = convert_keras_model(generator)
        if isinstance(discriminator, keras.Model):
            discriminator = convert_keras_model(discriminator)
        if latent_dim is None:
            raise ValueError("latent_dim is needed with a torch generator.")
        torch.manual_seed(seed)
        self.generator, self.discriminator = generator.train(), discriminator.train()
        self.latent_dim = int(latent_dim)
        adam = dict(lr=learning_rate, betas=(beta_1, 0.999), eps=1e-7)
        self.g_optimizer = torch.optim.Adam(
            [p for p in generator.parameters() if p.requires_grad], **adam)
        self.d_optimizer = torch.optim.Adam(
            [p for p in discriminator.parameters() if p.requires_grad], **adam)
        self.loss = torch.nn.BCEWithLogitsLoss()
        self._targets = {}

    def _ones_zeros(self, batch):
        if batch not in self._targets:
            self._targets[batch] = (self.torch.ones(batch, 1), self.torch.zeros(batch, 1))
        return self._targets[batch]

    def step(self, real):
        """One discriminator update and one generator update on the NCHW batch `real`.

        Returns `{"d_loss": float, "g_loss": float}`.

        Example:
        >>> step.step(nhwc_to_nchw(images))["d_loss"] > 0  # doctest: +SKIP
        True
        """
        torch = self.torch
        batch = real.shape[0]
        ones, zeros = self._ones_zeros(batch)
        with torch.no_grad():
            fake = self.generator(torch.randn(batch, self.latent_dim))
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss = (self.loss(self.discriminator(real), ones)
                  + self.loss(self.discriminator(fake), zeros))
        d_loss.backward()
        self.d_optimizer.step()

        for p in self.discriminator.parameters():
            p.requires_grad_(False)
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss = self.loss(self.discriminator(self.generator(torch.randn(batch, self.latent_dim))),
                           ones)
        g_loss.backward()
        self.g_optimizer.step()
        for p in self.discriminator.parameters():
            p.requires_grad_(True)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def images_per_second(self, batches, steps=20, warmup=5):
        """Train-step images/s over `steps` steps after `warmup` ones, cycling `batches`.

        `batches` is a list of NCHW tensors of one batch size; the clock reads
        after the warm-up steps and after the last step (eager PyTorch on CPU
        is synchronous).

        Example:
        >>> step.images_per_second([nhwc_to_nchw(images)], steps=5, warmup=1)  # doctest: +SKIP
        1234.5
        """
        for i in range(warmup):
            self.step(batches[i % len(batches)])
        start = time.perf_counter()
        for i in range(steps):
            self.step(batches[(warmup + i) % len(batches)])
        elapsed = time.perf_counter() - start
        return steps * int(batches[0].shape[0]) / elapsed


# ----------------------------------------------------------------- worker
def torch_available():
    """True when `torch` can be imported (without importing it).

    Example:
    >>> isinstance(torch_available(), bool)
    True
    """
    return importlib.util.find_spec("torch") is not None


class TorchWorker:
    """A worker process timing `TorchGANStep` on a zoo entry's nets, for the benchmark.

    The worker imports torch before TensorFlow (see the module docstring),
    builds the entry's nets with `kerasgan.training.build_gan` (seed 0),
    converts them with their weights, and on each `run` times `steps` train
    steps after `warmup` ones on random images of the net's shape in memory
    (8 batches, cycled). Its peak memory is measured inside it the way
    `benchmark` measures the other settings (VmRSS sampled during
    the runs minus VmRSS just before the nets were built).

    Example:
    >>> from kerasgan import zoo
    >>> with TorchWorker() as worker:                                        # doctest: +SKIP
    ...     worker.build(zoo.get_entry("dcgan_digits").config, batch_size=64)
    ...     worker.run(steps=10, warmup=3)["images_per_second"] > 0
    True
    """

    _BOOT = ("import torch, torch._dynamo, torch.optim; "
             "from benchmarks.benchmark_torch import _worker_main; _worker_main()")

    def __init__(self):
        if not torch_available():
            raise ImportError(_MISSING)
        tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # holds benchmarks/
        root = os.path.dirname(tools)  # the repository: kerasgan, when it is not installed
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [tools, root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-c", self._BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True, env=env)

    def _request(self, **message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            self._stderr.seek(0)
            tail = self._stderr.read()[-2000:]
            raise RuntimeError(f"The PyTorch worker process ended (exit code "
                               f"{self.process.poll()}):\n{tail}")
        reply = json.loads(line)
        if "error" in reply:
            kind = ValueError if reply.get("kind") == "ValueError" else RuntimeError
            raise kind(reply["error"])
        return reply

    def build(self, config, batch_size, seed=0):
        """Build and convert the nets of `config` in the worker, with `batch_size` batches.

        Raises ValueError if the nets cannot be converted (e.g. spectral norm).

        Example:
        >>> worker.build(zoo.get_entry("dcgan_digits").config, batch_size=256)  # doctest: +SKIP
        {'rss_before_build_mib': 612.3}
        """
        return self._request(cmd="build", config=config, batch_size=int(batch_size),
                             seed=int(seed))

    def run(self, steps=20, warmup=5):
        """Time `steps` steps after `warmup`; returns `{"images_per_second", "peak_rss_mib"}`.

        Example:
        >>> worker.run(steps=20, warmup=5)["images_per_second"]  # doctest: +SKIP
        612.0
        """
        return self._request(cmd="run", steps=int(steps), warmup=int(warmup))

    def close(self):
        """Stop the worker process.

        Example:
        >>> worker.close()  # doctest: +SKIP
        """
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _worker_main():
    """The worker's loop: JSON requests on stdin, JSON replies on the original stdout."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed goes to stderr, not into the replies
    sys.stdout = sys.stderr
    require_torch()
    state = {}
    for line in sys.stdin:
        message = json.loads(line)
        try:
            if message["cmd"] == "quit":
                break
            if message["cmd"] == "build":
                state.clear()
                release_free_memory()
                baseline = rss_mib()
                keras.utils.set_random_seed(message["seed"])
                nets = build_gan(message["config"])
                step = TorchGANStep(nets.generator, nets.discriminator, nets.latent_dim,
                                    seed=message["seed"])
                batch = message["batch_size"]
                images = random_images(message["config"], batch)
                state.update(step=step, baseline=baseline, peak=baseline, batches=[
                    nhwc_to_nchw(images[i:i + batch]) for i in range(0, len(images), batch)])
                reply = {"rss_before_build_mib": baseline}
            elif message["cmd"] == "run":
                with PeakRSS() as monitor:
                    rate = state["step"].images_per_second(
                        state["batches"], steps=message["steps"], warmup=message["warmup"])
                state["peak"] = max(state["peak"], monitor.peak)
                reply = {"images_per_second": rate,
                         "peak_rss_mib": state["peak"] - state["baseline"]}
            else:
                raise ValueError(f"unknown command {message['cmd']!r}")
        except Exception as error:  # reported to the parent, which raises it
            reply = {"error": f"{error}", "kind": type(error).__name__}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
