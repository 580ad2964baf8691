"""A command that ends without Python's teardown (warroom.cli.end_at_once: an export) loses nothing
it wrote: what went to a pipe is all there, as in the file the same export writes, and a reader
that leaves early ends it as before. Real processes, started fresh (not forked from the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_exports
from tests.test_export_file import NOW

template, root = test_exports.template, test_exports.root  # the awkward incident's home: made once a module, copied a test


def _warroom(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warroom", "--home", str(root), *args], capture_output=True, timeout=120,
                          env={**os.environ, **NOW}, **kwargs)


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_an_export_to_a_pipe_is_whole_and_the_same_as_to_a_file(root, fmt):
    piped = _warroom(root, "export", "1", "--format", fmt)
    assert piped.returncode == 0, piped.stderr
    written = _warroom(root, "export", "1", "--format", fmt, "-o", str(root / f"e.{fmt}"))
    assert written.returncode == 0, written.stderr
    assert b"exported incident #1" in written.stdout  # its own line, flushed before the end
    assert len(piped.stdout) > 1000
    assert piped.stdout == (root / f"e.{fmt}").read_bytes()


def test_a_reader_that_leaves_early_ends_the_export_as_before(root):
    export = subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(root), "export", "1", "--format", "html"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **NOW})
    assert export.stdout is not None and export.stderr is not None
    export.stdout.read(100)
    export.stdout.close()
    error = export.stderr.read()
    assert export.wait(timeout=120) in (0, 1), error
    assert b"Traceback" not in error


def test_a_profiler_running_the_export_still_writes_what_it_found(root, tmp_path):
    """The export ends at once only when nothing else in the process waits for Python's end: run
    under cProfile (or coverage, a tracer, `python -i`), it ends as any command does."""
    profile = tmp_path / "export.prof"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "warroom", "--home", str(root), "export", "1",
                             "--format", "md", "-o", str(root / "e.md")], capture_output=True, timeout=120, env={**os.environ, **NOW})
    assert result.returncode == 0, result.stderr
    assert (root / "e.md").stat().st_size > 1000
    assert profile.stat().st_size > 0
