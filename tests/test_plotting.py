"""Tests of kerasgan.plotting (numpy scatter pictures and atomic PNG files)."""

import doctest
import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgan import plotting
from kerasgan.data.mixtures import get_mixture
from kerasgan.plotting import (
    BACKGROUND_COLOR,
    MODE_FILL_COLOR,
    MODE_OUTLINE_COLOR,
    SAMPLE_COLOR,
    default_bounds,
    encode_png,
    save_png,
    scatter_image,
)

BOUNDS = (0.0, 10.0, 0.0, 10.0)  # with size 100: 0.1 data units per pixel


def _is(image, color):
    return np.all(image == np.asarray(color, np.uint8), axis=-1)


def _pixel(x, y, size=100, bounds=BOUNDS):
    """Independent pixel lookup: (row, column) of data point (x, y)."""
    xmin, xmax, ymin, ymax = bounds
    col = int((x - xmin) / (xmax - xmin) * size)
    row = size - 1 - int((y - ymin) / (ymax - ymin) * size)
    return row, col


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_shape_dtype_and_colours(name):
    spec = get_mixture(name)
    image = scatter_image(spec.sample(2500, seed=0), spec.centers, spec.sigma)
    assert image.shape == (256, 256, 3) and image.dtype == np.uint8
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    assert colours <= {BACKGROUND_COLOR, MODE_FILL_COLOR, MODE_OUTLINE_COLOR, SAMPLE_COLOR}
    assert _is(image, BACKGROUND_COLOR).mean() > 0.9  # mostly white
    assert _is(image, SAMPLE_COLOR).any()
    assert scatter_image(np.zeros((0, 2)), spec.centers, spec.sigma, size=64).shape == (64, 64, 3)


def test_sample_darkens_the_expected_pixel():
    image = scatter_image([[2.55, 7.35]], [[9.0, 1.0]], 0.1, size=100, bounds=BOUNDS, dot_size=1)
    row, col = _pixel(2.55, 7.35)
    assert (row, col) == (26, 25)
    dark = _is(image, SAMPLE_COLOR)
    assert dark[row, col]
    assert dark.sum() == 1
    assert image[row, col].astype(int).sum() < 300


def test_dot_size():
    image = scatter_image([[5.05, 5.05]], [[9.0, 1.0]], 0.1, size=100, bounds=BOUNDS, dot_size=2)
    rows, cols = np.nonzero(_is(image, SAMPLE_COLOR))
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(49, 50), (49, 51), (50, 50), (50, 51)]
    image = scatter_image([[5.05, 5.05]], [[9.0, 1.0]], 0.1, size=100, bounds=BOUNDS, dot_size=3)
    assert _is(image, SAMPLE_COLOR).sum() == 9
    assert _is(image, SAMPLE_COLOR)[48:51, 49:52].all()


def test_y_axis_points_up():
    image = scatter_image(
        [[5.0, 9.5], [5.0, 0.5], [0.5, 5.0]], [[9.0, 9.0]], 0.1,
        size=100, bounds=BOUNDS, dot_size=1,
    )
    rows, cols = np.nonzero(_is(image, SAMPLE_COLOR))
    pixels = set(zip(rows.tolist(), cols.tolist()))
    assert pixels == {(4, 50), (94, 50), (49, 5)}  # high y -> top rows; low x -> left


def test_mode_circles_drawn_around_the_centres():
    centers = [[3.0, 3.0], [7.0, 6.0]]
    sigma = 0.5  # 3σ circle radius 1.5 data units = 15 pixels
    image = scatter_image(np.zeros((0, 2)), centers, sigma, size=100, bounds=BOUNDS)
    outline = _is(image, MODE_OUTLINE_COLOR)
    fill = _is(image, MODE_FILL_COLOR)
    rows, cols = np.mgrid[0:100, 0:100]
    xs, ys = (cols + 0.5) / 10, 10 - (rows + 0.5) / 10  # pixel centres
    for cx, cy in centers:
        d = np.hypot(xs - cx, ys - cy)
        assert fill[d < 1.3].all()  # inside: filled
        # A one-pixel line: the pixel centres within half a pixel of the circle.
        assert outline[np.abs(d - 1.5) <= 0.049].all()
        assert not outline[(np.abs(d - 1.5) > 0.051) & (d < 2)].any()
        # ... in all four directions
        r, c = _pixel(cx, cy)
        for dr, dc in [(-15, 0), (15, 0), (0, -15), (0, 15)]:
            assert outline[r + dr - 1 : r + dr + 2, c + dc - 1 : c + dc + 2].any()
    far = np.min([np.hypot(xs - cx, ys - cy) for cx, cy in centers], axis=0) > 1.7
    assert _is(image, BACKGROUND_COLOR)[far].all()
    assert outline.sum() + fill.sum() > 2 * np.pi * 15**2 * 0.9


def test_tiny_circles_still_visible():
    spec = get_mixture("ring8")  # 3σ = 0.03, about 2.7 pixels at size 256
    image = scatter_image(np.zeros((0, 2)), spec.centers, spec.sigma)
    bounds = default_bounds(spec.centers, spec.sigma)
    for cx, cy in spec.centers:
        r, c = _pixel(cx, cy, 256, bounds)
        patch = image[max(r - 4, 0) : r + 5, max(c - 4, 0) : c + 5]
        assert (~_is(patch, BACKGROUND_COLOR)).sum() >= 9


