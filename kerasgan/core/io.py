"""Atomic file writing: nothing is ever left half-written."""

import contextlib
import hashlib
import json
import os
import shutil
import tempfile


def _read_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once at import (changing the umask later would race with other threads).
_UMASK = _read_umask()


def _fsync_path(path):
    """Flush a file's (or a directory's) data to disk."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if os.path.isdir(path) else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path, *, directory=False):
    """Yield a temporary path next to `path`; on success rename it onto `path`.

    On error the temporary file (or directory) is removed and `path` is left as
    it was. With `directory=True` the yielded path is a fresh empty directory
    name and an existing directory at `path` is replaced.

    Example:
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(path)
    # The temporary name ends with the final name, so writers that insist on an
    # extension (Keras' `.weights.h5`) accept it.
    if directory:
        tmp = tempfile.mkdtemp(prefix=".tmp.", suffix=f".{base}", dir=parent)
        os.rmdir(tmp)
    else:
        fd, tmp = tempfile.mkstemp(prefix=".tmp.", suffix=f".{base}", dir=parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual mode
    try:
        yield tmp
        if directory:
            old = None
            if os.path.exists(path):
                old = tempfile.mkdtemp(prefix=".old.", suffix=f".{base}", dir=parent)
                os.rmdir(old)
                os.replace(path, old)
            os.replace(tmp, path)
            if old:
                shutil.rmtree(old, ignore_errors=True)
        else:
            _fsync_path(tmp)  # the data is on disk before the name points at it
            os.replace(tmp, path)
        _fsync_path(parent)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json(path, data):
    """Write `data` as indented JSON, atomically.

    Example:
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> write_json(p, {"a": 1}); json.load(open(p))
    {'a': 1}
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")


def write_text(path, text):
    """Write `text` to `path`, atomically (cards, READMEs).

    Example:
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "card.md")
    >>> write_text(p, "# card"); open(p).read()
    '# card'
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write(text)


def sha256_of(path):
    """Hex sha256 of a file.

    Example:
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> sha256_of(f.name)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
