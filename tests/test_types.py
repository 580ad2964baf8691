"""The typed core type-checks: mypy over the modules pyproject.toml lists, as a test, like the
import contracts (tests/test_layers.py). A misspelt field of a read model is an error here, not a
blank cell on a screen."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.conftest import ROOT

MISSPELT = '''
from warroom.services import commands, views
from warroom.vocabulary import StepAction


def state(supplier: views.SupplierView) -> str:
    return supplier.sate


def mark(incident: int) -> commands.MarkStep:
    return commands.MarkStep(incident, "confirm", StepAction.DONE, nute="called")
'''


def test_the_typed_modules_check_clean_and_a_misspelling_does_not(tmp_path):
    files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]
    assert {"warroom/services/views.py", "warroom/services/commands.py", "warroom/vocabulary.py"} <= set(files)
    misspelt = tmp_path / "misspelt.py"
    misspelt.write_text(MISSPELT)
    # One run for both (mypy takes seconds): the configured modules, and a file that misspells.
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *files, str(misspelt)],
                            capture_output=True, text=True, cwd=ROOT, timeout=240)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith(str(misspelt)) for line in errors), "\n".join(errors)  # the typed core: clean
    assert any('"SupplierView" has no attribute "sate"' in line for line in errors), result.stdout
    assert any('Unexpected keyword argument "nute" for "MarkStep"' in line for line in errors), result.stdout
    assert len(errors) == 2, result.stdout
