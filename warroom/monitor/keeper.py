"""Making sure a monitor runs while a TUI is open (DESIGN §4).

When nobody holds the monitor lease, the TUI starts `warroom monitor` as a child process: never on
its own UI loop, where a check round would stall the screen. The child shares the TUI's session,
so when the SSH connection drops it gets the same SIGHUP, stops and releases the lease; another
TUI (or the `warroom monitor` service) then takes over within seconds. On a clean exit the TUI
stops its child, which releases the lease at once. A stale lease alone never starts one: while a
monitor process is alive on this host, however late its lease, none is started (alive.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta

from warroom import files, identity
from warroom.home import Home
from warroom.monitor import alive
from warroom.services import lease
from warroom.store.engine import Store

GRACE = timedelta(seconds=1)


def log_path(home: Home):
    """Each account's own log of the monitors its TUIs start: in a shared home no member writes
    into a file another member owns."""
    return home.root / f"monitor-{identity.os_user()}.log"


def _log_file(path, mode: int) -> int:
    """The child's log, appended to; /dev/null when it is not a regular file of ours (a FIFO planted
    there would hang the TUI's open, a link would send our lines into someone's file)."""
    fd = files.open_regular(path, os.O_WRONLY | os.O_APPEND, mode)
    if fd is None:
        return os.open(os.devnull, os.O_WRONLY)
    # Ours alone: in a shared home another member could have put a file (or, refused above, a
    # link) there for our monitor to append its lines to.
    if os.fstat(fd).st_uid != os.geteuid():
        os.close(fd)
        return os.open(os.devnull, os.O_WRONLY)
    os.set_blocking(fd, True)
    return fd


class MonitorKeeper:
    def __init__(self, home: Home):
        self.home = home
        self.child: subprocess.Popen | None = None

    def ensure(self, store: Store, now: datetime) -> bool:
        """Start a monitor if the lease stands vacant and ours is not running; True if one was started."""
        if self.child is not None and self.child.poll() is None:
            return False
        with store.read() as session:
            current = lease.current(session)
        if current is not None and current.expires_at + GRACE > now:
            return False
        # A late lease is not a dead monitor: one starved of CPU is alive, and another (from each
        # TUI on the host) would only starve it more.
        claim = alive.claim(self.home)
        if claim is None:
            return False
        try:
            log = _log_file(log_path(self.home), 0o600)
            try:
                # The same database as this TUI: with --db, the child must not check and write into the home's own file.
                database = ["--db", self.home.db_url] if self.home.db_url else []
                self.child = subprocess.Popen(
                    [sys.executable, "-m", "warroom", "--home", str(self.home.root), *database, "monitor"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    pass_fds=() if claim.fd is None else (claim.fd,),  # the child holds the start lock for its life
                )
            finally:
                os.close(log)
        finally:
            claim.close()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop our monitor cleanly so it releases the lease for whoever comes next."""
        if self.child is None or self.child.poll() is not None:
            return
        self.child.send_signal(signal.SIGTERM)
        try:
            self.child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
