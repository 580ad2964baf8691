"""One error tree; the command line turns each branch into its exit code (DESIGN §6).

    WarroomError            exit 1: failed at run time
     ├── BadInput           exit 2: usage, an unknown id, an unsafe home
     │    └── InvalidFile   exit 2: a playbook or config with problems, one line each
     ├── DatabaseDamaged    exit 1: the database file cannot be read (verify says so with exit 3)
     └── LogAltered         exit 3: verify found the log altered or the database damaged
"""

from __future__ import annotations


class WarroomError(Exception):
    exit_code = 1


class BadInput(WarroomError):
    exit_code = 2


class InvalidFile(BadInput):
    """A file with one or more problems; each problem is one `file:line: field: message` line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class DatabaseDamaged(WarroomError):
    exit_code = 1


class LogAltered(WarroomError):
    exit_code = 3


__all__ = ["BadInput", "DatabaseDamaged", "InvalidFile", "LogAltered", "WarroomError"]
