"""The exported SavedModel: loads in plain TensorFlow in a fresh process, refuses bad input."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kerasgan.models import NSGAN
from kerasgan.nets import mlp_discriminator, mlp_generator


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(3)
    gan = NSGAN(mlp_generator(4, (2,), (16,)), mlp_discriminator((2,), (16,)), ema_decay=0.9)
    path = str(tmp_path_factory.mktemp("export") / "generator")
    gan.export(path)
    return gan, path


@pytest.mark.slow
def test_fresh_process_without_kerasgan_gives_the_same_samples(exported, tmp_path):
    gan, path = exported
    z = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    script = textwrap.dedent(
        f"""
        import json, sys
        import numpy as np, tensorflow as tf
        loaded = tf.saved_model.load({path!r})
        z = np.load({str(tmp_path / "z.npy")!r})
        out = {{
            "generate": loaded.generate(tf.constant(z))["samples"].numpy().tolist(),
            "serving": loaded.signatures["serving_default"](latents=tf.constant(z))["samples"].numpy().tolist(),
            "sample": loaded.sample(num=tf.constant(5), seed=tf.constant(11))["samples"].numpy().tolist(),
            "kerasgan_imported": "kerasgan" in sys.modules,
            "signatures": sorted(loaded.signatures.keys()),
        }}
        print(json.dumps(out))
        """
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300,
        cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["kerasgan_imported"] is False
    assert out["signatures"] == ["generate", "sample", "serving_default"]
    np.testing.assert_allclose(out["generate"], gan.generate(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["serving"], gan.generate(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["sample"], gan.generate(5, seed=11), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "latents, message",
    [
        (np.zeros((3, 5), "float32"), r"shape=\(None, 4\)"),  # TF's binding error lists the spec
        (np.zeros((4,), "float32"), r"shape=\(None, 4\)"),
        (np.zeros((3, 4), "float64"), r"Expected generate\(latents: float32\[None, 4\]\); got float64"),
    ],
)
def test_generate_refuses_wrong_shape_or_dtype(exported, latents, message):
    import tensorflow as tf

    loaded = tf.saved_model.load(exported[1])
    with pytest.raises(Exception, match=message):
        loaded.generate(latents)


@pytest.mark.parametrize(
    "latents, message",
    [
        (np.zeros((3, 5), "float32"), r"Expected generate\(latents: float32\[None, 4\]\); the given latents have a different width"),
        (np.zeros((4,), "float32"), r"Expected generate\(latents: float32\[None, 4\]\); the given latents are not 2-D"),
    ],
)
def test_serving_signature_checks_inside(exported, latents, message):
    import tensorflow as tf

    loaded = tf.saved_model.load(exported[1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded.signatures["serving_default"](latents=tf.constant(latents))


def test_sample_refuses_negative_num(exported):
    import tensorflow as tf

    loaded = tf.saved_model.load(exported[1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected sample\(num: int32 scalar >= 0"):
        loaded.sample(num=tf.constant(-1), seed=tf.constant(0))


def test_export_is_atomic(exported, tmp_path, monkeypatch):
    """A failing export leaves no directory behind and keeps an older export intact."""
    import keras

    gan, _ = exported
    target = tmp_path / "model"
    gan.export(str(target))
    before = sorted(os.listdir(target))

    def boom(self, path, **kwargs):  # writes part of a SavedModel, then fails
        os.makedirs(path)
        open(os.path.join(path, "saved_model.pb"), "w").close()
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(keras.export.ExportArchive()), "write_out", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        gan.export(str(target))
    assert sorted(os.listdir(target)) == before
    assert [p for p in os.listdir(tmp_path) if p.startswith(".tmp")] == []
