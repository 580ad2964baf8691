"""`warroom-ssh`: the command sshd's ForceCommand runs for the war-room's accounts.

Logging in lands a person on the board. A command given on the ssh line (sshd passes it in
SSH_ORIGINAL_COMMAND) runs only if it is a warroom command on the allow-list below: the line is
split like a shell would split words (quotes respected), never given to a shell, so `;`, `|`, `$(…)`
and redirections are just characters of an argument that warroom then refuses or stores as text.
Commands that create or replace files on the host, change the home or run services (`init`,
`backup`, `restore`, `monitor`, `simulate`, `demo`, `playbook new`, `export -o`) are for the
administrator, not over SSH; `--home` and `--db` are refused, so the home is the one sshd sets
(`SetEnv WARROOM_HOME=…`).

    ssh -t warroom-host                          the board
    ssh -t warroom-host --wall                   the wall view
    ssh warroom-host incident start cloud-hosting-outage --drill
    ssh warroom-host warroom status --json       (a leading "warroom" is allowed)"""

from __future__ import annotations

import os
import shlex
import sys

from warroom.i18n import LANGUAGES, N_, _

# Subcommand → the sub-subcommands allowed (None: all of them).
ALLOWED: dict[str, frozenset[str] | None] = {
    "status": None, "check": None, "fallbacks": None, "verify": None, "doctor": None, "schema": None,
    "incident": None, "step": None, "escalation": None, "fallback": None, "log": None, "drill": None,
    "suggestion": None, "review": None, "export": None,
    "playbook": frozenset({"list", "show", "validate"}),
}
# Options before the subcommand, or alone (the board).
GLOBAL = frozenset({"--wall", "--no-mouse", "--help", "-h", "--version"})
FOR_THE_ADMINISTRATOR = N_("it changes files or services on the war-room host; ask the administrator")


class Refused(Exception):
    """The line is not something this door lets through; the message says why, in one line."""


def arguments(line: str | None) -> list[str]:
    """The warroom arguments for an SSH command line, or Refused. No line: the board."""
    if line is None or not line.strip():
        return []
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise Refused(_("the command line cannot be read ({reason})").format(reason=exc)) from None
    if words and words[0] == "warroom":
        words = words[1:]
    position = 0
    while position < len(words) and words[position].startswith("-"):
        word = words[position]
        if word == "--lang" and position + 1 < len(words) and words[position + 1] in LANGUAGES:
            position += 2  # a language of ours for this one command, as on the host
            continue
        if word.startswith("--lang=") and word.removeprefix("--lang=") in LANGUAGES:
            position += 1
            continue
        if word not in GLOBAL:
            raise Refused(_("option {option} is not allowed over SSH (allowed before the command: {allowed})").format(
                option=repr(word), allowed=", ".join(sorted(GLOBAL | {"--lang en|nl"}))))
        position += 1
    if position == len(words):
        return words
    command, rest = words[position], words[position + 1 :]
    if command not in ALLOWED:
        why = _(FOR_THE_ADMINISTRATOR) if command in ("init", "backup", "restore", "monitor", "simulate", "demo") else _("no such command")
        raise Refused(_("{command} is not allowed over SSH: {why} (allowed: {allowed})").format(
            command=repr(command), why=why, allowed=", ".join(sorted(ALLOWED))))
    allowed = ALLOWED[command]
    sub = next((w for w in rest if not w.startswith("-")), None)
    if allowed is not None and sub is not None and sub not in allowed:
        raise Refused(_("{command} is not allowed over SSH: {why} (allowed: {allowed})").format(
            command=f"{command} {sub!r}", why=_(FOR_THE_ADMINISTRATOR), allowed=", ".join(sorted(allowed))))
    for word in rest if command == "export" else []:
        if word == "--":
            break
        if word.startswith(("-o", "--output")):
            raise Refused(_("{command} is not allowed over SSH: it writes a file on the war-room host; "
                            "print to your side instead: ssh HOST warroom export ID --format md > timeline.md").format(command=f"{command} {word!r}"))
    return words


def main() -> None:
    from warroom.cli import main as warroom
    from warroom.cli import speak
    from warroom.cli.output import error

    speak([])  # the refusals below speak the war-room's language too ([settings] language, then LANG)
    try:
        args = arguments(os.environ.get("SSH_ORIGINAL_COMMAND"))
    except Refused as exc:
        error(f"warroom-ssh: {exc}")
        sys.exit(2)
    if not [a for a in args if a not in ("--wall", "--no-mouse")] and not sys.stdin.isatty():
        error(_("warroom-ssh: the board needs a terminal: log in with ssh -t, or give a command (ssh HOST warroom status)"))
        sys.exit(2)
    warroom(args)


if __name__ == "__main__":
    main()
