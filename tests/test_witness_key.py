"""The witness key as generate_key writes it is read without cryptography's parser of every key
format (a `warroom log` signs one head: issue 16); any other spelling still goes to that parser."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT
from warroom import witness

READ_KEY = """
import json, sys
from pathlib import Path
from warroom.witness import Witness, _public_key
root = Path(sys.argv[1])
w = Witness(root / "w.log", root / "warroom.key", root / "warroom.pub")
signature = w.signer().sign(b"head")
loaded = "cryptography.hazmat.primitives.serialization" in sys.modules
_public_key(root / "warroom.pub", ValueError).verify(signature, b"head")  # raises unless it is warroom.pub's pair
print(json.dumps(loaded))
"""


def _read(root) -> bool:
    done = subprocess.run([sys.executable, "-c", READ_KEY, str(root)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_generated_key_signs_without_the_parser_of_every_format(tmp_path):
    witness.generate_key(tmp_path / "warroom.key", tmp_path / "warroom.pub")
    assert _read(tmp_path) is False


def test_a_key_spelt_otherwise_is_still_read_and_a_wrong_one_refused(tmp_path):
    witness.generate_key(tmp_path / "warroom.key", tmp_path / "warroom.pub")
    key = tmp_path / "warroom.key"
    key.write_bytes(key.read_bytes().replace(b"\n", b"\r\n"))  # edited on another system
    assert witness._ed25519_seed(key.read_bytes()) is None
    assert _read(tmp_path) is True  # the full parser read it, and it is still warroom.pub's pair
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    key.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    assert witness._ed25519_seed(key.read_bytes()) is None
    w = witness.Witness(tmp_path / "w.log", key, tmp_path / "warroom.pub")
    try:
        w.signer()
    except witness.WitnessProblem as exc:
        assert "not an Ed25519 key" in str(exc)
    else:
        raise AssertionError("an EC key was taken for the witness key")


def _seqs(path) -> list[int]:
    return [json.loads(line)["seq"] for line in path.read_text().splitlines()]


def test_a_process_that_skips_reading_its_own_last_line_still_sees_another_writers(tmp_path):
    """The witness reads witness.log's tail only where someone else wrote since this process did:
    a newer head written by another process in between still covers an older one (no line for it),
    and a torn tail left by another is still cut before the next line."""
    witness.generate_key(tmp_path / "warroom.key", tmp_path / "warroom.pub")
    ours, theirs = (witness.Witness(tmp_path / "witness.log", tmp_path / "warroom.key", tmp_path / "warroom.pub") for _ in range(2))
    assert ours.record(5, "a" * 64, "2026-11-30T00:00:05Z")
    assert ours.record(6, "b" * 64, "2026-11-30T00:00:06Z")  # as it left it: appended without reading back
    assert theirs.record(8, "c" * 64, "2026-11-30T00:00:08Z")
    assert not ours.record(7, "d" * 64, "2026-11-30T00:00:07Z")  # covered by the other's newer head
    with (tmp_path / "witness.log").open("ab") as log:
        log.write(b'{"seq": 9, "hash": "torn')  # another writer cut short
    assert ours.record(10, "e" * 64, "2026-11-30T00:00:10Z")
    assert _seqs(tmp_path / "witness.log") == [5, 6, 8, 10]
