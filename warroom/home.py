"""A war-room home (DESIGN §5): where it is, what is in it, creating one and opening its database."""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from warroom.errors import BadInput, DatabaseDamaged

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


def bundled_playbooks() -> Path:
    """The example playbooks: inside the wheel when installed, the repository's playbooks/ otherwise."""
    package = Path(__file__).parent
    for candidate in (package / "_bundled" / "playbooks", package.parent / "playbooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled playbooks are missing from this installation")


def example_config() -> Path:
    return Path(__file__).parent / "examples" / CONFIG


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
        return self.db_url or f"sqlite:///{self.db_path}"

    @property
    def own_database(self) -> bool:
        """Whether the database is this home's own file, whose every write the witness saw."""
        return self.db_url is None

    @property
    def group_shared(self) -> bool:
        return bool(self.root.stat().st_mode & stat.S_IRWXG)

    def witness(self):
        from warroom.witness import Witness

        return Witness(self.root / WITNESS, self.root / KEY, self.root / PUB, self.group_shared)

    def require(self) -> Home:
        """This home, or BadInput telling how to create one."""
        if not self.config_path.is_file():
            raise BadInput(f"no war-room home at {self.root} (create one: warroom init {self.root})")
        return self

    def open_store(self):
        """The migrated database, refusing one that anyone may write to; every write is witnessed."""
        from warroom.store import migrate
        from warroom.store.engine import Store, check_not_world_writable, make_engine, sqlite_path

        path = sqlite_path(self.url)
        if path is not None:
            check_not_world_writable(path)
            if not path.exists():
                raise BadInput(f"no database at {path} (create a home with: warroom init)")
        from sqlalchemy.exc import DatabaseError

        engine = make_engine(self.url)
        try:
            migrate.upgrade(engine)
        except DatabaseError as exc:
            engine.dispose()
            raise DatabaseDamaged(f"the database {path or self.url} cannot be read: {exc.orig}; check it with: warroom verify") from None
        witness = self.witness() if self.own_database else None

        def witness_head(session) -> None:
            head = session.info.pop("head", None)
            if witness and head:
                witness.record(*head)

        return Store(engine, after_write=witness_head)


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise BadInput(f"--group: no such group {name!r} on this host") from None


def init(root: Path, *, group: str | None = None, config_text: str | None = None) -> Home:
    """Create a home: config, playbooks, schemas, key pair and database, private to the owner (and group)."""
    from warroom.config import Config
    from warroom.playbooks.schema import Playbook
    from warroom.store.engine import create_private_file

    home = Home(root)
    for name in (CONFIG, DATABASE, KEY):
        if (root / name).exists():
            raise BadInput(f"{root} is already a war-room home ({name} exists); nothing was changed")
    gid = _group_id(group) if group else None
    dir_mode, file_mode = (0o2770, 0o660) if group else (0o700, 0o600)
    old_umask = os.umask(0o007 if group else 0o077)
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / PLAYBOOKS).mkdir(exist_ok=True)
        for folder in (root, root / PLAYBOOKS):
            if gid is not None:
                os.chown(folder, -1, gid)
            os.chmod(folder, dir_mode)
        text = config_text if config_text is not None else example_config().read_text(encoding="utf-8")
        if group:
            text = text.replace("[settings]\n", f'[settings]\ngroup = "{group}"\n', 1)
        home.config_path.write_text(text, encoding="utf-8")
        (root / CONFIG_SCHEMA).write_text(json.dumps(Config.model_json_schema(), indent=2) + "\n", encoding="utf-8")
        (root / PLAYBOOKS / PLAYBOOK_SCHEMA).write_text(json.dumps(Playbook.model_json_schema(), indent=2) + "\n", encoding="utf-8")
        for source in sorted(bundled_playbooks().glob("*.toml")):
            shutil.copyfile(source, root / PLAYBOOKS / source.name)
        from warroom.witness import generate_key

        generate_key(root / KEY, root / PUB, group_shared=group is not None)
        create_private_file(home.db_path, group_shared=group is not None)
        for path in [p for p in root.rglob("*") if p.is_file()]:
            if gid is not None:
                os.chown(path, -1, gid)
            os.chmod(path, file_mode)
    finally:
        os.umask(old_umask)
    return home
