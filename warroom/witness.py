"""The log's head, witnessed outside the database, signed with the home's Ed25519 key.

A hash chain cannot see its newest events cut off: the chain that is left is still a valid chain.
So the new head (seq, hash) is appended to `witness.log` in the home, signed, and sent to the
system log where there is one. `verify` compares: a witnessed seq missing from the database is
truncation. A witnessed head covers every event before it, so a head that could not be witnessed
is covered by the next one that is.

Who signs: the account that owns `warroom.key` (mode 0600). In a one-person home that is the
person, and every write witnesses its own head. In a group home it is the monitor's service
account: coordinators cannot read the key, so they cannot re-sign a witness after rewriting the
database; their processes leave the witnessing to the monitor, which witnesses each new head
within a second.

Witnessing happens after the commit, so it never undoes or fails a write: a problem (a missing or
unreadable key, a witness.log that cannot be written, a full disk) is logged as a warning on the
`warroom.witness` logger, which each face shows its own way."""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import pwd
import re
import stat
import syslog
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warroom import files
from warroom.errors import BadInput, InvalidFile, LogAltered, WarroomError
from warroom.i18n import _
from warroom.store.chain import canonical
from warroom.text import line as shown

if TYPE_CHECKING:  # cryptography is imported where a key is used: a coordinator's write that the monitor witnesses needs none
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

problems = logging.getLogger("warroom.witness")

LONGEST_LINE = 1024  # a witness line is ~230 bytes; a "torn" tail longer than this is no line of ours


class WitnessProblem(Exception):
    """Why a head could not be witnessed, in one line."""


def generate_key(key_path: Path, pub_path: Path) -> None:
    """A new key pair; the private half readable by its owner only (the account that signs), never overwritten."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    pub_path.write_bytes(public)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key given on the command line (kept off the host); BadInput naming it otherwise."""
    return _public_key(path, lambda why: BadInput(_("--key: {why}").format(why=why)))


def _public_key(path: Path, failure) -> Ed25519PublicKey:
    """The Ed25519 public key in `path`, or `failure(why)` raised, why said in a few words."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(_key_bytes(path))
    except InvalidFile as exc:
        raise failure(str(exc)) from None
    except (ValueError, UnsupportedAlgorithm):
        raise failure(_("{file} is not a PEM public key (like the home's warroom.pub)").format(file=shown(path))) from None
    if not isinstance(key, Ed25519PublicKey):
        raise failure(_("{file} is not an Ed25519 public key").format(file=shown(path)))
    return key


@dataclass(frozen=True)
class Entry:
    line: int
    seq: int
    hash: str
    at: str
    sig: bytes


@dataclass(frozen=True)
class Torn:
    """The last line, cut short by a write that could not finish (a full disk, a crash)."""

    name: str
    line: int

    def __str__(self) -> str:
        return _("{file}:{line}: torn last line (a write cut short, by a full disk or a crash); ignored, the next witnessed write removes it").format(
            file=self.name, line=self.line)


def _signed_body(seq: int, hash_: str, at: str) -> bytes:
    return _spelt(seq, hash_, at).encode("utf-8")


def _line(seq: int, hash_: str, at: str, signature: str) -> bytes:
    return (_spelt(seq, hash_, at, signature) + "\n").encode("ascii")


# Text that canonical JSON copies as it is: no quote, backslash or control character to escape.
_VERBATIM = re.compile(r'[^"\\\x00-\x1f]*\Z')


def _spelt(seq: int, hash_: str, at: str, signature: str | None = None) -> str:
    """canonical() of a witness record (keys sorted: at, hash, seq, sig), laid out directly when
    none of its texts needs escaping, which is every head warroom writes: json.dumps with sorted
    keys, twice a write, was a sixth of the witness's work beside the signature."""
    texts = (hash_, at) if signature is None else (hash_, at, signature)
    if type(seq) is not int or not all(type(t) is str and _VERBATIM.match(t) for t in texts):
        record: dict[str, object] = {"seq": seq, "hash": hash_, "at": at}
        if signature is not None:
            record["sig"] = signature
        return canonical(record)
    if signature is None:
        return f'{{"at":"{at}","hash":"{hash_}","seq":{seq}}}'
    return f'{{"at":"{at}","hash":"{hash_}","seq":{seq},"sig":"{signature}"}}'


def _parse(text: bytes | str, number: int) -> Entry | None:
    try:
        item = json.loads(text)
        seq, hash_, at, sig = item["seq"], item["hash"], item["at"], base64.b64decode(item["sig"], validate=True)
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(seq, int) and isinstance(hash_, str) and isinstance(at, str)):
        return None
    return Entry(number, seq, hash_, at, sig)