def test_default_bounds():
    spec = get_mixture("ring8")
    assert default_bounds(spec.centers, spec.sigma) == pytest.approx((-1.4, 1.4, -1.4, 1.4))
    spec = get_mixture("grid25")
    # 8 wide, padded by 10 · 0.05 + 0.15 · 8 = 1.7.
    assert default_bounds(spec.centers, spec.sigma) == pytest.approx((-5.7, 5.7, -5.7, 5.7))
    # A non-square bounding box becomes a square around its middle.
    xmin, xmax, ymin, ymax = default_bounds([[0, 0], [4, 0]], 0.1)
    assert xmax - xmin == pytest.approx(ymax - ymin)
    assert (xmin + xmax) / 2 == pytest.approx(2) and (ymin + ymax) / 2 == pytest.approx(0)


def test_samples_outside_bounds_are_not_drawn_and_counted():
    samples = [[5.0, 5.0], [11.0, 5.0], [5.0, -0.1], [np.nan, 1.0], [np.inf, 1.0], [10.0, 10.0]]
    image, outside = scatter_image(
        samples, [[1.0, 1.0]], 0.1, size=100, bounds=BOUNDS, dot_size=1, return_num_outside=True
    )
    assert outside == 4
    rows, cols = np.nonzero(_is(image, SAMPLE_COLOR))
    # (10, 10) lies on the closed upper bounds: drawn in the top-right pixel.
    assert set(zip(rows.tolist(), cols.tolist())) == {(49, 50), (0, 99)}


def test_far_samples_default_bounds():
    spec = get_mixture("grid25")
    image, outside = scatter_image(
        np.full((10, 2), 100.0), spec.centers, spec.sigma, return_num_outside=True
    )
    assert outside == 10 and not _is(image, SAMPLE_COLOR).any()


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"samples must .* shape \[N, 2\]; got shape \(4, 3\)"):
        scatter_image(np.zeros((4, 3)), [[0, 0]], 1.0)
    with pytest.raises(ValueError, match=r"sigma must be a positive finite number; got 0.0"):
        scatter_image(np.zeros((4, 2)), [[0, 0]], 0.0)
    with pytest.raises(ValueError, match=r"xmin < xmax"):
        scatter_image(np.zeros((4, 2)), [[0, 0]], 1.0, bounds=(1, 0, 0, 1))
    with pytest.raises(ValueError, match=r"four numbers"):
        scatter_image(np.zeros((4, 2)), [[0, 0]], 1.0, bounds=(0, 1))
    with pytest.raises(ValueError, match=r"size must be"):
        scatter_image(np.zeros((4, 2)), [[0, 0]], 1.0, size=0)


def test_png_round_trip():
    spec = get_mixture("grid25")
    image = scatter_image(spec.sample(500, seed=1), spec.centers, spec.sigma, size=128)
    data = encode_png(image)
    assert isinstance(data, bytes) and data[:8] == b"\x89PNG\r\n\x1a\n"
    decoded = tf.io.decode_png(data, channels=3).numpy()
    np.testing.assert_array_equal(decoded, image)


def test_encode_png_validates():
    with pytest.raises(ValueError, match=r"uint8.*got shape \(4, 4, 3\) and dtype float32"):
        encode_png(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"got shape \(4, 4, 2\)"):
        encode_png(np.zeros((4, 4, 2), np.uint8))
    gray = tf.io.decode_png(encode_png(np.full((3, 5), 7, np.uint8))).numpy()
    assert gray.shape == (3, 5, 1) and (gray == 7).all()


def test_save_png_is_atomic_and_replaces(tmp_path):
    image = np.zeros((8, 8, 3), np.uint8)
    path = tmp_path / "samples.png"
    assert save_png(image, path) == str(path)
    assert os.listdir(tmp_path) == ["samples.png"]
    np.testing.assert_array_equal(tf.io.decode_png(path.read_bytes()).numpy(), image)
    assert os.stat(path).st_mode & 0o777 == 0o644

    # Overwrite: the new content replaces the old one, no temporary file remains.
    image2 = np.full((8, 8, 3), 200, np.uint8)
    save_png(image2, str(path))
    assert os.listdir(tmp_path) == ["samples.png"]
    np.testing.assert_array_equal(tf.io.decode_png(path.read_bytes()).numpy(), image2)


def test_save_png_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "samples.png"
    save_png(np.zeros((4, 4, 3), np.uint8), path)
    old = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(plotting.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        save_png(np.full((4, 4, 3), 9, np.uint8), path)
    assert os.listdir(tmp_path) == ["samples.png"]
    assert path.read_bytes() == old

    # An invalid image fails before anything is written.
    with pytest.raises(ValueError):
        save_png(np.zeros((4, 4), np.float32), tmp_path / "other.png")
    assert os.listdir(tmp_path) == ["samples.png"]


def test_doctests():
    result = doctest.testmod(plotting)
    assert result.attempted > 0 and result.failed == 0
