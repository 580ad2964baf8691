"""Who is acting, and from where: the logged-in OS user and the origin BIO 8.15 asks a log line for."""

from __future__ import annotations

import os
import pwd
import socket
from typing import Any


def os_user() -> str:
    """The effective OS user; deliberately not $USER, which anyone can set."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid{os.geteuid()}"


def origin() -> dict[str, Any]:
    """Host, terminal and SSH client address of this process (no secrets: no environment, no keys)."""
    terminal = None
    for fd in (0, 1, 2):
        try:
            terminal = os.ttyname(fd)
            break
        except OSError:
            continue
    ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    return {"host": socket.gethostname(), "terminal": terminal, "ssh_client": ssh.split()[0] if ssh else None}
