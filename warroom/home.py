"""A war-room home (DESIGN §5): where it is, what is in it, creating one and opening its database."""

from __future__ import annotations

import grp
import json
import os
import shlex
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from warroom import text
from warroom.errors import BadInput, DatabaseDamaged, WarroomError
from warroom.i18n import _

CONFIG = "warroom.toml"
DATABASE = "warroom.db"
WITNESS = "witness.log"
KEY, PUB = "warroom.key", "warroom.pub"
PLAYBOOKS = "playbooks"
PLAYBOOK_SCHEMA = "playbook.schema.json"
CONFIG_SCHEMA = "warroom.schema.json"


def default_root() -> Path:
    if os.environ.get("WARROOM_HOME"):
        return Path(os.environ["WARROOM_HOME"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("warroom", appauthor=False))


def bundled_playbooks(lang: str = "en") -> Path:
    """The example playbooks: inside the wheel when installed, the repository's playbooks/ otherwise.
    English ones at the top; each other language's in a folder of its name (`nl/`), with the same
    file names and ids, so a home, a drill or a script names a scenario the same in every language."""
    package = Path(__file__).parent
    for candidate in (package / "_bundled" / "playbooks", package.parent / "playbooks"):
        if candidate.is_dir():
            return candidate if lang == "en" else candidate / lang
    raise FileNotFoundError(_("the bundled playbooks are missing from this installation"))


def example_config(lang: str = "en") -> Path:
    """The example warroom.toml; another language's beside it in a folder of its name (same ids)."""
    examples = Path(__file__).parent / "examples"
    return examples / CONFIG if lang == "en" else examples / lang / CONFIG


_FOUND_SAFE: set[tuple[Path, str | None]] = set()  # homes this process checked and found safe


@dataclass(frozen=True)
class Home:
    root: Path
    db_url: str | None = None  # --db: another database than the home's own file

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG

    @property
    def playbooks_dir(self) -> Path:
        return self.root / PLAYBOOKS

    @property
    def db_path(self) -> Path:
        return self.root / DATABASE

    @property
    def url(self) -> str:
        return self.db_url if self.db_url is not None else f"sqlite:///{self.db_path}"  # --db '' is refused, not ignored

    @property
    def own_database(self) -> bool:
        """Whether the database is this home's own, whose writes the witness saw: its own file, or
        the PostgreSQL database the war-room shares across sites (each site's home witnesses it).
        Not a SQLite copy named with --db (a backup), which may be older than the witness."""
        if self.db_url is None:
            return True
        from warroom.store.engine import sqlite_path

        return sqlite_path(self.db_url) is None

    @property
    def group_shared(self) -> bool:
        return bool(self.root.stat().st_mode & stat.S_IRWXG)

    def witness(self, given_key: Path | None = None):
        from warroom.witness import Witness

        return Witness(self.root / WITNESS, self.root / KEY, self.root / PUB, self.group_shared, given_key=given_key)

    def require(self) -> Home:
        """This home, or BadInput: telling how to create one, or refusing one that others can change."""
        require_utf8(self.root)
        if not os.path.lexists(self.config_path):  # anything else there is named by the config's own reader
            shown = text.line(self.root, 200)  # a path is whatever was typed, 100 KB included
            raise BadInput(_("no war-room home at {path} (create one: warroom init {path})").format(path=shown))
        if (self.root, self.db_url) not in _FOUND_SAFE:  # a command asks several times; the files are walked once
            self.refuse_unsafe()
            _FOUND_SAFE.add((self.root, self.db_url))
        return self

    def unsafe(self) -> list[str]:
        """Each file or folder that decides what this home does or proves, and that anyone on the
        host may write to, as a one-line message with the chmod that fixes it (refuse_unsafe says
        that the home is refused for it).

        Anyone who can write warroom.toml can make themselves commander; playbooks decide what an
        incident asks; the key, warroom.pub and witness.log are the proof against truncation; the
        database is the log. A world-writable folder above the home lets anyone rename the home
        away and put their own in its place, unless it is sticky like /tmp. Modes only: files owned
        by other accounts are the administrator's choice (a group home is shared on purpose)."""
        found: list[str] = []

        def check(path: Path, sticky_ok: bool = False) -> None:
            try:
                mode = os.stat(path).st_mode
            except OSError:
                return  # missing, or not ours to look at: opening it says so
            if not (mode & stat.S_IWOTH) or (sticky_ok and mode & stat.S_ISVTX):
                return
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                return  # a FIFO or a device among the playbooks: the loader refuses to read it
            found.append(
                _("{path} can be written by anyone on this host (mode {mode}); run: chmod o-w {quoted}")
                .format(path=text.line(path), mode=f"{stat.S_IMODE(mode):04o}", quoted=text.line(shlex.quote(str(path))))
            )

        above = {p for start in (Path(os.path.abspath(self.root)), self.root.resolve()) for p in start.parents}
        for folder in sorted(above, key=lambda p: len(p.parts)):
            check(folder, sticky_ok=True)
        check(self.root)
        for name in (CONFIG, KEY, PUB, WITNESS, DATABASE, DATABASE + "-wal", DATABASE + "-shm", PLAYBOOKS):
            check(self.root / name)
        try:
            playbooks = sorted(p for p in self.playbooks_dir.iterdir() if p.name.endswith(".toml"))
        except OSError:
            playbooks = []
        for path in playbooks:
            check(path)
        if self.db_url is not None:  # a SQLite copy named with --db (the home's own file was checked above)
            from warroom.store.engine import sqlite_path

            database = sqlite_path(self.url)
            if database is not None and not self.own_database:
                check(database.parent)
                check(database)
        return found

    def refuse_unsafe(self) -> None:
        found = self.unsafe()
        if found:
            raise BadInput(_("refusing to open the war-room home: {problem}").format(problem=found[0]))

    def open_store(self, *, new: bool = False):
        """The migrated database of a safe home; every write is witnessed. Only `new` (init, which
        has just made the file) may find the database empty."""
        from warroom.store import migrate
        from warroom.store.engine import Store, make_engine, sqlite_path

        self.require()
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            raise BadInput(_("no database at {path} (create a home with: warroom init)").format(path=path))
        if path is not None and not new and _empty(path):
            # SQLite takes an empty file for a new database: a truncated log would silently start
            # again from incident #1, its history gone and nobody told.
            raise WarroomError(_("the database {path} is empty (0 bytes): its log is gone; restore it from a backup "
                                 "(nothing was changed; only warroom init creates a database)").format(path=path))
        from sqlalchemy.exc import DatabaseError

        engine = make_engine(self.url)
        try:
            migrate.upgrade(engine)
        except DatabaseError as exc:
            engine.dispose()
            raise DatabaseDamaged(_("the database {path} cannot be read: {reason}; check it with: warroom verify")
                                  .format(path=path or self.url, reason=exc.orig)) from None
        return Store(engine, witness=self.witness() if self.own_database else None)


def _empty(path: Path) -> bool:
    try:
        info = path.stat()
    except OSError:
        return False  # opening it says what is wrong
    return stat.S_ISREG(info.st_mode) and info.st_size == 0


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise BadInput(_("--group: no such group {name} on this host").format(name=repr(name))) from None


def init(root: Path, *, group: str | None = None, config_text: str | None = None, made: list[Path] | None = None,
         db_url: str | None = None, lang: str | None = None) -> Home:
    """Create a home: config, playbooks, schemas, key pair and database, private to the owner (and
    group). `made` collects every path this creates (and the database's companions to come), so a
    failure later on can take them away again with `unmake`: a half-made home is worse than none.
    `db_url`: a PostgreSQL database the home uses instead of a file of its own (a site of a war-room
    shared by several); it is created (migrated) when the home is first opened. `lang`: the language
    chosen for the home: its example config and playbooks in that language, and the config's
    `[settings] language` saying so; without it, the English examples and no setting."""
    from warroom.config import Config
    from warroom.playbooks.schema import Playbook
    from warroom.store.engine import create_private_file, sqlite_path

    made = [] if made is None else made
    if db_url is not None and sqlite_path(db_url) is not None:
        raise BadInput(_("init creates the home's own SQLite database; --db with init names a PostgreSQL database "
                         "(postgresql+psycopg://host/db) for the home to use instead"))

    def claim(path: Path) -> Path:
        if not os.path.lexists(path):
            made.append(path)
        return path

    require_utf8(root)
    home = Home(root, db_url)
    for name in (CONFIG, DATABASE, KEY):
        if (root / name).exists():
            raise BadInput(_("{path} is already a war-room home ({name} exists); nothing was changed").format(path=root, name=name))
    home.refuse_unsafe()
    gid = _group_id(group) if group else None
    # A group home is sticky: members share the files, but only an owner may rename or delete
    # one, so no member can put a witness.log or a key pair of their own in place of the owner's.
    dir_mode, file_mode = (0o3770, 0o660) if group else (0o700, 0o600)
    # The key signs the witness: its owner's alone (in a group home, the monitor's service
    # account). witness.log and warroom.pub are the group's to read, the key owner's to write.
    own_modes = {KEY: 0o600, PUB: 0o640, WITNESS: 0o640} if group else {}
    # What the war-room is (suppliers, people and their roles, playbooks) is the administrator's to
    # change: the group reads it. Writable by the group, any member (an observer) could make
    # themselves commander, and no event would say so.
    configured = {CONFIG: 0o640, CONFIG_SCHEMA: 0o640} if group else {}
    playbook_mode = 0o640 if group else file_mode
    old_umask = os.umask(0o007 if group else 0o077)
    try:
        for folder in reversed([root, *root.parents]):  # the topmost missing folder first
            claim(folder)
        root.mkdir(parents=True, exist_ok=True)
        claim(root / PLAYBOOKS).mkdir(exist_ok=True)
        for folder, mode in ((root, dir_mode), (root / PLAYBOOKS, (0o2750 if group else dir_mode))):
            if gid is not None:
                os.chown(folder, -1, gid)
            os.chmod(folder, mode)
        config = config_text if config_text is not None else example_config(lang or "en").read_text(encoding="utf-8")
        if lang and "\nlanguage = " not in config:
            config = config.replace("[settings]\n", f'[settings]\nlanguage = "{lang}"\n', 1)
        if group:
            config = config.replace("[settings]\n", f'[settings]\ngroup = "{group}"\n', 1)
        claim(home.config_path).write_text(config, encoding="utf-8")
        claim(root / CONFIG_SCHEMA).write_text(json.dumps(Config.model_json_schema(), indent=2) + "\n", encoding="utf-8")
        claim(root / PLAYBOOKS / PLAYBOOK_SCHEMA).write_text(json.dumps(Playbook.model_json_schema(), indent=2) + "\n", encoding="utf-8")
        for source in sorted(bundled_playbooks(lang or "en").glob("*.toml")):
            shutil.copyfile(source, claim(root / PLAYBOOKS / source.name))
        from warroom.witness import generate_key

        generate_key(claim(root / KEY), claim(root / PUB))
        claim(root / WITNESS)  # made by the first write, which is part of creating the home
        if db_url is not None:
            # A site joining a shared database witnesses from its first write on: an empty witness
            # is this site's beginning, not one that went missing.
            (root / WITNESS).touch()
        else:
            from warroom.store.engine import SIDECARS

            for end in SIDECARS:
                claim(root / (DATABASE + end))
            create_private_file(claim(home.db_path), group_shared=group is not None)
        for path in [p for p in root.rglob("*") if p.is_file()]:
            if gid is not None:
                os.chown(path, -1, gid)
            if path.parent == root:
                os.chmod(path, own_modes.get(path.name, configured.get(path.name, file_mode)))
            else:
                os.chmod(path, playbook_mode)
    finally:
        os.umask(old_umask)
    return home


def unmake(made: list[Path]) -> None:
    """Take away what a failed `init` made, newest first; a folder only when it is empty again
    (nothing that was there before, or that someone else put there since, is removed)."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass  # already gone, or a folder that holds what is not ours


def require_utf8(root: Path) -> None:
    """BadInput unless the home's path is UTF-8: the database is named by a URL, which is text,
    so a path with other bytes (a Latin-1 name) can be neither opened nor created."""
    try:
        os.fsencode(root).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        from warroom.files import name_of

        raise BadInput(_("the war-room home {path}: its path is not valid UTF-8 (shown with {mark}), and "
                         "warroom needs one that is: rename the folder").format(path=name_of(root), mark="\ufffd")) from None
