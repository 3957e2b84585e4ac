"""Every pretrained zoo entry computes bit for bit what it computed before the
package was restructured (digests recorded in tests/fixtures/ by
tests/output_digests.py before the first restructuring commit)."""

import json

import pytest

import output_digests

with open(output_digests.FIXTURE) as _f:
    RECORDED = json.load(_f)

CASES = [(kind, name) for kind, names in sorted(RECORDED.items()) for name in sorted(names)]


def test_every_pretrained_entry_has_a_recorded_digest():
    # A new pretrained entry must be added to the fixture (and an old one not lost).
    current = output_digests.pretrained_entries()
    assert {k: sorted(v) for k, v in current.items()} == {
        k: sorted(v) for k, v in RECORDED.items()}


@pytest.mark.parametrize("kind,name", CASES, ids=[f"{k}:{n}" for k, n in CASES])
def test_outputs_unchanged_bit_for_bit(kind, name):
    assert output_digests.DIGESTS[kind](name) == RECORDED[kind][name]