class Witness:
    def __init__(self, path: Path, key_path: Path, pub_path: Path, group_shared: bool = False, *, given_key: Path | None = None):
        self.path, self.key_path, self.pub_path = path, key_path, pub_path
        self._name = shown(path)  # as messages name it: worked out once, not at every write
        # Group-readable (verify), written by the key's owner only.
        self.mode = 0o640 if group_shared else 0o600
        self.given_key = given_key  # verify --key: a public key kept off the host, instead of warroom.pub
        self._signer: Ed25519PrivateKey | None = None
        self._public: Ed25519PublicKey | None = None
        self._last_problem: str | None = None
        self._covered = 0  # the newest seq this process knows witnessed: older heads need no line
        # witness.log as this process last left it (_left_as): while it is, `_covered` holds in it. A
        # restore (renamed over it, or copied into it) starts another file whose heads start again.
        self._left: tuple[int, ...] | None = None
        self.problem: str | None = None  # the newest problem, until a head is witnessed again

    # ── signing ────────────────────────────────────────────────────────────────────────────────

    def key_belongs_elsewhere(self) -> bool:
        """The key is another account's and this one may not read it: by design (the monitor's
        service account signs), not a problem."""
        try:
            info = self.key_path.stat()
        except OSError:
            return False
        return info.st_uid != os.geteuid() and not os.access(self.key_path, os.R_OK)

    def key_owner(self) -> str:
        try:
            uid = self.key_path.stat().st_uid
        except OSError:
            return "?"
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"

    def signer(self) -> Ed25519PrivateKey | None:
        """The private key; None when another account signs for this home; WitnessProblem when
        this account should sign and cannot."""
        if self._signer is not None:
            return self._signer
        name = shown(self.key_path)
        if not self.key_path.exists():
            raise WitnessProblem(_("{file} is missing, so the head cannot be signed").format(file=name))
        if not os.access(self.key_path, os.R_OK) and self.key_belongs_elsewhere():
            return None
        try:
            data = _key_bytes(self.key_path)
        except InvalidFile as exc:
            raise WitnessProblem(_("{problem}, so the head cannot be signed").format(problem=exc)) from None
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        seed = _ed25519_seed(data)
        if seed is not None:  # the layout generate_key writes: no need to load cryptography's every key format
            self._signer = Ed25519PrivateKey.from_private_bytes(seed)
            return self._signer
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import serialization

        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise WitnessProblem(_("{file} is not a private key, so the head cannot be signed").format(file=name)) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise WitnessProblem(_("{file} is not an Ed25519 key, so the head cannot be signed").format(file=name))
        self._signer = key
        return key

    def record(self, seq: int, hash_: str, at: str) -> bool:
        """Append the signed head as one whole line, or nothing; WitnessProblem says why not.
        False when another account signs for this home, or a head at least as new is witnessed."""
        if seq <= self._covered and self._same_file():
            return False
        key = self.signer()
        if key is None:
            return False
        signature = base64.b64encode(key.sign(_signed_body(seq, hash_, at))).decode("ascii")
        line = _line(seq, hash_, at, signature)
        name = self._name
        try:
            fd, created = self._open()
        except OSError as exc:
            raise WitnessProblem(_("{file} cannot be written ({error})").format(file=name, error=exc.strerror)) from None
        try:
            # One writer at a time, so that a line written in several pieces is never interleaved,
            # and a torn tail found here is no other writer's line in progress.
            try:
                files.lock_within(fd, 10, name)
            except WarroomError as exc:
                raise WitnessProblem(str(exc)) from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise WitnessProblem(_("{file} is not a regular file").format(file=name))
            left = self._as_left(fd)
            start, last = (left, None) if left is not None else self._tail(fd)
            if last is not None and last.seq >= seq and self._genuine(last, key.public_key()):
                self._cover(last.seq, fd)  # a newer head is witnessed already, and covers this one
                return False
            try:
                files.write_all(fd, line)
            except OSError as exc:
                try:
                    os.ftruncate(fd, start)  # whole lines or none: a half line would read as tampering
                except OSError:
                    pass  # verify reports what is left as a torn last line, and the next writer cuts it
                raise WitnessProblem(_("{file} cannot be written ({error})").format(file=name, error=exc.strerror)) from None
            self._cover(seq, fd)
        except OSError as exc:
            raise WitnessProblem(_("{file} cannot be written ({error})").format(file=name, error=exc.strerror)) from None
        finally:
            os.close(fd)
        if created and seq > 1:
            # Not a failure (this head is witnessed), but the proof of every earlier head is gone.
            problems.warning("%s was missing: a new one starts at seq %s, and the heads witnessed before it are gone from this host "
                             "(if it was deleted, restore it from a backup)", name, seq)
        if os.path.exists("/dev/log"):
            syslog.openlog("warroom", syslog.LOG_PID, syslog.LOG_USER)
            syslog.syslog(syslog.LOG_INFO, f"log head home={self.path.parent} seq={seq} hash={hash_}")
        return True

    def _cover(self, seq: int, fd: int) -> None:
        self._covered, self._left = seq, _left_as(os.fstat(fd))

    def _as_left(self, fd: int) -> int | None:
        """witness.log's length if it is the file, at the length, this process left it: nobody has
        written a line since (every writer appends, so the length grows), and its last line is the
        one this process wrote or read, whole, covering an older head than the one it is about to
        witness, so there is nothing to read back. None otherwise."""
        info = os.fstat(fd)
        return info.st_size if _left_as(info) == self._left else None

    def _same_file(self) -> bool:
        """Whether witness.log is as this process last left it: after a restore the log's seq
        numbers start again below what the old file saw, and the new file needs them. Anything
        else (another writer's line, a copy into the same file) is read to be known."""
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        return _left_as(info) == self._left

    def _open(self) -> tuple[int, bool]:
        """witness.log opened for appending, and whether this call created it. A link is followed
        (the witness may live on a volume of its own) but never created through (O_EXCL): a dangling
        one planted in the home would have us make a file where it points."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC | os.O_NONBLOCK
        try:
            return os.open(self.path, flags), False
        except FileNotFoundError:
            pass
        try:
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, self.mode), True
        except FileExistsError:  # another writer created it a moment ago
            return os.open(self.path, flags), False

    def _tail(self, fd: int) -> tuple[int, Entry | None]:
        """Where the next line begins (a torn tail cut off first), and the last line's record."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, None
        tail = os.pread(fd, min(size, 4 * LONGEST_LINE), size - min(size, 4 * LONGEST_LINE))
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n") + 1
            if len(tail) - cut > LONGEST_LINE:
                raise WitnessProblem(_("{file} ends in something that is no witness line: check it with warroom verify").format(file=shown(self.path)))
            os.ftruncate(fd, size - (len(tail) - cut))
            size, tail = size - (len(tail) - cut), tail[:cut]
        return size, _parse(tail[tail.rfind(b"\n", 0, len(tail) - 1) + 1 :], 0)

    @staticmethod
    def _genuine(entry: Entry, public: Ed25519PublicKey) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            public.verify(entry.sig, _signed_body(entry.seq, entry.hash, entry.at))
        except InvalidSignature:
            return False
        return True

    def record_or_warn(self, seq: int, hash_: str, at: str) -> None:
        """Witness a committed head; a problem becomes a warning (once, until it changes or heals),
        never an error: the event is recorded, and failing the command would invite a duplicate."""
        try:
            self.record(seq, hash_, at)
        except WitnessProblem as exc:
            self.problem = str(exc)
            if self.problem != self._last_problem:
                problems.warning("event %s is recorded, but not witnessed: %s (the next write witnesses it; see warroom doctor)", seq, exc)
            self._last_problem = self.problem
        else:
            self.problem = self._last_problem = None

    # ── checking ───────────────────────────────────────────────────────────────────────────────

    @property
    def public(self) -> Ed25519PublicKey:
        if self._public is None:
            self._public = load_public_key(self.given_key) if self.given_key else self._home_public()
        return self._public

    def _home_public(self) -> Ed25519PublicKey:
        if not self.pub_path.exists():
            raise LogAltered(_("{file} is missing: the witness cannot be checked").format(file=self.pub_path))
        return _public_key(self.pub_path, lambda why: LogAltered(_("{why}: the witness cannot be checked").format(why=why)))

    def check_home_key(self) -> None:
        """With --key: the home's own warroom.pub must be that key, or the home's key pair was replaced."""
        if self.given_key is None:
            return
        from cryptography.hazmat.primitives import serialization

        given = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        home = self._home_public().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if given != home:
            raise LogAltered(_("{file} is not the key {key}: the home's key pair was replaced").format(file=self.pub_path.name, key=shown(self.given_key)))

    def check_signature(self, entry: Entry) -> None:
        from cryptography.exceptions import InvalidSignature

        try:
            self.public.verify(entry.sig, _signed_body(entry.seq, entry.hash, entry.at))
        except InvalidSignature:
            if self.given_key:
                raise LogAltered(_("{file}:{line}: the witness record for seq {seq} is not signed by {key} (forged, or re-signed with another key)").format(
                    file=self.path.name, line=entry.line, seq=entry.seq, key=shown(self.given_key))) from None
            raise LogAltered(_("{file}:{line}: witness record for seq {seq} has a bad signature (forged or altered)").format(
                file=self.path.name, line=entry.line, seq=entry.seq)) from None

    def entries(self) -> Iterator[Entry | Torn]:
        """Every witnessed head, in file order; LogAltered at the first unreadable line. A last line
        cut short (no newline, no record) is yielded as Torn: an interrupted write, not tampering.
        Signatures are checked by check_signature, for the entries that decide (~50 µs each)."""
        with self.as_it_stands() as lines:
            yield from lines.entries()

    def as_it_stands(self) -> Lines:
        """witness.log as it stands now, read later: the lines whole at this moment and no later
        ones. verify takes this before its database snapshot, so that every line it reads witnesses
        an event committed before the snapshot: one a writer commits and witnesses meanwhile would
        otherwise read as witnessed but missing."""
        return Lines(self.path)


