"""Nothing below the TUI imports Textual (DESIGN §4): import every other module in a clean process."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_no_module_below_the_tui_imports_textual():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "warroom").rglob("*.py")
        if "tui" not in p.relative_to(ROOT).parts and "migrations" not in p.parts and p.name != "__main__.py"
    )
    assert "warroom.store.eventlog" in modules and "warroom.cli" in modules
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\nprint(bad)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
