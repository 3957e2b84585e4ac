"""Atomic writes and hashing."""

import hashlib
import os

import pytest

from kerasgan.core.io import atomic_path, sha256_of, write_json


def test_atomic_file_replaces_only_on_success(tmp_path):
    target = tmp_path / "x.json"
    write_json(target, {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash")
    assert target.read_text().strip().startswith("{")
    assert os.listdir(tmp_path) == ["x.json"]


def test_temporary_name_keeps_the_extension(tmp_path):
    with atomic_path(tmp_path / "m.weights.h5") as tmp:
        assert tmp.endswith("m.weights.h5")
        open(tmp, "w").close()


def test_sha256_matches_hashlib(tmp_path):
    p = tmp_path / "blob"
    p.write_bytes(os.urandom(3 << 20))
    assert sha256_of(p) == hashlib.sha256(p.read_bytes()).hexdigest()


def test_write_text_replaces_atomically(tmp_path):
    from kerasgan.core.io import write_text

    path = tmp_path / "card.md"
    write_text(path, "old")
    write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["card.md"]  # no temporary file left