class Lines:
    """A witness file's lines up to the size it had when opened (see Witness.as_it_stands). A
    problem opening it is raised when the lines are read, in its turn among verify's findings."""

    def __init__(self, path: Path):
        self.name, self.fd, self.size, self.problem = path.name, None, 0, None
        if not path.exists():
            return
        try:  # non-blocking, and a regular file only: a FIFO planted here must not hang verify
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            self.problem = LogAltered(f"{self.name} cannot be read ({exc.strerror}): the witness cannot be checked")
            return
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self.problem = LogAltered(f"{self.name} is not a regular file: the witness cannot be checked")
            return
        os.set_blocking(fd, True)
        self.fd = fd
        try:  # measured under the writers' lock, so that no line is caught half written
            files.lock_within(fd, 2, shown(path))
        except WarroomError:
            pass  # a writer that hangs holding it: a line it left half written reads as torn, a warning
        self.size = os.fstat(fd).st_size
        fcntl.flock(fd, fcntl.LOCK_UN)

    def entries(self) -> Iterator[Entry | Torn]:
        if self.problem is not None:
            raise self.problem
        if self.fd is None:
            return
        read = 0
        os.lseek(self.fd, 0, os.SEEK_SET)  # the dup shares the offset: a second reading starts at the top too
        with os.fdopen(os.dup(self.fd), "rb") as lines:
            for number, text in enumerate(lines, start=1):
                if read >= self.size:
                    return  # written after this file was taken as it stood
                text = text[: self.size - read]
                read += len(text)
                entry = _parse(text, number)
                if entry is not None:
                    yield entry
                elif not text.endswith(b"\n") and len(text) <= LONGEST_LINE:
                    yield Torn(self.name, number)
                else:
                    raise LogAltered(_("{file}:{line}: unreadable witness record (the witness file was altered)").format(file=self.name, line=number))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _left_as(info: os.stat_result) -> tuple[int, ...]:
    """What tells a file as it was left: the same file (device, inode), length and times of change
    (a copy into it of another log as long as it does not keep them)."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


# DER of an unencrypted PKCS#8 Ed25519 private key up to its 32-byte seed (RFC 8410 §7): SEQUENCE,
# version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING holding the OCTET STRING of the seed.
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")


def _ed25519_seed(pem: bytes) -> bytes | None:
    """The seed of an Ed25519 private key written exactly as generate_key writes it (PEM, PKCS#8,
    unencrypted, nothing after the seed); None for any other spelling, which cryptography's own
    parser then reads (and refuses, saying why, when it is no such key). Loading that parser and
    every key format it knows took ~6 ms of a `warroom log`."""
    lines = pem.split(b"\n")
    if len(lines) != 4 or lines[0] != b"-----BEGIN PRIVATE KEY-----" or lines[2] != b"-----END PRIVATE KEY-----" or lines[3] != b"":
        return None
    try:
        der = base64.b64decode(lines[1], validate=True)
    except ValueError:
        return None
    return der[len(_PKCS8_ED25519):] if len(der) == 48 and der.startswith(_PKCS8_ED25519) else None


def _key_bytes(path: Path) -> bytes:
    """A PEM key file: a regular file of a few hundred bytes, read without hanging on a FIFO."""
    return files.read_bytes(path, shown(path), limit=64 * 1024, what="a key file")
