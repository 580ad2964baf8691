"""End to end in a real terminal: `warroom demo` in tmux, driven with send-keys, read with
capture-pane, while a second process acts through the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import tomli_w

from tests.conftest import ROOT, need_tool, run_cli, wait_for

E2E_PLAYBOOK = {
    "id": "e2e-outage", "title": "NLCloud down (end-to-end drill)", "fallbacks": ["secondary-dc"],
    "trigger": {"supplier": "nlcloud", "state": "down", "for": "2s"},
    "steps": [{"id": "confirm", "title": "Confirm with the service desk", "due": "1h"},
              {"id": "assess", "title": "Assess the impact", "due": "1h"}],
    "escalation": [{"after": "1h", "notify": ["duty-officer"]}],
    "decisions": [{"id": "failover", "question": "Fail over?", "by": "1h"}],
}


def test_demo_in_a_real_terminal(tmp_path):
    need_tool("tmux", "tmux")
    home = tmp_path / "demo"
    created = run_cli("init", "--demo", str(home))
    assert created.returncode == 0, created.stderr
    (home / "playbooks" / "e2e-outage.toml").write_text(tomli_w.dumps(E2E_PLAYBOOK))
    session = f"warroom-e2e-{uuid.uuid4().hex[:8]}"
    command = f"cd {ROOT} && {sys.executable} -m warroom --home {home} demo"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    # Detached sessions otherwise follow tmux's window-size rules (often 80x24): pin 120x40.
    subprocess.run(["tmux", "set-option", "-t", session, "window-size", "manual"], capture_output=True)
    subprocess.run(["tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"], capture_output=True)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout

    def keys(*sequence: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, *sequence], check=True)

    def see(text_or_test, timeout: float, what: str) -> None:
        test = text_or_test if callable(text_or_test) else (lambda: text_or_test in screen())
        try:
            wait_for(test, timeout=timeout, what=what)
        except AssertionError as failed:
            raise AssertionError(f"{failed}; the screen was:\n{screen()}") from None

    try:
        see(lambda: re.search(r"▲ up\s+NLCloud Hosting B\.V\.", screen()), 60, "the demo's first check round")
        keys("f")  # the cursor starts on NLCloud: break it
        see(lambda: re.search(r"▼ down\s+NLCloud Hosting B\.V\.", screen()), 60, "NLCloud to be seen down")
        see('playbook "e2e-outage" suggested', 60, "the suggestion")
        keys("D")  # start the suggested playbook as a drill
        see(lambda: "DRILL" in screen() and "NLCloud down (end-to-end drill)" in screen(), 30, "the drill on the board")
        keys("Tab", "Enter")  # to the incidents table, open the room
        see(lambda: "Steps" in screen() and re.search(r"☐\s+confirm", screen()), 30, "the incident room")
        keys("d")  # the first step is selected: done
        see(lambda: re.search(r"✔\s+confirm", screen()), 30, "the step done")
        keys("l")
        keys("-l", "Fail over to Groningen")
        keys("Enter")
        see("Fail over to Groningen", 30, "the decision in the log")
        incident_id = run_cli("incident", "list", "--json", home=home).stdout.split('"id": ')[1].split(",")[0]
        other = run_cli("log", incident_id, "Phoned the minister's office", "--kind", "communication", home=home)
        assert other.returncode == 0, other.stderr
        see("Phoned the minister's office", 10, "another process's entry on screen")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert run_cli("verify", home=home).returncode == 0
