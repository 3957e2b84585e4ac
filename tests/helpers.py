"""Helpers shared by several test modules."""

import json
import os
import subprocess
import sys


def run_python(script, *, env=None, cwd=None, timeout=300):
    """Run `script` in a fresh Python process; return the last line it printed.

    The process fails the calling test (with the end of its stderr) unless it
    exits with status 0. `env` adds to (and overrides) this process's variables.
    """
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
                            cwd=cwd, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def run_python_json(script, **kwargs):
    """`run_python`, with the last line read as JSON."""
    return json.loads(run_python(script, **kwargs))
