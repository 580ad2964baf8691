"""The log's head, witnessed outside the database, signed with the home's Ed25519 key.

A hash chain cannot see its newest events cut off: the chain that is left is still a valid chain.
So after every committed write the new head (seq, hash) is appended to `witness.log` in the home,
signed, and sent to the system log where there is one. `verify` compares: a witnessed seq missing
from the database is truncation. The signature keeps a forger with file access from writing a
witness of their own; the system log keeps a copy out of their reach."""

from __future__ import annotations

import base64
import json
import os
import syslog
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from warroom.errors import LogAltered, WarroomError
from warroom.store.chain import canonical


def generate_key(key_path: Path, pub_path: Path, group_shared: bool) -> None:
    """A new key pair; the private half readable by the owner (and group) only, never overwritten."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640 if group_shared else 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    pub_path.write_bytes(public)


@dataclass(frozen=True)
class Entry:
    line: int
    seq: int
    hash: str
    at: str
    sig: bytes


def _signed_body(seq: int, hash_: str, at: str) -> bytes:
    return canonical({"seq": seq, "hash": hash_, "at": at}).encode("utf-8")


class Witness:
    def __init__(self, path: Path, key_path: Path, pub_path: Path, group_shared: bool = False):
        self.path, self.key_path, self.pub_path = path, key_path, pub_path
        self.mode = 0o640 if group_shared else 0o600

    @cached_property
    def _private(self) -> Ed25519PrivateKey:
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except FileNotFoundError:
            raise WarroomError(f"{self.key_path} is missing: this home cannot sign its witness (run warroom init on a new home)") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise WarroomError(f"{self.key_path} is not an Ed25519 key")
        return key

    @cached_property
    def _public(self) -> Ed25519PublicKey:
        try:
            key = serialization.load_pem_public_key(self.pub_path.read_bytes())
        except FileNotFoundError:
            raise LogAltered(f"{self.pub_path} is missing: the witness cannot be checked") from None
        except ValueError:
            raise LogAltered(f"{self.pub_path} is not a public key: the witness cannot be checked") from None
        if not isinstance(key, Ed25519PublicKey):
            raise LogAltered(f"{self.pub_path} is not an Ed25519 public key")
        return key

    def record(self, seq: int, hash_: str, at: str) -> None:
        signature = base64.b64encode(self._private.sign(_signed_body(seq, hash_, at))).decode("ascii")
        line = canonical({"seq": seq, "hash": hash_, "at": at, "sig": signature}) + "\n"
        # One write() on an O_APPEND file: lines from concurrent processes never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self.mode)
        try:
            os.write(fd, line.encode("ascii"))
        finally:
            os.close(fd)
        if os.path.exists("/dev/log"):
            syslog.openlog("warroom", syslog.LOG_PID, syslog.LOG_USER)
            syslog.syslog(syslog.LOG_INFO, f"log head home={self.path.parent} seq={seq} hash={hash_}")

    def check_signature(self, entry: Entry) -> None:
        try:
            self._public.verify(entry.sig, _signed_body(entry.seq, entry.hash, entry.at))
        except InvalidSignature:
            raise LogAltered(f"{self.path.name}:{entry.line}: witness record for seq {entry.seq} has a bad signature (forged or altered)") from None

    def entries(self) -> Iterator[Entry]:
        """Every witnessed head, in file order; LogAltered at the first unreadable line. Signatures
        are checked by check_signature, for the entries that decide (ed25519 costs ~50 µs each)."""
        if not self.path.exists():
            return
        with self.path.open("r", encoding="ascii", errors="replace") as lines:
            for number, text in enumerate(lines, start=1):
                where = f"{self.path.name}:{number}"
                try:
                    item = json.loads(text)
                    seq, hash_, at, sig = item["seq"], item["hash"], item["at"], base64.b64decode(item["sig"], validate=True)
                except (ValueError, KeyError, TypeError):
                    raise LogAltered(f"{where}: unreadable witness record (the witness file was altered)") from None
                if not (isinstance(seq, int) and isinstance(hash_, str) and isinstance(at, str)):
                    raise LogAltered(f"{where}: unreadable witness record (the witness file was altered)")
                yield Entry(number, seq, hash_, at, sig)
